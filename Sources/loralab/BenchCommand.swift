import ArgumentParser
import Foundation
import LinearAlgebra
import MiniMind

/// `loralab bench`: training and forward throughput of one configuration,
/// with the same knobs and the same one-line figures as the PyTorch + PEFT
/// peer (`torch_lora_bench.py`, see docs/benchmarks.md), so the two can be run side by side.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and forward tokens/s, GFLOP/s against the sgemm peak, and peak memory.",
        discussion: """
            Without --lora (or --targets) every base parameter trains (full training).
            Random tokens, as the peer uses; two warm-up steps are not timed.
            Run it in a release build: `swift build -c release`.
            """)

    @Option(help: "Model preset: \(ModelConfig.presetNames.joined(separator: ", ")).")
    var preset = "tiny"

    @Option(name: [.customLong("lora"), .customLong("targets")],
            help: "Attach LoRA to these matrices (square, attn, ffn, all-linear, q,v, ...).")
    var lora: String?

    @Option(help: "LoRA rank (alpha = 2·rank, as the peer sets it).")
    var rank = 8

    @Option(help: "Sequences per step.")
    var batch = 8

    @Option(help: "Tokens per sequence.")
    var seq = 128

    @Option(help: "Timed training steps.")
    var steps = 10

    @Option(help: "Square size of the sgemm used to measure the machine's peak (0 skips it).")
    var peakSize = 2048

    func validate() throws {
        guard ModelConfig.preset(preset) != nil else {
            throw ValidationError("unknown preset '\(preset)'; presets: \(ModelConfig.presetNames.joined(separator: ", "))")
        }
        guard batch > 0, seq > 1, steps > 0, rank > 0 else {
            throw ValidationError("batch, rank and steps must be positive, and seq at least 2")
        }
    }

    func run() throws {
        var config = ModelConfig.preset(preset)!
        config.maxSeq = max(config.maxSeq, seq)
        let model = Model(config: config, seed: 0)
        var targetsLabel = "full"
        if let lora {
            let selector = try TargetSelector(parsing: lora)
            try model.attachLoRA(selector, config: LoRAConfig(rank: rank, alpha: Float(2 * rank), initialization: .gaussian),
                                 seed: 0)
            targetsLabel = lora
        } else {
            model.setBaseTrainable(true)
        }
        var generator = SeededGenerator(seed: 0)
        let count = batch * seq
        let tokens = (0..<count).map { _ in Int32(generator.index(below: config.vocabSize)) }
        // Next-token targets within each row; the last position of a row has none.
        var targets = [Int32](repeating: -1, count: count)
        for b in 0..<batch {
            for t in 0..<(seq - 1) { targets[b * seq + t] = tokens[b * seq + t + 1] }
        }
        let trainer = Trainer(model: model, config: TrainingConfig(learningRate: 1e-3))
        for _ in 0..<2 { trainer.step(tokens: tokens, targets: targets, batch: batch, seqLen: seq) }
        let start = Date()
        for _ in 0..<steps { trainer.step(tokens: tokens, targets: targets, batch: batch, seqLen: seq) }
        let stepSeconds = Date().timeIntervalSince(start) / Double(steps)

        _ = model.loss(tokens: tokens, targets: targets, batch: batch, seqLen: seq)
        let forwardStart = Date()
        for _ in 0..<steps { _ = model.loss(tokens: tokens, targets: targets, batch: batch, seqLen: seq) }
        let forwardSeconds = Date().timeIntervalSince(forwardStart) / Double(steps)

        let flops = model.flopCount(batch: batch, seqLen: seq)
        let trainingGflops = flops.trainingStep / stepSeconds / 1e9
        let forwardGflops = flops.forward / forwardSeconds / 1e9
        var line = "loralab preset=\(preset) targets=\(targetsLabel) rank=\(lora == nil ? 0 : rank)"
        line += " trainable=\(trainer.trainableParameterCount)"
        line += " tokens_per_s=\(Int(Double(count) / stepSeconds)) ms_per_step=\(String(format: "%.1f", stepSeconds * 1000))"
        line += " forward_tokens_per_s=\(Int(Double(count) / forwardSeconds))"
        line += " train_gflops=\(String(format: "%.1f", trainingGflops)) forward_gflops=\(String(format: "%.1f", forwardGflops))"
        if peakSize > 0 {
            let peak = measureSgemmPeak(size: peakSize)
            line += " sgemm_peak_gflops=\(String(format: "%.1f", peak))"
            line += " train_peak_fraction=\(String(format: "%.2f", trainingGflops / peak))"
        }
        line += " peak_rss_mb=\(peakResidentMegabytes()) blas_core=\(BLASKernelSelection.coreName)"
        print(line)
    }

    /// The best of a few `cblas_sgemm` calls of one square size: the practical ceiling.
    func measureSgemmPeak(size n: Int) -> Double {
        var generator = SeededGenerator(seed: 1)
        let a = generator.normalMatrix(rows: n, cols: n, std: 1), b = generator.normalMatrix(rows: n, cols: n, std: 1)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = Date()
            _ = matmul(a, b)
            best = min(best, Date().timeIntervalSince(start))
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }

    func peakResidentMegabytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024  // kilobytes on Linux
    }
}
