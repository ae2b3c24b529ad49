import MiniMind

/// Matrix names as users write them: the full Hugging Face name
/// (`model.layers.0.self_attn.q_proj`) or the short form (`layers.0.q`,
/// `layers.0.q_proj`), resolved against a model.
enum MatrixNames {
    /// Both spellings of every block matrix, full names first.
    static func all(in model: Model) -> [String] {
        let full = model.linears.map(\.name)
        return full + full.map(TargetSelector.shortName(of:))
    }

    static func resolve(_ written: String, in model: Model) -> Linear? {
        let name = written.hasSuffix(".weight") ? String(written.dropLast(".weight".count)) : written
        if let linear = model.linear(named: name) { return linear }
        guard !name.contains("*"), !name.contains("?"), let full = TargetSelector.fullName(of: name) else { return nil }
        return model.linear(named: full)
    }

    /// Resolves a matrix or fails with the nearest valid name.
    static func require(_ written: String, in model: Model, at location: SourceLocation) throws(CommandFailure) -> Linear {
        if let linear = resolve(written, in: model) { return linear }
        throw CommandFailure(.name, "no matrix '\(written)' in this model" + NearestWord.hint(for: written, among: all(in: model))
                             + " (names look like layers.0.q or model.layers.0.self_attn.q_proj)", at: location)
    }

    static func short(_ linear: Linear) -> String { TargetSelector.shortName(of: linear.name) }

    static func shape(_ linear: Linear) -> String { "\(linear.outFeatures)×\(linear.inFeatures)" }
}
