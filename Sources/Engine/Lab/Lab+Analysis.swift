import Analysis
import LinearAlgebra
import MiniMind

// The analysis operations: svd, spectrum, similarity, amplification,
// intruders, truncate (docs/language.md, "Analysis"). Options arrive bound
// by Commands/AnalysisCommands.swift; results are presented by
// Presentation/AnalysisPresentation.swift.

/// Something the user named in a command (a matrix, a run), and where, so
/// that an operation's error can point at it.
struct NamedChoice: Sendable {
    var name: String
    var location: SourceLocation
}

/// Which orthonormal bases `similarity` compares (LoRA §7.2 uses the first).
enum SimilarityBasis: String, CaseIterable, Sendable {
    /// Right singular vectors of each run's A (`r × in`): input-space directions A reads.
    case loraA = "A"
    /// Left singular vectors of ΔW: output-space directions.
    case updateLeft = "dW-left"
    /// Right singular vectors of ΔW: input-space directions (the only ones a full fine-tune has).
    case updateRight = "dW-right"
}

struct SingularValuesOptions {
    var matrix: NamedChoice
    var top: Int
    /// A run of the same experiment with another seed: ΔW − ΔW_run gives the noise floor.
    var floor: NamedChoice?
}

struct SpectrumOptions {
    var top: Int
    /// r of "energy in top r"; nil: each update's own rank, 8 for full fine-tuning.
    var energyRank: Int?
    var floor: NamedChoice?
}

struct SimilarityOptions {
    var first: NamedChoice
    var second: NamedChoice
    var matrix: NamedChoice?
    var basis: SimilarityBasis
    /// Where errors about the command as a whole point.
    var commandLocation: SourceLocation
}

struct AmplificationOptions {
    var matrix: NamedChoice?
    /// Directions of ΔW; nil: the adapter's rank, 8 for full fine-tuning.
    var rank: Int?
    var randomDraws: Int
}

struct IntruderOptions {
    var matrix: NamedChoice?
    var topK: Int
    /// ε values, in the order written.
    var thresholds: [Float]
}

struct TruncationOptions {
    /// One rank: ΔW is truncated in place. Several (`rank=1,2,4`): each
    /// truncation is evaluated on a copy, and the session's model is left as it is.
    var ranks: [Int]
    /// At most one of `matrix` and `targets`; neither: every fully fine-tuned matrix.
    var matrix: NamedChoice? = nil
    var targets: (words: [String], location: SourceLocation)? = nil
    /// Where `truncate` was written, for errors of the evaluation (several ranks).
    var verbLocation: SourceLocation
}

/// The spectrum of what two seeds of one experiment disagree on, as the scale
/// of one seed's noise.
///
/// If ΔW₁ = S + N₁ and ΔW₂ = S + N₂ share the signal S and their noises are
/// independent and alike, (ΔW₁ − ΔW₂)/√2 = (N₁ − N₂)/√2 has the scale of one
/// Nᵢ. By Weyl's inequality |σᵢ(S + N) − σᵢ(S)| ≤ ‖N‖₂, so a direction with
/// σᵢ(ΔW) above the floor's σ₁ cannot be noise alone.
struct NoiseFloor {
    let runName: String
    /// σ of (ΔW − ΔW_run)/√2, largest first.
    let singularValues: [Float]

    var level: Float { singularValues.first ?? 0 }

    /// How many of `spectrum`'s values stand above the floor's σ₁.
    func directionsAbove(_ spectrum: [Float]) -> Int { spectrum.filter { $0 > level }.count }
}

struct UpdateSpectrum {
    let update: WeightUpdate
    let floor: NoiseFloor?
}

struct SpectrumReport {
    let entries: [UpdateSpectrum]
    let energyRank: Int?
}

struct SimilarityReport {
    let grid: SubspaceSimilarityGrid
    let basis: SimilarityBasis
    let first: (run: String, update: WeightUpdate)
    let second: (run: String, update: WeightUpdate)
}

struct AmplificationReport {
    let update: WeightUpdate
    let baselines: AmplificationBaselines
    /// Seeds the random subspaces (the session seed).
    let seed: UInt64
}

struct IntruderSweep {
    let update: WeightUpdate
    let report: IntruderDimensionReport
    let thresholds: [Float]
    let counts: [Int]
}

