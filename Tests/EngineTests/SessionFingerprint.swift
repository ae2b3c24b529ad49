@testable import Engine
import Corpus
import LinearAlgebra
import MiniMind

/// A hash of everything a session holds, by part, so that a test can say
/// "nothing changed" about the whole session and name the part that did:
/// every tensor value and trainable flag, every layer's update (kind, merged
/// or not, its ΔW and W₀), the optimizer (settings, step count, history and
/// every moment), the data order `step` continues, the data choices, the loss
/// history, the runs (each as a session of its own) and the seed.
struct SessionFingerprint: Equatable, CustomStringConvertible {
    private(set) var parts: [String: UInt64] = [:]

    init(_ state: SessionState) {
        parts["seed"] = Digest().adding(state.seed).value
        // The folder's own name, not its path: sessions alike in fresh folders must compare equal.
        parts["cache"] = Digest().adding(state.cache?.folder.lastPathComponent ?? "off").value
        parts["data.pretrain"] = Self.digest(state.pretrainData).value
        parts["data.finetune"] = Self.digest(state.finetuneData).value
        add(state.lab, as: "lab")
        parts["runs"] = Digest().adding(state.runs.map(\.name).joined(separator: ",")).value
        for run in state.runs {
            parts["run \(run.name)"] = Digest().adding(run.finetuneSource ?? "—").adding(run.seed).value
            add(run.lab, as: "run \(run.name).lab")
        }
    }

    init(_ engine: Engine) { self.init(engine.state) }

    /// The parts that differ from `other`.
    func changedParts(from other: SessionFingerprint) -> [String] {
        Set(parts.keys).union(other.parts.keys).filter { parts[$0] != other.parts[$0] }.sorted()
    }

    var description: String { parts.keys.sorted().map { "\($0)=\(String(parts[$0]!, radix: 16))" }.joined(separator: " ") }

    private mutating func add(_ lab: ModelLab?, as prefix: String) {
        guard let lab else {
            parts[prefix] = 0
            return
        }
        var history = Digest().adding(lab.origin).adding(lab.adaptation ?? "—")
        for point in lab.lossHistory { history = history.adding(point.phase.rawValue).adding(point.step).adding(point.loss) }
        parts[prefix] = history.value

        let model = lab.model
        var tensors = Digest().adding(String(describing: model.config))
        for parameter in model.allParameters {
            tensors = tensors.adding(parameter.name).adding(parameter.rows).adding(parameter.cols)
                .adding(parameter.requiresGrad ? 1 : 0).adding(parameter.value.array)
        }
        parts[prefix + ".tensors"] = tensors.value

        var updates = Digest()
        for linear in model.linears {
            updates = updates.adding(linear.name)
            guard let update = linear.update else {
                updates = updates.adding("none")
                continue
            }
            updates = updates.adding(update.kind.rawValue).adding(update.isMerged ? 1 : 0).adding(update.nominalRank ?? -1)
            if let factors = update as? any LowRankFactors {
                updates = updates.adding(factors.alpha).adding(factors.scale)
            }
            if let dora = update as? DoRAAdapter { updates = updates.adding(dora.heldNorm ?? []) }
            // ΔW and W₀ capture what the update keeps besides its tensors
            // (a full fine-tune's W₀, a merged DoRA's remembered norms).
            let delta = update.learnedDelta(weight: linear.weight)
            updates = updates.adding(delta.base.values).adding(delta.formed.values)
        }
        parts[prefix + ".updates"] = updates.value

        var optimizer = Digest()
        if let trainer = lab.stepper {
            let c = trainer.config
            optimizer = optimizer.adding(c.learningRate).adding(c.weightDecay).adding(c.gradientClip)
                .adding(c.warmupSteps).adding(c.totalSteps).adding(c.weightLimit).adding(trainer.stepCount)
            for record in trainer.history {
                optimizer = optimizer.adding(record.step).adding(record.loss).adding(record.gradientNorm).adding(record.learningRate)
            }
            for parameter in model.allParameters {
                guard let moments = trainer.optimizer.moments(of: parameter) else { continue }
                optimizer = optimizer.adding(parameter.name).adding(moments.first).adding(moments.second)
            }
        } else {
            optimizer = optimizer.adding("none")
        }
        parts[prefix + ".optimizer"] = optimizer.value

        var sampler = Digest()
        if var order = lab.stepSampler {
            // The position shows in what comes next: draw from a copy.
            sampler = sampler.adding(order.batchSize).adding(order.seqLen)
            for _ in 0..<2 {
                let batch = order.nextBatch()
                sampler = sampler.adding(batch.tokens.map(Int.init)).adding(batch.targets.map(Int.init))
            }
        } else {
            sampler = sampler.adding("none")
        }
        parts[prefix + ".sampler"] = sampler.value
    }

    private static func digest(_ choice: DataChoice?) -> Digest {
        guard let choice else { return Digest().adding("none") }
        let d = choice.dataset
        var digest = Digest().adding(choice.source).adding(d.name).adding(d.kind.rawValue).adding(Int(d.endOfText))
        for document in d.train + d.heldOut {
            digest = digest.adding(document.tokens.map(Int.init)).adding(document.lossMask.map { $0 ? 1 : 0 })
                .adding(document.answerSpan.map { [$0.lowerBound, $0.upperBound] } ?? [])
        }
        return digest.adding(d.train.count)
    }
}

/// FNV-1a over the bytes of what is added: deterministic across engines and runs.
struct Digest {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    private func adding(bytes: UnsafeRawBufferPointer) -> Digest {
        var next = self
        for byte in bytes {
            next.value ^= UInt64(byte)
            next.value &*= 0x0000_0100_0000_01b3
        }
        return next
    }

    func adding(_ values: [Float]) -> Digest { values.withUnsafeBytes { adding(bytes: $0) }.adding(values.count) }
    func adding(_ values: [Int]) -> Digest { values.withUnsafeBytes { adding(bytes: $0) }.adding(values.count) }
    func adding(_ value: Float) -> Digest { adding([value]) }
    func adding(_ value: Int) -> Digest { withUnsafeBytes(of: value) { adding(bytes: $0) } }
    func adding(_ value: UInt64) -> Digest { withUnsafeBytes(of: value) { adding(bytes: $0) } }
    func adding(_ text: String) -> Digest { Array(text.utf8).withUnsafeBytes { adding(bytes: $0) }.adding(text.utf8.count) }
}
