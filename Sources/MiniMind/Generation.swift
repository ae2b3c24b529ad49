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

    init(config: ModelConfig) {
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
        let c = config, position = cache.length
        var x = [Float](repeating: 0, count: c.dim), normed = x, query = x, attended = x, scratch = x
        var rstd: [Float] = [0], headRstd = [Float](repeating: 0, count: c.heads)
        var gate = [Float](repeating: 0, count: c.ffn), up = gate, act = gate
        var scores = [Float](repeating: 0, count: position + 1)
        let scale = 1 / Float(c.headDim).squareRoot()
        for i in 0..<c.dim { x[i] = embedding.value[Int(token) * c.dim + i] }
        for (l, block) in blocks.enumerated() {
            let keyRow = cache.keys[l].pointer + position * c.kvDim
            let valueRow = cache.values[l].pointer + position * c.kvDim
            RMSNorm.forward(output: &normed, rstd: &rstd, input: x, weight: block.inputNorm.value.pointer,
                            rows: 1, cols: c.dim, eps: c.normEps)
            block.q.forward(input: normed, output: &query, rows: 1, training: false)
            block.k.forward(input: normed, output: keyRow, rows: 1, training: false)
            block.v.forward(input: normed, output: valueRow, rows: 1, training: false)
            if let qNorm = block.qNorm, let kNorm = block.kNorm {
                let rawQuery = query
                RMSNorm.forward(output: &query, rstd: &headRstd, input: rawQuery, weight: qNorm.value.pointer,
                                rows: c.heads, cols: c.headDim, eps: c.normEps)
                let rawKey = Array(UnsafeBufferPointer(start: keyRow, count: c.kvDim))
                RMSNorm.forward(output: keyRow, rstd: &headRstd, input: rawKey, weight: kNorm.value.pointer,
                                rows: c.kvHeads, cols: c.headDim, eps: c.normEps)
            }
            rotary.forward(&query, rows: 1, seqLen: 1, heads: c.heads, startPosition: position)
            rotary.forward(keyRow, rows: 1, seqLen: 1, heads: c.kvHeads, startPosition: position)
            for h in 0..<c.heads {
                let g = h / c.groupSize
                query.withUnsafeBufferPointer { q in
                    BLAS.gemm(transposeA: false, transposeB: true, m: 1, n: position + 1, k: c.headDim, alpha: scale,
                              a: q.baseAddress! + h * c.headDim, lda: c.dim,
                              b: cache.keys[l].pointer + g * c.headDim, ldb: c.kvDim,
                              c: &scores, ldc: position + 1)
                }
                let maxScore = scores.max() ?? 0
                var total: Float = 0
                for j in scores.indices { scores[j] = exp(scores[j] - maxScore); total += scores[j] }
                for j in scores.indices { scores[j] /= total }
                attended.withUnsafeMutableBufferPointer { out in
                    BLAS.gemm(transposeA: false, transposeB: false, m: 1, n: c.headDim, k: position + 1,
                              a: scores, lda: position + 1,
                              b: cache.values[l].pointer + g * c.headDim, ldb: c.kvDim,
                              c: out.baseAddress! + h * c.headDim, ldc: c.dim)
                }
            }
            block.o.forward(input: attended, output: &scratch, rows: 1, training: false)
            for i in 0..<c.dim { x[i] += scratch[i] }
            RMSNorm.forward(output: &normed, rstd: &rstd, input: x, weight: block.postAttentionNorm.value.pointer,
                            rows: 1, cols: c.dim, eps: c.normEps)
            block.gate.forward(input: normed, output: &gate, rows: 1, training: false)
            block.up.forward(input: normed, output: &up, rows: 1, training: false)
            SwiGLU.forward(output: &act, gate: gate, up: up, count: c.ffn)
            block.down.forward(input: act, output: &scratch, rows: 1, training: false)
            for i in 0..<c.dim { x[i] += scratch[i] }
        }
        RMSNorm.forward(output: &normed, rstd: &rstd, input: x, weight: finalNorm.value.pointer,
                        rows: 1, cols: c.dim, eps: c.normEps)
        BLAS.gemm(transposeA: false, transposeB: true, m: 1, n: c.vocabSize, k: c.dim,
                  a: normed, lda: c.dim, b: embedding.value.pointer, ldb: c.dim, c: &logits, ldc: c.vocabSize)
        cache.advance()
    }
}

extension Model {
    /// Next-token logits at every position of one sequence, `[tokens, vocab]`.
    public func logits(tokens: [Int32]) -> Matrix {
        let acts = tokens.withUnsafeBufferPointer {
            forward(tokens: $0.baseAddress!, batch: 1, seqLen: tokens.count, training: false)
        }
        return Matrix(rows: tokens.count, cols: config.vocabSize,
                      values: Array(UnsafeBufferPointer(start: acts.logits.pointer, count: tokens.count * config.vocabSize)))
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