struct TruncationReport {
    struct Entry {
        let linear: Linear
        /// σ of ΔW before truncation.
        let singularValues: [Float]
        /// The rank kept (min(rank, min(out, in))).
        let keptRank: Int
        /// ‖ΔW − ΔW_r‖_F = √(Σ_{i>r} σᵢ²).
        let discardedNorm: Float
        /// False when rank ≥ min(out, in): ΔW already had at most that rank and W was left as it was.
        let changed: Bool
    }
    let rank: Int
    let entries: [Entry]
}

/// `truncate rank=1,2,4,…`: every truncation of the same ΔW, evaluated.
struct TruncationSweep {
    struct Row {
        /// nil: the untruncated model; 0: the base (every fully tuned W back at W₀).
        let rank: Int?
        /// Σ over the matrices of the kept σᵢ², over Σ of all σᵢ².
        let energyKept: Double
        let fineTuning: Evaluation.Result?
        let pretraining: Evaluation.Result?
    }
    /// The base first, then the ranks as written, then the untruncated model.
    let rows: [Row]
    let matrices: [Linear]
    let batch: Int
    let seqLen: Int
    var base: Row { rows[0] }
}

extension Lab {
    // MARK: svd, spectrum

    func singularValues(_ options: SingularValuesOptions) throws(CommandFailure) -> UpdateSpectrum {
        let lab = try requireModel()
        let update = try WeightUpdate.require(try MatrixNames.require(options.matrix.name, in: lab.model, at: options.matrix.location),
                                              at: options.matrix.location)
        return UpdateSpectrum(update: update, floor: try noiseFloor(of: update, against: options.floor))
    }

    func spectrum(_ options: SpectrumOptions) throws(CommandFailure) -> SpectrumReport {
        let lab = try requireModel()
        let updates = try WeightUpdate.all(in: lab.model)
        guard !updates.isEmpty else { throw Self.nothingLearned }
        var entries: [UpdateSpectrum] = []
        for update in updates {
            entries.append(UpdateSpectrum(update: update, floor: try noiseFloor(of: update, against: options.floor)))
        }
        return SpectrumReport(entries: entries, energyRank: options.energyRank)
    }

    /// The floor of `update` against the same matrix in the saved run `choice` (none without a run).
    private func noiseFloor(of update: WeightUpdate, against choice: NamedChoice?) throws(CommandFailure) -> NoiseFloor? {
        guard let choice else { return nil }
        let run = try RunCommands.requireRun(choice.name, state, at: choice.location)
        let name = update.linear.name
        guard let other = run.lab.model.linear(named: name),
              other.outFeatures == update.linear.outFeatures, other.inFeatures == update.linear.inFeatures,
              let otherDelta = other.update?.learnedDelta(weight: other.weight).formed,
              let delta = update.linear.update?.learnedDelta(weight: update.linear.weight).formed else {
            throw CommandFailure(.command, "run '\(run.name)' has no learned update of \(MatrixNames.short(update.linear)) "
                                 + "(\(MatrixNames.shape(update.linear))): a noise floor needs the same matrices trained with another seed",
                                 at: choice.location)
        }
        do {
            let values = try SingularValueDecomposition.singularValues(of: Float(0.5).squareRoot() * (delta - otherDelta))
            return NoiseFloor(runName: run.name, singularValues: values)
        } catch {
            throw CommandFailure(.command, "cannot decompose ΔW − ΔW of '\(run.name)' for \(MatrixNames.short(update.linear)): \(error)",
                                 at: choice.location)
        }
    }

    // MARK: similarity

