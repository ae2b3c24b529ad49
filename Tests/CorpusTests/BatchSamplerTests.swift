import Corpus
import Testing

@Suite struct BatchSamplerTests {
    /// Three short pre-training documents with distinct bytes, so any window
    /// can be located in the stream.
    let pretrain = Dataset(
        name: "small", kind: .pretrain, description: "test",
        train: ["The cat sat.", "A dog ran far away.", "Birds sing."].map { TokenizedDocument(tokens: ByteTokenizer.encode($0)) },
        heldOut: ["Held out text one.", "And two."].map { TokenizedDocument(tokens: ByteTokenizer.encode($0)) })

    let finetune = Dataset(
        name: "chat", kind: .finetune, description: "test",
        train: (0..<5).map { index in
            ChatTemplate.tokenize([
                ChatMessage(role: .user, content: "Question \(index)?"),
                ChatMessage(role: .assistant, content: "Answer \(index)."),
            ])
        },
        heldOut: [ChatTemplate.tokenize([
            ChatMessage(role: .user, content: "Long question that will not fit?"),
            ChatMessage(role: .assistant, content: "Yes."),
        ])])

    private func stream(_ documents: [TokenizedDocument]) -> [Int32] {
        documents.flatMap { $0.tokens + [ByteTokenizer.endOfText] }
    }

    private func row(_ values: [Int32], _ row: Int, _ seqLen: Int) -> [Int32] {
        Array(values[(row * seqLen)..<((row + 1) * seqLen)])
    }

    @Test func pretrainRowsAreWindowsOfTheJoinedStreamWithNextTokenTargets() throws {
        var sampler = try BatchSampler(dataset: pretrain, batchSize: 4, seqLen: 8, seed: 1)
        let joined = stream(pretrain.train)
        for _ in 0..<10 {
            let batch = sampler.nextBatch()
            #expect(batch.batchSize == 4 && batch.seqLen == 8)
            #expect(batch.tokens.count == 32 && batch.targets.count == 32)
            for index in 0..<4 {
                let tokens = row(batch.tokens, index, 8)
                let targets = row(batch.targets, index, 8)
                #expect(Array(tokens.dropFirst()) == Array(targets.dropLast()), "targets are the next tokens")
                let window = tokens + [targets[7]]
                let found = (0...(joined.count - 9)).contains { Array(joined[$0..<($0 + 9)]) == window }
                #expect(found, "row is a window of the stream")
            }
        }
    }

    @Test func streamShorterThanAWindowIsPadded() throws {
        var sampler = try BatchSampler(dataset: pretrain, batchSize: 1, seqLen: 100, seed: 3)
        let batch = sampler.nextBatch()
        let joined = stream(pretrain.train)
        #expect(Array(batch.tokens.prefix(joined.count)) == joined)
        #expect(batch.tokens[joined.count...].allSatisfy { $0 == ByteTokenizer.endOfText })
        #expect(Array(batch.targets.prefix(joined.count - 1)) == Array(joined.dropFirst()))
        #expect(batch.targets[(joined.count - 1)...].allSatisfy { $0 == -1 })
        #expect(batch.targetCount == joined.count - 1)
    }

