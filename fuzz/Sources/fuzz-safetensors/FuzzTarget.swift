import FuzzDriver
import Checkpoint

// libFuzzer over SafeTensorsFuzzing; the glue is fuzz/Sources/FuzzDriver.
@_cdecl("fuzz_safetensors_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runLibFuzzer(argc, argv, check: SafeTensorsFuzzing.check)
}
