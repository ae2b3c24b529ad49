import Corpus
import MiniMind

/// The words a session knows at this moment, for completion and inspection.
struct SessionVocabulary {
    var presets: [String]
    var corpora: [String]
    var selectorWords: [String]
    var matrixNames: [String]
    var runNames: [String]

    static let baseSelectorWords = TargetSelector.groupWords + TargetSelector.shortKinds + TargetSelector.kinds
}

extension SessionState {
    var vocabulary: SessionVocabulary {
        SessionVocabulary(presets: ModelConfig.presetNames, corpora: BuiltinCorpora.names,
                          selectorWords: SessionVocabulary.baseSelectorWords,
                          matrixNames: lab.map { MatrixNames.all(in: $0.model) } ?? [],
                          runNames: runs.map(\.name))
    }

    /// What inspection says about a matrix name, or nil when it is not one.
    func describeMatrix(_ name: String) -> String? {
        guard let model = lab?.model, let linear = MatrixNames.resolve(name, in: model) else { return nil }
        var lines = ["\(linear.name) (\(MatrixNames.short(linear)))",
                     "  shape \(MatrixNames.shape(linear)) [out, in], \(linear.isSquare ? "square" : "not square"), \(linear.weight.count.grouped) parameters"]
        lines.append(UpdateDescriptions.inspection(linear.update))
        return lines.joined(separator: "\n")
    }
}
