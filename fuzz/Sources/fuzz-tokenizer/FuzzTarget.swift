import FuzzDriver
import Checkpoint

// libFuzzer over TokenizerFuzzing; the glue is fuzz/Sources/FuzzDriver.
@_cdecl("fuzz_tokenizer_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runLibFuzzer(argc, argv, check: TokenizerFuzzing.check)
}