    func similarity(_ options: SimilarityOptions) throws(CommandFailure) -> SimilarityReport {
        let first = try RunCommands.requireRun(options.first.name, state, at: options.first.location)
        let second = try RunCommands.requireRun(options.second.name, state, at: options.second.location)
        let firstModel = first.lab.model, secondModel = second.lab.model
        let linearName: String
        if let matrix = options.matrix {
            linearName = try MatrixNames.require(matrix.name, in: firstModel, at: matrix.location).name
        } else {
            let common = try WeightUpdate.all(in: firstModel).map(\.linear.name).first { name in
                secondModel.linear(named: name)?.update != nil
            }
            guard let common else {
                throw CommandFailure(.command, "runs '\(first.name)' and '\(second.name)' have no adapted matrix in common; name one with matrix=",
                                     at: options.commandLocation)
            }
            linearName = common
        }
        let place = options.matrix?.location ?? options.commandLocation
        guard let firstLinear = firstModel.linear(named: linearName), let secondLinear = secondModel.linear(named: linearName) else {
            throw CommandFailure(.command, "run '\(second.name)' has no matrix \(linearName) (different model shapes)", at: place)
        }
        let firstUpdate = try WeightUpdate.require(firstLinear, at: place)
        let secondUpdate = try WeightUpdate.require(secondLinear, at: place)
        let grid: SubspaceSimilarityGrid
        do {
            switch options.basis {
            case .loraA:
                let firstA = try Self.loraA(of: firstLinear, run: first.name, at: options.first.location)
                let secondA = try Self.loraA(of: secondLinear, run: second.name, at: options.second.location)
                grid = try SubspaceSimilarityGrid(loraA: firstA, secondA)
            case .updateLeft:
                grid = try SubspaceSimilarityGrid(leftSingularVectorsOf: firstUpdate.decomposition, secondUpdate.decomposition,
                                                  maxI: Self.directions(of: firstUpdate), maxJ: Self.directions(of: secondUpdate))
            case .updateRight:
                grid = try SubspaceSimilarityGrid(rightSingularVectorsOf: firstUpdate.decomposition, secondUpdate.decomposition,
                                                  maxI: Self.directions(of: firstUpdate), maxJ: Self.directions(of: secondUpdate))
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(.command, "cannot compare the subspaces: \(error)", at: place)
        }
        return SimilarityReport(grid: grid, basis: options.basis,
                                first: (first.name, firstUpdate), second: (second.name, secondUpdate))
    }

    /// A's values, or the error that says a full fine-tune has none and what to use instead.
    private static func loraA(of linear: Linear, run: String, at location: SourceLocation) throws(CommandFailure) -> Matrix {
        guard let factors = linear.update as? any LowRankFactors else {
            throw CommandFailure(.command, "run '\(run)' has no A for \(MatrixNames.short(linear)) (it is fully fine-tuned, not adapted): compare ΔW's singular vectors instead, basis=dW-right "
                                 + "(input directions, like A's) or basis=dW-left (output directions)", at: location)
        }
        return factors.a.matrix
    }

    /// How many of ΔW's directions the grid spans: the adapter's rank, 8 for full fine-tuning.
    private static func directions(of update: WeightUpdate) -> Int {
        min(update.rank(or: 8), update.decomposition.count)
    }

    // MARK: amplification

    func amplification(_ options: AmplificationOptions) throws(CommandFailure) -> AmplificationReport {
        let lab = try requireModel()
        let update = try chosenUpdate(options.matrix, in: lab.model)
        let rank = min(options.rank ?? update.rank(or: 8), update.decomposition.count)
        do {
            let baseDecomposition = try SingularValueDecomposition(of: update.base)
            let baselines = try AmplificationBaselines(base: update.base, baseDecomposition: baseDecomposition,
                                                       update: update.decomposition, rank: rank,
                                                       randomDraws: options.randomDraws, seed: state.seed)
            return AmplificationReport(update: update, baselines: baselines, seed: state.seed)
        } catch {
            throw CommandFailure(.command, "cannot compute the amplification of \(MatrixNames.short(update.linear)): \(error)",
                                 at: options.matrix?.location)
        }
    }

    // MARK: intruders

    func intruders(_ options: IntruderOptions) throws(CommandFailure) -> IntruderSweep {
        let lab = try requireModel()
        let update = try chosenUpdate(options.matrix, in: lab.model)
        guard let first = options.thresholds.first else {
            throw CommandFailure(.argument, "intruders needs at least one threshold ε", at: options.matrix?.location)
        }
        do {
            // The report is computed once (at the first ε); the sweep re-reads its cosines for every ε.
            let report = try IntruderDimensionReport(base: update.base, tuned: update.tuned, topK: options.topK, threshold: first)
            let counts = try report.intruderCounts(thresholds: options.thresholds).map(\.count)
            return IntruderSweep(update: update, report: report, thresholds: options.thresholds, counts: counts)
        } catch {
            throw CommandFailure(.command, "cannot look for intruders in \(MatrixNames.short(update.linear)): \(error)",
                                 at: options.matrix?.location)
        }
    }

    // MARK: truncate

    /// Replaces ΔW = W − W₀ of fully fine-tuned matrices by its best rank-r
    /// approximation. Every matrix is checked and every SVD computed before
    /// the first weight is written, so a failing truncate changes nothing.
    mutating func truncate(_ options: TruncationOptions) throws(CommandFailure) -> TruncationReport {
        precondition(options.ranks.count == 1, "one rank truncates in place; several are `truncationSweep`")
        let rank = options.ranks[0]
        var lab = try requireModel()
        let model = lab.model
        var plans: [(linear: Linear, tuning: FullFineTuning, truncation: RankTruncation)] = []
        for target in try truncationTargets(options, in: model) {
            plans.append((target.linear, target.tuning, try Self.truncations(of: target, ranks: [rank])[0]))
        }
        // Everything is known: now write. A rank of at least min(out, in) keeps ΔW as it is (no write).
        var entries: [TruncationReport.Entry] = []
        for plan in plans {
            let changed = rank < min(plan.linear.outFeatures, plan.linear.inFeatures)
            if changed { plan.tuning.apply(plan.truncation, to: plan.linear.weight) }
            entries.append(.init(linear: plan.linear, singularValues: plan.truncation.singularValues, keptRank: plan.truncation.rank,
                                 discardedNorm: changed ? plan.truncation.discardedNorm : 0, changed: changed))
        }
        if entries.contains(where: \.changed) {
            lab.adaptation = (lab.adaptation ?? "full fine-tuning") + ", ΔW truncated to rank \(rank)"
            state.lab = lab
        }
        return TruncationReport(rank: rank, entries: entries)
    }

    /// Evaluates every truncation of `options.ranks` — from one SVD per matrix
    /// — on a copy of the model, beside the base (W₀) and the untruncated
    /// model, on the held-out splits as a plain `eval` reads them. The
    /// session's model is not changed.
    func truncationSweep(_ options: TruncationOptions) throws(CommandFailure) -> TruncationSweep {
        let model = try requireModel().model
        guard let data = state.finetuneData else {
            throw CommandFailure(.command, "no fine-tuning data to evaluate the truncations on: choose it with `data finetune builtin:identity`")
        }
        let targets = try truncationTargets(options, in: model)
        var truncations: [[RankTruncation]] = []
        for target in targets { truncations.append(try Self.truncations(of: target, ranks: options.ranks)) }
        let shape = BatchShape(batch: 8, seq: nil, batchLocation: options.verbLocation, seqLocation: options.verbLocation)
        let seqLen = try shape.sequenceLength(for: model)
        // One copy at a time beside the session's model.
        try checkForwardMemory(model, batch: shape.batch, seqLen: seqLen, at: options.verbLocation)
        let index = Dictionary(uniqueKeysWithValues: model.linears.enumerated().map { (ObjectIdentifier($1), $0) })
        let pretraining = state.pretrainData
        func evaluate(_ evaluated: Model) throws(CommandFailure) -> (Evaluation.Result?, Evaluation.Result?) {
            (try Evaluation.loss(of: evaluated, on: data, batch: shape.batch, seqLen: seqLen),
             try pretraining.map { data throws(CommandFailure) in try Evaluation.loss(of: evaluated, on: data, batch: shape.batch, seqLen: seqLen) } ?? nil)
        }
        /// The model with these weights written into a copy (by position in `model.linears`).
        func copy(writing weights: [(Linear, Matrix)]) -> Model {
            let copy = model.copy()
            for (linear, weight) in weights { copy.linears[index[ObjectIdentifier(linear)]!].weight.matrix = weight }
            return copy
        }
        let totalEnergy = truncations.reduce(0.0) { $0 + ($1.first?.singularValues ?? []).reduce(0.0) { $0 + Double($1) * Double($1) } }
        func energy(kept rankAt: (Int) -> Int) -> Double {
            guard totalEnergy > 0 else { return 1 }
            var kept = 0.0
            for (position, plans) in truncations.enumerated() {
                kept += (plans.first?.singularValues ?? []).prefix(rankAt(position)).reduce(0.0) { $0 + Double($1) * Double($1) }
            }
            return kept / totalEnergy
        }
        var rows: [TruncationSweep.Row] = []
        // The base: every fully tuned matrix (not only the selected ones) back at W₀.
        let reset = model.linears.compactMap { linear in (linear.update as? FullFineTuning).map { (linear, $0.reference) } }
        let base = try evaluate(copy(writing: reset))
        rows.append(.init(rank: 0, energyKept: 0, fineTuning: base.0, pretraining: base.1))
        for (position, rank) in options.ranks.enumerated() {
            if cancellation.isRaised { throw CommandFailure(.interrupted, "truncate interrupted; the session is unchanged") }
            // As `truncate rank=r`: a rank of at least min(out, in) keeps W exactly (no reconstruction written).
            let written = zip(targets, truncations).compactMap { target, plans -> (Linear, Matrix)? in
                rank < min(target.linear.outFeatures, target.linear.inFeatures) ? (target.linear, plans[position].weight) : nil
            }
            let truncated = try evaluate(copy(writing: written))
            rows.append(.init(rank: rank, energyKept: energy { truncations[$0][position].rank }, fineTuning: truncated.0, pretraining: truncated.1))
        }
        let untruncated = try evaluate(model)
        rows.append(.init(rank: nil, energyKept: 1, fineTuning: untruncated.0, pretraining: untruncated.1))
        return TruncationSweep(rows: rows, matrices: targets.map(\.linear), batch: shape.batch, seqLen: seqLen)
    }

    /// The matrices `options` selects, each checked to be fully fine-tuned.
    private func truncationTargets(_ options: TruncationOptions, in model: Model) throws(CommandFailure) -> [TruncationTarget] {
        let selected: [Linear]
        let place: SourceLocation?
        if let matrix = options.matrix {
            selected = [try MatrixNames.require(matrix.name, in: model, at: matrix.location)]
            place = matrix.location
        } else if let targets = options.targets {
            let selector = try SelectorParsing.selector(targets.words, layers: nil, model: model, at: targets.location)
            selected = model.selectedLinears(selector)
            place = targets.location
        } else {
            selected = model.linears.filter { $0.update != nil }
            place = nil
        }
        guard !selected.isEmpty else {
            throw CommandFailure(.command, place == nil
                                 ? "no matrix is fine-tuned: `finetune targets=ffn`, then `train`, then truncate"
                                 : "the selector matches no matrix of this model", at: place)
        }
        var targets: [TruncationTarget] = []
        for linear in selected {
            guard let tuning = linear.update as? FullFineTuning else {
                let what = linear.update.map { "carries a \(UpdateDescriptions.source($0.kind, rank: $0.nominalRank)) adapter, whose ΔW has rank ≤ r already" }
                    ?? "is not fine-tuned"
                throw CommandFailure(.command, "\(MatrixNames.short(linear)) \(what): truncate acts on full fine-tuning "
                                     + "(`finetune targets=…`, then `train`)", at: place)
            }
            targets.append(TruncationTarget(linear: linear, tuning: tuning, place: place))
        }
        return targets
    }

    private struct TruncationTarget {
        let linear: Linear
        let tuning: FullFineTuning
        /// Where the selection was written, for errors.
        let place: SourceLocation?
    }

    private static func truncations(of target: TruncationTarget, ranks: [Int]) throws(CommandFailure) -> [RankTruncation] {
        do {
            return try target.tuning.truncations(of: target.linear.weight, ranks: ranks)
        } catch {
            throw CommandFailure(.command, "cannot decompose ΔW of \(MatrixNames.short(target.linear)): \(error)", at: target.place)
        }
    }

    // MARK: shared

    private static var nothingLearned: CommandFailure {
        CommandFailure(.command, "no matrix has a learned update yet: attach adapters (`lora`) or `finetune`, then `train`")
    }

    /// The matrix named by `matrix=`, or the first one with an update.
    private func chosenUpdate(_ matrix: NamedChoice?, in model: Model) throws(CommandFailure) -> WeightUpdate {
        if let matrix {
            return try WeightUpdate.require(try MatrixNames.require(matrix.name, in: model, at: matrix.location), at: matrix.location)
        }
        guard let first = try WeightUpdate.all(in: model).first else { throw Self.nothingLearned }
        return first
    }
}
