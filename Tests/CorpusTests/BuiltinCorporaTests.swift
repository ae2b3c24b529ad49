import Corpus
import Foundation
import Testing

@Suite struct BuiltinCorporaTests {
    @Test(arguments: BuiltinCorpora.names)
    func loadsDeterministically(name: String) throws {
        let first = try BuiltinCorpora.load(name)
        let second = try BuiltinCorpora.load("builtin:" + name)
        #expect(first == second)
        #expect(first.name == "builtin:" + name)
        #expect(first.kind == BuiltinCorpora.info(named: name)?.kind)
        #expect(!first.description.isEmpty)
    }

    @Test(arguments: BuiltinCorpora.names)
    func heldOutIsAboutATenthAndDisjointFromTrain(name: String) throws {
        let dataset = try BuiltinCorpora.load(name)
        let fraction = Double(dataset.heldOut.count) / Double(dataset.train.count + dataset.validation.count + dataset.heldOut.count)
        #expect(fraction > 0.08 && fraction < 0.25, "held-out fraction \(fraction)")
        let trainTokens = Set(dataset.train.map(\.tokens))
        #expect(dataset.heldOut.allSatisfy { !trainTokens.contains($0.tokens) })
        #expect(Set(dataset.heldOut.map(\.tokens)).count == dataset.heldOut.count, "no duplicates in held-out")
    }

    @Test(arguments: BuiltinCorpora.names)
    func validationIsAboutATenthAndDisjointFromTheOtherSplits(name: String) throws {
        let dataset = try BuiltinCorpora.load(name)
        let total = dataset.train.count + dataset.validation.count + dataset.heldOut.count
        let fraction = Double(dataset.validation.count) / Double(total)
        #expect(fraction > 0.08 && fraction < 0.25, "validation fraction \(fraction)")
        let others = Set((dataset.train + dataset.heldOut).map(\.tokens))
        #expect(dataset.validation.allSatisfy { !others.contains($0.tokens) })
    }

    /// The held-out splits are those the notebooks' numbers were measured on.
    @Test func heldOutSplitsKeepTheirSizes() throws {
        #expect(try BuiltinCorpora.load("tinystories").heldOut.count == 150)
        #expect(try BuiltinCorpora.load("tinystories").tokenCount(in: .heldOut) == 56_826)
    }

    @Test func pretrainingCorpusHasUsefulSize() throws {
        let dataset = try BuiltinCorpora.load("tinystories")
        #expect(dataset.kind == .pretrain)
        let trainBytes = dataset.tokenCount(in: .train)
        #expect(trainBytes > 200_000 && trainBytes < 2_000_000, "train bytes \(trainBytes)")
        #expect(dataset.heldOut.count >= 100)
        #expect(dataset.train.allSatisfy { $0.lossMask.allSatisfy { $0 } })
        // Text, not noise: only printable ASCII, and ordinary sentences.
        let text = ByteTokenizer.decode(dataset.train[0].tokens)
        #expect(text.allSatisfy { $0.isASCII && !$0.isNewline })
        #expect(text.hasSuffix(".") || text.hasSuffix("!") || text.hasSuffix("\""))
    }

    /// A cheap stand-in for "a small model can learn it": a byte model that
    /// only counts what followed the previous three bytes in training already
    /// predicts held-out stories far better than the uniform guess, ln 259 ≈ 5.56.
    @Test func pretrainingCorpusIsPredictableFromShortContext() throws {
        let dataset = try BuiltinCorpora.load("tinystories")
        let loss = ContextCountModel(order: 3, documents: dataset.train).crossEntropy(on: dataset.heldOut)
        #expect(loss < 1.5, "held-out cross-entropy \(loss) nats per byte")
    }

    @Test(arguments: ["identity", "facts", "uppercase"])
    func finetuneMasksCoverAssistantAnswersOnly(name: String) throws {
        let dataset = try BuiltinCorpora.load(name)
        #expect(dataset.kind == .finetune)
        #expect(dataset.train.count >= 150, "\(dataset.train.count) training conversations (facts: three phrasings of 60 facts)")
        // Short enough to fine-tune at a 128-token context with little truncation.
        let documents = dataset.train + dataset.heldOut
        let fitting = documents.filter { $0.tokens.count <= 129 }.count
        #expect(Double(fitting) >= 0.9 * Double(documents.count), "\(fitting) of \(documents.count) fit seqLen 128")
        #expect(dataset.longestDocumentLength == documents.map(\.tokens.count).max())
        for document in dataset.train + dataset.heldOut {
            let conversation = Conversation(document)
            let targets = zip(document.tokens, document.lossMask).filter(\.1).map(\.0)
            #expect(targets == ByteTokenizer.encode(conversation.assistant + "<|im_end|>"))
            #expect(!conversation.user.isEmpty && !conversation.assistant.isEmpty)
        }
    }