    @Test func finetuneRowsAreWholeConversationsMaskedOutsideTheAnswer() throws {
        var sampler = try BatchSampler(dataset: finetune, batchSize: 5, seqLen: 64, seed: 7)
        let batch = sampler.nextBatch()
        var seen: [[Int32]] = []
        for index in 0..<5 {
            let tokens = row(batch.tokens, index, 64)
            let targets = row(batch.targets, index, 64)
            let document = try #require(finetune.train.first { tokens.starts(with: $0.tokens) })
            seen.append(document.tokens)
            for position in 0..<64 {
                let next = position + 1
                if next < document.tokens.count {
                    #expect(targets[position] == (document.lossMask[next] ? document.tokens[next] : -1))
                } else {
                    #expect(targets[position] == -1)
                }
                if position >= document.tokens.count { #expect(tokens[position] == ByteTokenizer.endOfText) }
            }
            let answer = targets.filter { $0 >= 0 }
            #expect(ByteTokenizer.decode(answer).hasPrefix("Answer "))
            #expect(answer.last == ByteTokenizer.imEnd)
        }
        #expect(Set(seen).count == 5, "one epoch shows every conversation once")
    }

    @Test func longConversationsAreTruncated() throws {
        let batches = try finetune.evaluationBatches(split: .heldOut, batchSize: 4, seqLen: 10)
        let document = finetune.heldOut[0]
        #expect(batches.count == 1 && batches[0].batchSize == 1)
        #expect(batches[0].tokens == Array(document.tokens.prefix(10)))
        #expect(batches[0].targets.allSatisfy { $0 == -1 }, "the answer lies beyond the first 11 tokens")
    }

    @Test func samplerIsDeterministicPerSeed() throws {
        for dataset in [pretrain, finetune] {
            var first = try BatchSampler(dataset: dataset, batchSize: 3, seqLen: 24, seed: 42)
            var second = try BatchSampler(dataset: dataset, batchSize: 3, seqLen: 24, seed: 42)
            var other = try BatchSampler(dataset: dataset, batchSize: 3, seqLen: 24, seed: 43)
            let a = (0..<20).map { _ in first.nextBatch() }
            let b = (0..<20).map { _ in second.nextBatch() }
            let c = (0..<20).map { _ in other.nextBatch() }
            #expect(a == b)
            #expect(a != c)
        }
    }

    @Test func pretrainEvaluationPredictsEveryHeldOutTokenOnce() throws {
        let batches = try pretrain.evaluationBatches(split: .heldOut, batchSize: 2, seqLen: 5)
        let joined = stream(pretrain.heldOut)
        let targets = batches.flatMap { $0.targets.filter { $0 >= 0 } }
        #expect(targets == Array(joined.dropFirst()))
        #expect(batches.dropLast().allSatisfy { $0.batchSize == 2 })
        #expect(batches.reduce(0) { $0 + $1.targetCount } == joined.count - 1)
        #expect(try pretrain.evaluationBatches(split: .heldOut, batchSize: 2, seqLen: 5) == batches)
    }

    @Test func finetuneEvaluationKeepsOrder() throws {
        let batches = try finetune.evaluationBatches(split: .train, batchSize: 2, seqLen: 64)
        #expect(batches.map(\.batchSize) == [2, 2, 1])
        let firstRows = batches.flatMap { batch in (0..<batch.batchSize).map { row(batch.tokens, $0, 64) } }
        for (index, document) in finetune.train.enumerated() {
            #expect(firstRows[index].starts(with: document.tokens))
        }
    }

    @Test func builtinCorporaBatch() throws {
        for name in BuiltinCorpora.names {
            let dataset = try BuiltinCorpora.load(name)
            var sampler = try BatchSampler(dataset: dataset, batchSize: 8, seqLen: 128, seed: 0)
            let batch = sampler.nextBatch()
            #expect(batch.targetCount > 8, "\(name): every row has targets")
            #expect(batch.tokens.allSatisfy { $0 >= 0 && $0 < Int32(ByteTokenizer.vocabularySize) })
            #expect(!(try dataset.evaluationBatches(split: .heldOut, batchSize: 8, seqLen: 128)).isEmpty)
        }
    }

    @Test func aRestoredPositionContinuesTheOrderExactly() throws {
        for name in ["tinystories", "identity"] {
            let dataset = try BuiltinCorpora.load(name)
            var original = try BatchSampler(dataset: dataset, batchSize: 4, seqLen: 64, seed: 9)
            for _ in 0..<7 { _ = original.nextBatch() }
            var resumed = try BatchSampler(dataset: dataset, batchSize: 4, seqLen: 64, seed: 0)
            try resumed.restore(original.position)
            for _ in 0..<30 { #expect(resumed.nextBatch() == original.nextBatch(), "\(name)") }
        }
        var identity = try BatchSampler(dataset: try BuiltinCorpora.load("identity"), batchSize: 4, seqLen: 64, seed: 9)
        _ = identity.nextBatch()
        var position = identity.position
        position.epochOrder[0] = position.epochOrder[1] // no longer a permutation
        #expect(throws: DatasetError.self) { try identity.restore(position) }
        position = identity.position
        position.nextInEpoch = position.epochOrder.count + 1
        #expect(throws: DatasetError.self) { try identity.restore(position) }
    }

    @Test func badShapesAndEmptyDataAreErrors() {
        #expect(throws: DatasetError.self) { try BatchSampler(dataset: pretrain, batchSize: 0, seqLen: 8, seed: 0) }
        #expect(throws: DatasetError.self) { try pretrain.evaluationBatches(split: .train, batchSize: 2, seqLen: 0) }
        let empty = Dataset(name: "empty", kind: .pretrain, description: "", train: [], heldOut: [])
        #expect(throws: DatasetError.self) { try BatchSampler(dataset: empty, batchSize: 1, seqLen: 8, seed: 0) }
        #expect((try? empty.evaluationBatches(split: .heldOut, batchSize: 1, seqLen: 8))?.isEmpty == true)
    }
}
