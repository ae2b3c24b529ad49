import FuzzDriver
import Checkpoint

// libFuzzer over TorchCheckpointFuzzing; the glue is fuzz/Sources/FuzzDriver.
@_cdecl("fuzz_pickle_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runLibFuzzer(argc, argv, check: TorchCheckpointFuzzing.check)
}
