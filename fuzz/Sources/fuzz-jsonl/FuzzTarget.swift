import FuzzDriver
import Corpus

// libFuzzer over DatasetFuzzing; the glue is fuzz/Sources/FuzzDriver.
@_cdecl("fuzz_jsonl_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runLibFuzzer(argc, argv, check: DatasetFuzzing.check)
}
