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
        let choice = try Self.load(options.source, at: options.sourceLocation)
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

    static func load(_ source: String, at location: SourceLocation) throws(CommandFailure) -> DataChoice {
        if source.hasPrefix("builtin:") {
            let name = String(source.dropFirst("builtin:".count))
            guard BuiltinCorpora.info(named: name) != nil else {
                let place = SourceLocation(line: location.line, column: location.column + 8, offset: location.offset + 8)
                throw CommandFailure(.name, "no built-in corpus '\(name)'" + NearestWord.hint(for: name, among: BuiltinCorpora.names)
                                     + " (see `data list`)", at: place)
            }
            do {
                return DataChoice(source: source, dataset: try BuiltinCorpora.load(name))
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
            return DataChoice(source: source, dataset: try DatasetLoader.load(path: path))
        } catch {
            throw CommandFailure(.command, error.description, at: location)
        }
    }
}
