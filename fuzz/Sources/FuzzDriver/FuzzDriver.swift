// The libFuzzer glue every fuzz-* binary shares: each passes the check of one
// input format (a *Fuzzing.swift entry point of the main package, which
// `swift test` also replays) and its own main hands over to libFuzzer's driver.

/// The check libFuzzer's callback runs; set once by `runLibFuzzer` before the driver starts.
nonisolated(unsafe) private var currentCheck: (([UInt8]) -> [String])?

// libFuzzer's callback. A broken invariant is a crash, so libFuzzer saves the
// input; copy it to fuzz/crashes/<name>/ and swift test replays it from then on.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let violations = currentCheck?(bytes) ?? ["no fuzz check was installed"]
    if !violations.isEmpty { fatalError(violations.joined(separator: "\n")) }
    return 0
}

// SwiftPM links an executable with main defined as <module>_main, so
// libFuzzer's own main is never linked in; each binary's main calls this.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// Runs libFuzzer on `check`: its violations (empty when the input is handled as specified) end the run as a crash.
public func runLibFuzzer(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                         check: @escaping ([UInt8]) -> [String]) -> Int32 {
    currentCheck = check
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzTestOneInput)
}
