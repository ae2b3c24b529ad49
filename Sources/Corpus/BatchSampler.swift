/// One batch for a training step or an evaluation: `batchSize` rows of
/// `seqLen` input tokens, each with the id the model should predict next.
public struct TrainingBatch: Sendable, Equatable {
    /// Input ids, row-major `batchSize × seqLen`.
    public var tokens: [Int32]
    /// The next-token id for each input position, or -1 where the loss must
    /// ignore the position (padding, and everything but the assistant's
    /// tokens in a conversation).
    public var targets: [Int32]
    public var batchSize: Int
    public var seqLen: Int

    public init(tokens: [Int32], targets: [Int32], batchSize: Int, seqLen: Int) {
        precondition(tokens.count == batchSize * seqLen && targets.count == batchSize * seqLen,
                     "tokens and targets are batchSize × seqLen")
        self.tokens = tokens
        self.targets = targets
        self.batchSize = batchSize
        self.seqLen = seqLen
    }

    /// How many positions count in the loss; weights a batch's mean loss
    /// when averaging over several batches.
    public var targetCount: Int { targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}

/// Draws training batches from a dataset's training split, the same batches
/// for the same seed.
///
/// - Pre-training: the documents are joined into one stream with
///   `<|endoftext|>` after each, and every row is a window of `seqLen + 1`
///   tokens starting at a random position (inputs are its first `seqLen`
///   tokens, targets its last `seqLen`).
/// - Fine-tuning: every row is one whole conversation from its start,
///   truncated to `seqLen + 1` tokens and padded with `<|endoftext|>` inputs
///   and -1 targets. Conversations are taken in a shuffled order, reshuffled
///   after each pass, so that every one is seen once per epoch.
public struct BatchSampler: Sendable {
    public let batchSize: Int
    public let seqLen: Int
    private let kind: DatasetKind
    private let endOfText: Int32
    private let documents: [TokenizedDocument]
    private let stream: TokenStream
    private var random: SplitMix64
    private var epochOrder: [Int] = []
    private var nextInEpoch = 0

    /// Throws when a size is not positive or the training split is empty.
    public init(dataset: Dataset, batchSize: Int, seqLen: Int, seed: UInt64) throws(DatasetError) {
        try checkShape(batchSize: batchSize, seqLen: seqLen)
        guard dataset.train.contains(where: { !$0.tokens.isEmpty }) else {
            throw DatasetError(.emptySplit, "'\(dataset.name)' has no training documents")
        }
        self.batchSize = batchSize
        self.seqLen = seqLen
        kind = dataset.kind
        endOfText = dataset.endOfText
        documents = dataset.train
        stream = dataset.kind == .pretrain ? TokenStream(dataset.train, separator: endOfText) : TokenStream([], separator: endOfText)
        random = SplitMix64(seed: seed)
    }

    /// Where a sampler is in its batch order: restoring it into a sampler of the
    /// same data and shape continues the order exactly (`run save … to` keeps it).
    public struct Position: Sendable, Equatable {
        public var randomState: UInt64
        /// Fine-tuning: this epoch's order of conversations, and how many were taken.
        public var epochOrder: [Int]
        public var nextInEpoch: Int

        public init(randomState: UInt64, epochOrder: [Int], nextInEpoch: Int) {
            self.randomState = randomState
            self.epochOrder = epochOrder
            self.nextInEpoch = nextInEpoch
        }
    }

    public var position: Position {
        Position(randomState: random.state, epochOrder: epochOrder, nextInEpoch: nextInEpoch)
    }

    /// Continues from `position`; refused when it cannot belong to this data
    /// (an epoch order that is not a permutation of its conversations).
    public mutating func restore(_ position: Position) throws(DatasetError) {
        let isPermutation = position.epochOrder.isEmpty
            || (position.epochOrder.count == documents.count && Set(position.epochOrder) == Set(documents.indices))
        guard kind == .finetune ? isPermutation : position.epochOrder.isEmpty,
              (0...position.epochOrder.count).contains(position.nextInEpoch) else {
            throw DatasetError(.orderMismatch, "the saved data order does not fit the \(documents.count) training documents of this data")
        }
        random = SplitMix64(state: position.randomState)
        epochOrder = position.epochOrder
        nextInEpoch = position.nextInEpoch
    }

