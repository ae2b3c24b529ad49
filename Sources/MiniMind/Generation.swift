import Foundation
import LinearAlgebra

/// Sampling settings for `Model.generate`.
public struct SamplingConfig: Sendable, Equatable {
    /// 0 picks the most likely token (greedy).
    public var temperature: Float
    /// Sample only among the `topK` most likely tokens; 0 means all.
    public var topK: Int
    public var seed: UInt64

    public init(temperature: Float = 0.8, topK: Int = 20, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.seed = seed
    }
}

/// Keys and values of every position seen so far, per layer, so that each new
/// token costs one row of work instead of re-reading the whole prefix.
final class KeyValueCache {
    let keys: [FloatBuffer]     // per layer [maxSeq, kvDim], rotary applied
    let values: [FloatBuffer]
    private(set) var length = 0
    /// Per-token buffers the sublayers share.
    let scratch: DecodeScratch

    init(config: ModelConfig) {
        scratch = DecodeScratch(config: config)
        keys = (0..<config.layers).map { _ in FloatBuffer(count: config.maxSeq * config.kvDim) }
        values = (0..<config.layers).map { _ in FloatBuffer(count: config.maxSeq * config.kvDim) }
    }

    func advance() { length += 1 }
}

extension Model {
    /// Continues `prompt` by up to `maxNewTokens` tokens, stopping early at
    /// `stopToken`. Returns only the new tokens. The context is capped at
    /// the model's `maxSeq`.
    public func generate(prompt: [Int32], maxNewTokens: Int, sampling: SamplingConfig,
                         stopToken: Int32? = nil) -> [Int32] {
        precondition(!prompt.isEmpty, "generation needs at least one prompt token")
        let cache = KeyValueCache(config: config)
        var generator = SeededGenerator(seed: sampling.seed)
        var logits = [Float](repeating: 0, count: config.vocabSize)
        let context = prompt.suffix(config.maxSeq)
        for token in context { decode(token: token, cache: cache, logits: &logits) }
        var produced: [Int32] = []
        while produced.count < maxNewTokens && cache.length < config.maxSeq {
            let next = Self.sample(logits: logits, sampling: sampling, generator: &generator)
            produced.append(next)
            if next == stopToken { break }
            if cache.length < config.maxSeq { decode(token: next, cache: cache, logits: &logits) }
        }
        return produced
    }

    static func sample(logits: [Float], sampling: SamplingConfig, generator: inout SeededGenerator) -> Int32 {
        if sampling.temperature <= 0 {
            return Int32(logits.indices.max { logits[$0] < logits[$1] } ?? 0)
        }
        var candidates = Array(logits.indices)
        if sampling.topK > 0 && sampling.topK < candidates.count {
            candidates.sort { logits[$0] > logits[$1] }
            candidates = Array(candidates.prefix(sampling.topK))
        }
        let maxLogit = candidates.map { logits[$0] }.max() ?? 0
        let weights = candidates.map { Double(exp((logits[$0] - maxLogit) / sampling.temperature)) }
        var threshold = Double(generator.uniform()) * weights.reduce(0, +)
        for (candidate, weight) in zip(candidates, weights) {
            threshold -= weight
            if threshold <= 0 { return Int32(candidate) }
        }
        return Int32(candidates.last ?? 0)
    }

    /// Runs one token at position `cache.length` and writes the next-token logits.
    func decode(token: Int32, cache: KeyValueCache, logits: inout [Float]) {
        let c = config
        var x = [Float](repeating: 0, count: c.dim)
        for i in 0..<c.dim { x[i] = embedding.value[Int(token) * c.dim + i] }
        for (l, block) in blocks.enumerated() {
            let step = DecodeStep(config: c, cache: cache, layer: l, position: cache.length, rotary: rotary)
            for sublayer in block.sublayers { sublayer.decode(step, x: &x) }
        }
        let s = cache.scratch
        RMSNorm.forward(output: &s.normed, rstd: &s.rstd, input: x, weight: finalNorm.value.pointer,
                        rows: 1, cols: c.dim, eps: c.normEps)
        BLAS.gemm(transposeA: false, transposeB: true, m: 1, n: c.vocabSize, k: c.dim,
                  a: s.normed, lda: c.dim, b: embedding.value.pointer, ldb: c.dim, c: &logits, ldc: c.vocabSize)
        cache.advance()
    }
}

extension Model {
    /// Next-token logits at every position of one sequence, `[tokens, vocab]`.
    public func logits(tokens: [Int32]) -> Matrix {
        let acts = tokens.withUnsafeBufferPointer {
            forward(tokens: $0.baseAddress!, batch: 1, seqLen: tokens.count, training: false)
        }
        return Matrix(rows: tokens.count, cols: config.vocabSize, values: allLogits(acts))
    }

    /// The same logits computed one token at a time through the KV cache.
    public func logitsByDecoding(tokens: [Int32]) -> Matrix {
        let cache = KeyValueCache(config: config)
        var out = Matrix(rows: tokens.count, cols: config.vocabSize)
        var row = [Float](repeating: 0, count: config.vocabSize)
        for (t, token) in tokens.enumerated() {
            decode(token: token, cache: cache, logits: &row)
            for i in 0..<config.vocabSize { out[t, i] = row[i] }
        }
        return out
    }
}
