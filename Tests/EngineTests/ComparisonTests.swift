@testable import Engine
import Foundation
import Testing

/// `compare … seeds=` and `lrs=`: repeated runs with mean ± sd, and a rate per
/// strategy chosen on the validation split.
@Suite struct ComparisonTests {
    static func prepared() -> Engine {
        let engine = Engine.forTesting()
        let setup = engine.run("""
            \(SessionTests.small)
            data pretrain builtin:tinystories
            data finetune builtin:identity
            """)
        #expect(setup.error == nil, "\(setup.error?.message ?? "")")
        return engine
    }

    static func row(_ table: String, _ targets: String) -> [String]? {
        table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == targets }
    }

    /// The cell `mean ± sd` as numbers.
    static func spread(_ cells: [String], at index: Int) -> (mean: Double, sd: Double)? {
        guard cells.count > index + 2, cells[index + 1] == "±", let mean = Double(cells[index]), let sd = Double(cells[index + 2]) else { return nil }
        return (mean, sd)
    }

    @Test func meanAndSampleDeviationOfPlantedValues() {
        #expect(RunReports.spread([1, 2, 3]) == "2.0000 ± 1.0000")
        #expect(RunReports.spread([2.5]) == "2.5000", "one run has no spread")
        #expect(RunReports.spread([]) == "—")
    }

    @Test func seedsGiveDistinctRunsWithMeanAndDeviationAndBands() throws {
        let engine = Self.prepared()
        let compare = engine.run("compare targets=q;q,v rank=2 steps=3 batch=2 seeds=1-3 eval_tokens=256")
        #expect(compare.error == nil, "\(compare.error?.message ?? "")")
        let table = compare.resultText
        let q = try #require(Self.row(table, "q"), "\(table)")
        // targets rank matrices params % | final loss ± sd | eval finetune ± sd | eval pretrain ± sd | forgetting ± sd
        let final = try #require(Self.spread(q, at: 5), "\(q)")
        #expect(final.sd > 0, "three seeds, three different inits and batch orders")
        #expect(Self.spread(q, at: 8) != nil && Self.spread(q, at: 11) != nil && Self.spread(q, at: 14) != nil, "\(q)")
        #expect(table.contains("seeds 1,2,3 (mean ± sd over 3 runs)"))
        #expect(table.contains("forgetting = eval pretrain − the base's"))
        let svg = try #require(compare.result?.data["image/svg+xml"])
        #expect(svg.components(separatedBy: "<polygon").count - 1 == 2, "one band per strategy")
        #expect(engine.run("show lora").error != nil, "compare must not change the session")
    }

    /// Beside the curves, a point per strategy: its mean held-out fine-tuning loss against its mean forgetting,
    /// the same numbers as the table's; without pre-training data there is no forgetting and no such chart.
    @Test func learningIsDrawnAgainstForgettingFromTheTablesMeans() throws {
        let engine = Self.prepared()
        let compare = engine.run("compare targets=q;q,v rank=2 steps=3 batch=2 seeds=1-2 eval_tokens=256")
        #expect(compare.error == nil, "\(compare.error?.message ?? "")")
        let text = compare.resultText
        let svg = try #require(compare.result?.data["image/svg+xml"])
        #expect(svg.contains("<title>forgetting against learning (mean ± sd over seeds)</title>"))
        #expect(svg.contains("<title>fine-tuning loss by targets (mean, min–max over seeds)</title>"), "the curves stay, above it")
        for (letter, targets) in [("a", "q"), ("b", "q,v")] {
            let row = try #require(Self.row(text, targets), "\(text)")
            let learning = try #require(Self.spread(row, at: 8)), forgetting = try #require(Self.spread(row, at: 14))
            let key = try #require(text.split(separator: "\n").first { $0.hasPrefix("  \(letter)  \(targets) ") }, "\(text)")
            // The key prints 3 significant digits of the same means.
            let numbers = key.split(separator: " ").compactMap { Double($0) }
            #expect(numbers.count == 4, "x ± sd, y ± sd: \(key)")
            #expect(abs(numbers[0] - learning.mean) <= 0.006 * abs(learning.mean) && abs(numbers[2] - forgetting.mean) <= 0.006 * abs(forgetting.mean) + 1e-3,
                    "\(key) against \(row)")
        }

        let alone = Engine.forTesting()
        #expect(alone.run("\(SessionTests.small)\ndata finetune builtin:identity").error == nil)
        let plain = alone.run("compare targets=q;q,v rank=2 steps=3 batch=2 seeds=1-2 eval_tokens=256")
        #expect(plain.error == nil && !(plain.result?.data["image/svg+xml"] ?? "").contains("forgetting against learning"))
    }

    /// A seed is the run's whole randomness: seeds=7 is the run the session seed 7 makes.
    @Test func oneSeedIsTheRunOfThatSessionSeed() throws {
        let engine = Self.prepared()
        let seeded = engine.run("compare targets=q rank=2 steps=3 batch=2 seeds=7 eval_tokens=256").resultText
        engine.run("set seed=7")
        let session = engine.run("compare targets=q rank=2 steps=3 batch=2 eval_tokens=256").resultText
        #expect(try #require(Self.row(seeded, "q")) == (try #require(Self.row(session, "q"))))
        let other = engine.run("compare targets=q rank=2 steps=3 batch=2 seeds=8 eval_tokens=256").resultText
        #expect(Self.row(other, "q") != Self.row(seeded, "q"))
    }

    @Test func lrsPicksTheRateWithTheLowestValidationLoss() throws {
        let engine = Self.prepared()
        let compare = engine.run("compare targets=q;q,v rank=2 steps=4 batch=2 lrs=1e-4,3e-2 eval_tokens=256")
        #expect(compare.error == nil, "\(compare.error?.message ?? "")")
        let table = compare.resultText
        let footer = try #require(table.split(separator: "\n").first { $0.hasPrefix("validation loss by lr — ") }, "\(table)")
        for strategy in footer.dropFirst("validation loss by lr — ".count).split(separator: ";") {
            let parts = strategy.split(separator: ":")
            let targets = parts[0].trimmingCharacters(in: .whitespaces)
            let trials = parts[1].split(separator: ",").map { trial in
                let sides = trial.components(separatedBy: "→").map { $0.trimmingCharacters(in: .whitespaces) }
                return (rate: sides[0], loss: Double(sides[1]) ?? .infinity)
            }
            #expect(trials.count == 2)
            let best = try #require(trials.min { $0.loss < $1.loss })
            let row = try #require(Self.row(table, targets), "\(table)")
            // targets rank matrices params % | lr (picked) | validation | …
            #expect(row[5] == best.rate, "\(targets) picked \(row[5]); validation losses \(trials)")
            #expect(Double(row[6]) == best.loss)
        }
        #expect(table.contains("lowest mean loss on the fine-tuning data's validation split"))
    }

    @Test func ratesAndSeedsAreCheckedWhereTheyAreWritten() {
        let engine = Self.prepared()
        #expect(engine.run("compare lr=1e-3 lrs=1e-3,1e-2").error?.message == "line 1, col 21: give lr= (one rate) or lrs= (rates to choose from), not both")
        #expect(engine.run("compare seeds=1,1").error?.message == "line 1, col 15: 'seeds' lists a value twice")
        #expect(engine.run("compare seeds=q").error?.message == "line 1, col 15: 'seeds' expects whole numbers like 1, 1-5 or 1,3,7, got a word")
    }
}
