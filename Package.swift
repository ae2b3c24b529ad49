// swift-tools-version:6.0
// LoRA Lab: a Jupyter kernel, REPL and script runner for exploring LoRA on a
// MiniMind-architecture model. Dependencies point down:
//   loralab → JupyterKernel, REPL → Engine → Checkpoint → MiniMind, Corpus;
//   Engine → Analysis, Charts; MiniMind, Analysis → LinearAlgebra → COpenBLAS
import PackageDescription

// The numeric modules are compiled for x86-64 with AVX2 (Haswell, 2013, and
// later; AMD Zen and later): the element-wise kernels' eight-lane vectors
// then run as one AVX register instead of two SSE halves, which made `tiny`'s
// training step 1.1–1.4× faster (docs/benchmarks.md, "Vector code"). The
// results are bit for bit the same: no multiply-add is fused without being
// asked for, and the kernels fix their order of summation themselves.
// `loralab` itself stays baseline x86-64 and refuses politely to run on a
// processor without AVX2 and FMA (Sources/loralab/ProcessorFeatures.swift).
#if arch(x86_64)
let vectorCode: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let vectorCode: [SwiftSetting] = []
#endif

let package = Package(
    name: "LoRALab",
    products: [
        .executable(name: "loralab", targets: ["loralab"]),
        // What the kernelspec launches: listens on the kernel's ports, then runs `loralab kernel`.
        .executable(name: "loralab-kernel", targets: ["KernelLauncher"]),
        // For fuzz/Package.swift, which builds the libFuzzer binaries against
        // these modules' public fuzzing entry points (*Fuzzing.swift).
        .library(name: "LoRALabFuzzEntryPoints", targets: ["Engine", "JupyterKernel", "Corpus", "Checkpoint"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libzmq3-dev, libedit-dev).
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),

        // Numerics and the model.
        .target(name: "LinearAlgebra", dependencies: ["COpenBLAS"], swiftSettings: vectorCode),
        .target(name: "MiniMind", dependencies: ["LinearAlgebra"], swiftSettings: vectorCode),
        .target(name: "Corpus"),
        .target(name: "Analysis", dependencies: ["LinearAlgebra"], swiftSettings: vectorCode),
        .target(name: "Charts"),
        // Files the ecosystem uses (safetensors, Hugging Face folders, PyTorch
        // checkpoints, tokenizer.json): beside the model, which knows nothing of them.
        .target(name: "Checkpoint", dependencies: ["MiniMind", "Corpus", "LinearAlgebra"]),

        // The command language and its session: no transport, no terminal.
        // Crypto: the run cache names its entries by a SHA-256 of the run's specification.
        .target(name: "Engine", dependencies: ["MiniMind", "Corpus", "Analysis", "Charts", "Checkpoint", "LinearAlgebra",
                                               .product(name: "Crypto", package: "swift-crypto")]),

        // Front ends.
        .target(name: "JupyterKernel", dependencies: [
            "Engine", "CZeroMQ",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "REPL", dependencies: ["Engine", "CEditLine"]),
        .executableTarget(name: "loralab", dependencies: [
            "Engine", "JupyterKernel", "REPL", "MiniMind", "Corpus", "Checkpoint", "LinearAlgebra",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // The C library only, linked with the Swift runtime inside, so that it
        // listens within a couple of milliseconds of launch.
        .executableTarget(name: "KernelLauncher", linkerSettings: [.unsafeFlags(["-static-stdlib"])]),

        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "MiniMindTests", dependencies: ["MiniMind", "LinearAlgebra", "Corpus"]),
        .testTarget(name: "CorpusTests", dependencies: ["Corpus"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "LinearAlgebra"]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "MiniMind", "Corpus", "LinearAlgebra"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "REPLTests", dependencies: ["REPL", "Engine"]),
        // Property tests and the replay of fuzz/corpus and fuzz/crashes.
        .testTarget(name: "FuzzingTests", dependencies: ["Engine", "JupyterKernel", "Corpus", "Checkpoint"]),
    ],
    swiftLanguageModes: [.v6]
)