    /// The next batch; batches never run out.
    public mutating func nextBatch() -> TrainingBatch {
        var builder = BatchBuilder(seqLen: seqLen, padding: endOfText)
        for _ in 0..<batchSize {
            switch kind {
            case .pretrain:
                // Windows may start anywhere a full window fits; a stream shorter
                // than one window gives the whole stream, padded.
                let starts = max(1, stream.tokens.count - seqLen)
                let start = random.below(starts)
                builder.appendRow(stream.tokens[start...].prefix(seqLen + 1), mask: stream.lossMask[start...].prefix(seqLen + 1))
            case .finetune:
                let document = documents[nextConversation()]
                builder.appendRow(document.tokens[...], mask: document.lossMask[...])
            }
        }
        return builder.batch()
    }

    private mutating func nextConversation() -> Int {
        if nextInEpoch == epochOrder.count {
            epochOrder = Array(documents.indices)
            random.shuffle(&epochOrder)
            nextInEpoch = 0
        }
        defer { nextInEpoch += 1 }
        return epochOrder[nextInEpoch]
    }
}

extension Dataset {
    /// Batches that cover one split exactly once, in a fixed order, for `eval`.
    ///
    /// Pre-training text is cut into consecutive windows so that every token
    /// of the joined stream after the first is a target exactly once;
    /// conversations are one per row, in order, truncated to `seqLen + 1`.
    /// The last batch may have fewer rows (its `batchSize` says how many).
    /// An empty split gives no batches. Average batch losses weighted by
    /// `targetCount` to get the split's loss per token.
    public func evaluationBatches(split: DatasetSplit, batchSize: Int, seqLen: Int) throws(DatasetError) -> [TrainingBatch] {
        try checkShape(batchSize: batchSize, seqLen: seqLen)
        let documents = documents(in: split)
        var rows: [(tokens: ArraySlice<Int32>, mask: ArraySlice<Bool>)] = []
        switch kind {
        case .pretrain:
            let stream = TokenStream(documents, separator: endOfText)
            var start = 0
            while start + 1 < stream.tokens.count {
                rows.append((stream.tokens[start...].prefix(seqLen + 1), stream.lossMask[start...].prefix(seqLen + 1)))
                start += seqLen
            }
        case .finetune:
            for document in documents where !document.tokens.isEmpty {
                rows.append((document.tokens[...], document.lossMask[...]))
            }
        }
        var batches: [TrainingBatch] = []
        var rowIndex = 0
        while rowIndex < rows.count {
            var builder = BatchBuilder(seqLen: seqLen, padding: endOfText)
            for row in rows[rowIndex..<min(rowIndex + batchSize, rows.count)] {
                builder.appendRow(row.tokens, mask: row.mask)
            }
            rowIndex += batchSize
            batches.append(builder.batch())
        }
        return batches
    }
}

private func checkShape(batchSize: Int, seqLen: Int) throws(DatasetError) {
    guard batchSize > 0 else { throw DatasetError(.invalidBatchShape, "batch size must be at least 1 (got \(batchSize))") }
    guard seqLen > 0 else { throw DatasetError(.invalidBatchShape, "sequence length must be at least 1 (got \(seqLen))") }
}

/// A split's documents joined into one stream, `<|endoftext|>` after each, so
/// the model learns where documents end. The separator is a target like any
/// text token.
private struct TokenStream: Sendable {
    var tokens: [Int32] = []
    var lossMask: [Bool] = []

    init(_ documents: [TokenizedDocument], separator: Int32) {
        for document in documents where !document.tokens.isEmpty {
            tokens += document.tokens
            lossMask += document.lossMask
            tokens.append(separator)
            lossMask.append(true)
        }
    }
}

/// Turns windows of up to `seqLen + 1` tokens into batch rows: inputs are
/// tokens 0..<seqLen, targets are tokens 1...seqLen where the mask allows,
/// and short rows are padded with `<|endoftext|>` inputs and -1 targets.
private struct BatchBuilder {
    let seqLen: Int
    let padding: Int32
    var tokens: [Int32] = []
    var targets: [Int32] = []
    var rows = 0

    init(seqLen: Int, padding: Int32) {
        self.seqLen = seqLen
        self.padding = padding
    }

    mutating func appendRow(_ window: ArraySlice<Int32>, mask: ArraySlice<Bool>) {
        let window = Array(window.prefix(seqLen + 1))
        let mask = Array(mask.prefix(seqLen + 1))
        for position in 0..<seqLen {
            tokens.append(position < window.count ? window[position] : padding)
            let next = position + 1
            targets.append(next < window.count && mask[next] ? window[next] : -1)
        }
        rows += 1
    }

    func batch() -> TrainingBatch {
        TrainingBatch(tokens: tokens, targets: targets, batchSize: rows, seqLen: seqLen)
    }
}
