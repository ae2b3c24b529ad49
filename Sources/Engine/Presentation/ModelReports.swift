import Checkpoint
import Corpus
import Foundation
import MiniMind

/// The words and tables of `model`, `show model`, `model load` and the `save` forms.
enum ModelReports {
    static func built(_ built: BuiltModel) -> MimeBundle {
        MimeBundle(plain: """
            model \(built.preset): \(built.config.description)
            \(built.model.parameterCount.grouped) parameters, \(built.model.linears.count) block matrices; \
            square (MiniMind's LoRA rule): \(built.squareKinds.isEmpty ? "none" : built.squareKinds.joined(separator: ","))
            """)
    }

    static func listing(_ listing: ModelListing) -> MimeBundle {
        let model = listing.model
        var table = ResultTable(["name", "shape", "square?", "params", "trainable"], numericColumns: [3])
        let linearsByWeight = Dictionary(model.linears.map { ($0.weight.name, $0) }, uniquingKeysWith: { first, _ in first })
        for parameter in model.allParameters {
            let shape = parameter.rows == 1 ? "\(parameter.cols)" : "\(parameter.rows)×\(parameter.cols)"
            let square: String
            if parameter.rows == 1 {
                square = "—"
            } else {
                square = parameter.rows == parameter.cols ? "yes" : "no"
            }
            var trainable = parameter.requiresGrad ? "yes" : "no"
            if let update = linearsByWeight[parameter.name]?.update {
                trainable += UpdateDescriptions.trainableTag(update.kind)
            }
            table.append([parameter.name, shape, square, parameter.count.grouped, trainable])
        }
        let adapterCount = model.allParameters.count - model.parameters.count
        table.footer = "\(model.parameterCount.grouped) base parameters"
            + (adapterCount > 0 ? " + \((model.allParameters.dropFirst(model.parameters.count).reduce(0) { $0 + $1.count }).grouped) adapter parameters" : "")
            + "; \(model.trainableParameterCount.grouped) trainable. lm_head is tied to model.embed_tokens."
        return table.bundle
    }

    static func loaded(_ result: LoadedModel) -> MimeBundle {
        let loaded = result.loaded
        let config = loaded.model.config
        var notes: [String] = []
        if let provenance = loaded.provenance { notes.append(provenance.description) }
        if let capped = loaded.cappedContext { notes.append("context capped at \(config.maxSeq) (max_position_embeddings was \(capped))") }
        notes.append("\(result.tokenizer.description)"
                     + (result.retokenized.isEmpty ? "" : ", with which \(result.retokenized.joined(separator: " and ")) was tokenized again"))
        if result.tokenizer.isByte, config.vocabSize < ByteTokenizer.vocabularySize {
            notes.append("vocabulary of \(config.vocabSize) is smaller than the byte tokenizer's \(ByteTokenizer.vocabularySize)")
        }
        return MimeBundle(plain: "loaded \(loaded.architecture.rawValue) model from \(result.written) (\(loaded.weightsFile)): \(config.description)\n"
                          + "\(loaded.model.parameterCount.grouped) parameters" + notes.map { "; " + $0 }.joined())
    }

    static func saved(_ saved: SavedModel) -> MimeBundle {
        let note = saved.adapters == 0 ? ""
            : saved.adaptersMerged ? "; the merged adapters are in the weights"
            : "; the \(saved.adapters) unmerged adapters are not included (`save adapter` writes them)"
        return MimeBundle(plain: "saved \(saved.architecture == .qwen3 ? "Qwen3ForCausalLM" : "LlamaForCausalLM") "
                          + "(\(saved.parameters.grouped) parameters, \(saved.storage.rawValue)) to \(saved.folder.path)" + note)
    }

    static func savedAdapters(_ saved: SavedAdapters) -> MimeBundle {
        MimeBundle(plain: "saved \(saved.count) adapters (PEFT \(saved.dora ? "LoRA with use_dora" : "LoRA")) to \(saved.folder.path)"
                   + (saved.base.isEmpty ? "; no base recorded (pass base=\"<folder of save model>\")" : "; base \(saved.base)"))
    }

    static func loadedAdapters(_ loaded: LoadedAdapters) -> MimeBundle {
        MimeBundle(plain: "attached \(loaded.adapters.count) \(loaded.adapters.contains(where: \.isDoRA) ? "DoRA " : "")adapters from \(loaded.source.path), rank \(loaded.ranks.map(String.init).joined(separator: ",")), scale "
                   + Set(loaded.adapters.map { Double($0.scale).formatted }).sorted().joined(separator: ",")
                   + ": \(loaded.parameters.grouped) trainable parameters")
    }

    static func savedLogits(_ saved: SavedLogits) -> MimeBundle {
        MimeBundle(plain: "saved logits [\(saved.rows), \(saved.cols)] to \(saved.file.path)")
    }
}
