import MiniMind

/// Turns the words of `targets=` into the model's `TargetSelector`, pointing
/// an error at the very item that is wrong.
enum SelectorParsing {
    static func selector(_ words: [String], layers: ClosedRange<Int>?, model: Model,
                         at location: SourceLocation) throws(CommandFailure) -> TargetSelector {
        var column = location.column
        var offset = location.offset
        for word in words {
            do {
                _ = try TargetSelector(parsing: word)
            } catch {
                let vocabulary = SessionVocabulary.baseSelectorWords + MatrixNames.all(in: model)
                throw CommandFailure(.name, "unknown target '\(word)'" + NearestWord.hint(for: word, among: vocabulary)
                                     + " (selectors: square, attn, ffn, all-linear, q,k,v,o,gate,up,down, full or short matrix names, globs)",
                                     at: SourceLocation(line: location.line, column: column, offset: offset))
            }
            column += word.unicodeScalars.count + 1
            offset += word.unicodeScalars.count + 1
        }
        if let layers, layers.upperBound >= model.config.layers {
            throw CommandFailure(.argument, "layers \(layers.lowerBound)-\(layers.upperBound) is outside the model's layers 0-\(model.config.layers - 1)",
                                 at: location)
        }
        do {
            return try TargetSelector(parsing: words.joined(separator: ","), layers: layers)
        } catch {
            throw CommandFailure(.name, error.description, at: location)
        }
    }
}