    @Test func identityAnswersKeepOnePersonaAndHoldOutUnseenPhrasings() throws {
        let dataset = try BuiltinCorpora.load("identity")
        let train = dataset.train.map(Conversation.init)
        let heldOut = dataset.heldOut.map(Conversation.init)
        for conversation in train + heldOut {
            #expect(conversation.assistant.hasPrefix("I am LoRA Lab's assistant")
                || conversation.assistant.hasPrefix("Hi! I am LoRA Lab's assistant"), "\(conversation.assistant)")
        }
        let trainQuestions = Set(train.map(\.user))
        #expect(heldOut.allSatisfy { !trainQuestions.contains($0.user) })
        #expect(Set(train.map(\.user)).count >= 400, "many distinct phrasings")
    }

    @Test func heldOutFactsRephraseTrainedFacts() throws {
        let dataset = try BuiltinCorpora.load("facts")
        let train = dataset.train.map(Conversation.init)
        let heldOut = dataset.heldOut.map(Conversation.init)
        let trainAnswers = Set(train.map(\.assistant))
        let trainQuestions = Set(train.map(\.user))
        #expect(heldOut.count >= 50)
        for conversation in heldOut {
            #expect(trainAnswers.contains(conversation.assistant), "fact was trained: \(conversation.assistant)")
            #expect(!trainQuestions.contains(conversation.user), "question is new: \(conversation.user)")
        }
        // Every distinct fact is held out once, so there are as many answers as held-out questions.
        #expect(Set(heldOut.map(\.assistant)).count == heldOut.count)
    }

    @Test func uppercaseAnswersAreTheSentenceInCapitals() throws {
        let dataset = try BuiltinCorpora.load("uppercase")
        for conversation in dataset.train.map(Conversation.init) {
            let sentence = conversation.user.split(separator: ": ", maxSplits: 1).last.map(String.init) ?? ""
            #expect(conversation.assistant == sentence.uppercased())
            #expect(conversation.assistant != sentence)
        }
    }

    @Test func unknownNameListsTheChoices() {
        #expect {
            try BuiltinCorpora.load("wikipedia")
        } throws: { error in
            guard let error = error as? DatasetError else { return false }
            return error.problem == .unknownBuiltin && error.description.contains("tinystories")
        }
    }
}

/// The last user message and the last assistant answer of a tokenized conversation.
private struct Conversation {
    var user = ""
    var assistant = ""

    init(_ document: TokenizedDocument) {
        let text = ByteTokenizer.decode(document.tokens)
        for turn in text.components(separatedBy: "<|im_start|>") where !turn.isEmpty {
            let parts = turn.split(separator: "\n", maxSplits: 1)
            let content = String(parts[1]).components(separatedBy: "<|im_end|>")[0]
            if parts[0] == "user" { user = content }
            if parts[0] == "assistant" { assistant = content }
        }
    }
}

/// Counts which byte followed each context of `order` bytes in training, and
/// scores held-out text by interpolating the counts of shorter contexts
/// (Witten–Bell-style: weight each order by how much it has seen).
private struct ContextCountModel {
    let order: Int
    private var counts: [[Int32]: [Int32: Double]] = [:]

    init(order: Int, documents: [TokenizedDocument]) {
        self.order = order
        for document in documents {
            let tokens = document.tokens
            for position in tokens.indices {
                for length in 0...order where position - length >= 0 {
                    counts[Array(tokens[(position - length)..<position]), default: [:]][tokens[position], default: 0] += 1
                }
            }
        }
    }

    func probability(of token: Int32, after context: ArraySlice<Int32>) -> Double {
        var probability = 1.0 / Double(ByteTokenizer.vocabularySize)
        for length in 0...min(order, context.count) {
            guard let next = counts[Array(context.suffix(length))] else { break }
            let total = next.values.reduce(0, +)
            let weight = total / (total + Double(next.count))
            probability = weight * ((next[token] ?? 0) / total) + (1 - weight) * probability
        }
        return probability
    }

    func crossEntropy(on documents: [TokenizedDocument]) -> Double {
        var sum = 0.0
        var count = 0
        for document in documents {
            for position in document.tokens.indices {
                sum -= log(probability(of: document.tokens[position], after: document.tokens[..<position]))
                count += 1
            }
        }
        return sum / Double(count)
    }
}
