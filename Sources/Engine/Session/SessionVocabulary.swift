/// The words a session knows at this moment, for completion and inspection.
struct SessionVocabulary {
    var presets: [String]
    var corpora: [String]
    var selectorWords: [String]
    var matrixNames: [String]
    var runNames: [String]

    static let baseSelectorWords = ["square", "attn", "ffn", "all-linear",
                                    "q", "k", "v", "o", "gate", "up", "down",
                                    "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
}

extension SessionState {
    var vocabulary: SessionVocabulary {
        SessionVocabulary(presets: ModelCommands.presetNames, corpora: [],
                          selectorWords: SessionVocabulary.baseSelectorWords,
                          matrixNames: [], runNames: [])
    }

    /// What inspection says about a matrix name, or nil when it is not one.
    func describeMatrix(_ name: String) -> String? { nil }
}
