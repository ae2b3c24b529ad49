import FuzzDriver
import JupyterKernel

// libFuzzer over WireFuzzing; the glue is fuzz/Sources/FuzzDriver.
@_cdecl("fuzz_wire_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runLibFuzzer(argc, argv, check: WireFuzzing.check)
}
