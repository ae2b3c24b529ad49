import FuzzDriver
import Engine

// libFuzzer over CommandLineFuzzing; the glue is fuzz/Sources/FuzzDriver.
@_cdecl("fuzz_commands_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runLibFuzzer(argc, argv, check: CommandLineFuzzing.check)
}
