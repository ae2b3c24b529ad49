import Corpus
import Foundation

/// The two data sets a session holds.
enum DataRole: CaseIterable {
    case pretraining
    case fineTuning
}

/// `data pretrain | finetune`: which source, for which role.
struct DataOptions {
    var role: DataRole
    /// `builtin:<name>` or a path.
    var source: String
    var sourceLocation: SourceLocation
}

extension SessionState {
    func data(for role: DataRole) -> DataChoice? {
        switch role {
        case .pretraining: pretrainData
        case .fineTuning: finetuneData
        }
    }
}

extension Lab {
    /// Loads the source and makes it the session's data for its role.
    mutating func chooseData(_ options: DataOptions) throws(CommandFailure) -> DataChoice {
        let choice = try Self.load(options.source, tokenizer: state.lab?.tokenizer ?? .byte, at: options.sourceLocation)
        switch options.role {
        case .pretraining:
            state.pretrainData = choice
        case .fineTuning:
            state.finetuneData = choice
            state.lab?.stepSampler = nil
        }
        return choice
    }

    /// The chosen data sets, by role.
    var chosenData: [(role: DataRole, choice: DataChoice)] {
        DataRole.allCases.compactMap { role in state.data(for: role).map { (role, $0) } }
    }

    /// Makes `lab` the session's model (`model`, `model load`, `run load`) and
    /// tokenizes the chosen data again where the new model's tokenizer is not the
    /// one it was tokenized with; returns the sources it re-read, for the report.
    /// (A failure here is undone with the rest of the command: docs/design.md, "Transactions".)
    mutating func replaceModel(with lab: ModelLab) throws(CommandFailure) -> [String] {
        state.lab = lab
        return try retokenizeData()
    }

    private mutating func retokenizeData() throws(CommandFailure) -> [String] {
        let tokenizer = state.lab?.tokenizer ?? .byte
        var redone: [String] = []
        for role in DataRole.allCases {
            guard let choice = state.data(for: role), choice.tokenizer != tokenizer.identity else { continue }
            let again: DataChoice
            do {
                again = try Self.load(choice.source, tokenizer: tokenizer, at: SourceLocation(line: 1, column: 1, offset: 0))
            } catch {
                throw CommandFailure(.command, "the \(role == .pretraining ? "pre-training" : "fine-tuning") data \(choice.source) "
                                     + "could not be tokenized again for the model's \(tokenizer.description): \(error.message)")
            }
            switch role {
            case .pretraining: state.pretrainData = again
            case .fineTuning: state.finetuneData = again
            }
            redone.append(choice.source)
        }
        return redone
    }

    static func load(_ source: String, tokenizer: ModelTokenizer, at location: SourceLocation) throws(CommandFailure) -> DataChoice {
        if source.hasPrefix("builtin:") {
            let name = String(source.dropFirst("builtin:".count))
            guard BuiltinCorpora.info(named: name) != nil else {
                let place = SourceLocation(line: location.line, column: location.column + 8, offset: location.offset + 8)
                throw CommandFailure(.name, "no built-in corpus '\(name)'" + NearestWord.hint(for: name, among: BuiltinCorpora.names)
                                     + " (see `data list`)", at: place)
            }
            do {
                return DataChoice(source: source, dataset: try BuiltinCorpora.load(name, tokenizer: tokenizer.tokenizer), tokenizer: tokenizer.identity)
            } catch {
                throw CommandFailure(.command, error.description, at: location)
            }
        }
        let path = (source as NSString).expandingTildeInPath
        if !FileManager.default.fileExists(atPath: path), !source.contains("/"), !source.contains("."),
           let near = NearestWord.suggestion(for: source, among: BuiltinCorpora.names) ?? BuiltinCorpora.names.first(where: { $0 == source }) {
            throw CommandFailure(.name, "no file '\(source)' (did you mean 'builtin:\(near)'?)", at: location)
        }
        do {
            return DataChoice(source: source, dataset: try DatasetLoader.load(path: path, tokenizer: tokenizer.tokenizer), tokenizer: tokenizer.identity)
        } catch {
            throw CommandFailure(.command, error.description, at: location)
        }
    }
}
