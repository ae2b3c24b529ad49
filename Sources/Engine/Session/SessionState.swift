import Corpus

/// Everything a session remembers between commands. A value: the engine hands
/// a command a copy and keeps it only when the command succeeds; what the
/// models inside hold by reference is covered by the command's `ModelJournal`
/// (docs/design.md, "Transactions").
struct SessionState {
    /// Seeds model initialisation, data order, dropout and sampling.
    var seed: UInt64 = 42
    var pretrainData: DataChoice?
    var finetuneData: DataChoice?
    /// The model and what has been done to it; nil before `model`.
    var lab: ModelLab?
    /// Snapshots by `run save`, in the order saved.
    var runs: [SavedRun] = []
    /// Where compare and sweep keep and find finished runs (`set cache=`); nil: off.
    var cache: RunCache?

    func run(named name: String) -> SavedRun? { runs.first { $0.name == name } }
}

/// A data set and how the user named it (`builtin:identity`, a path).
struct DataChoice {
    var source: String
    var dataset: Dataset
    /// The `ModelTokenizer.identity` it was tokenized with.
    var tokenizer: String = ModelTokenizer.byte.identity
}
