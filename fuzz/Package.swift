// swift-tools-version:6.0
// The libFuzzer binaries, one per input format. A package of their own so
// that the instrumented build (`-sanitize=fuzzer,address`, see the Makefile's
// fuzz-% target) lives in fuzz/.build and never touches the main build; the
// code under test is the main package's, by path, and each binary is only a
// libFuzzer callback around an entry point that `swift test` also replays.
import PackageDescription

let entryPoints = Target.Dependency.product(name: "LoRALabFuzzEntryPoints", package: "LoRALab")
let fuzzing: [Target.Dependency] = [entryPoints, "FuzzDriver"]

let package = Package(
    name: "LoRALabFuzz",
    dependencies: [.package(name: "LoRALab", path: "..")],
    targets: [
        // libFuzzer's callback and driver hand-over, shared by every binary.
        .target(name: "FuzzDriver"),
        .executableTarget(name: "fuzz-commands", dependencies: fuzzing),
        .executableTarget(name: "fuzz-wire", dependencies: fuzzing),
        .executableTarget(name: "fuzz-jsonl", dependencies: fuzzing),
        .executableTarget(name: "fuzz-safetensors", dependencies: fuzzing),
        .executableTarget(name: "fuzz-tokenizer", dependencies: fuzzing),
        .executableTarget(name: "fuzz-pickle", dependencies: fuzzing),
    ],
    swiftLanguageModes: [.v6]
)
