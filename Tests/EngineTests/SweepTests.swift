import Engine
import Foundation
import Testing

/// `sweep`: one strategy at several values of one parameter, with seeds.
@Suite struct SweepTests {
    static func row(_ table: String, _ first: String) -> [String]? {
        table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == first }
    }

    @Test func aRankSweepHasOneRowPerRankWithMeanAndDeviation() throws {
        let engine = ComparisonTests.prepared()
        let sweep = engine.run("sweep targets=q rank=1,2 steps=3 batch=2 seeds=1,2 eval_tokens=256")
        #expect(sweep.error == nil, "\(sweep.error?.message ?? "")")
        let table = sweep.resultText
        // q in 2 layers: 32 + 32 per rank each, so 128 parameters per rank.
        #expect(try #require(Self.row(table, "1"), "\(table)").prefix(3) == ["1", "1", "128"])
        #expect(try #require(Self.row(table, "2"), "\(table)").prefix(3) == ["2", "2", "256"])
        #expect(try #require(Self.row(table, "1"))[5] == "±", "final loss is mean ± sd over two seeds")
        #expect(table.contains("targets=q over rank; lr 1e-3, alpha 2·rank, steps 3"))
        #expect(try #require(sweep.result?.data["image/svg+xml"]).contains("<polygon"))
        #expect(engine.run("show lora").error != nil, "sweep must not change the session")
    }

    /// A sweep's run is the run compare makes with the same strategy, rank and seed.
    @Test func aSweepPointIsTheSameRunAsCompares() throws {
        let engine = ComparisonTests.prepared()
        let sweep = engine.run("sweep targets=q rank=2,3 steps=3 batch=2 seeds=5 eval_tokens=256").resultText
        let compare = engine.run("compare targets=q rank=2 steps=3 batch=2 seeds=5 eval_tokens=256").resultText
        let fromSweep = try #require(Self.row(sweep, "2"), "\(sweep)")
        let fromCompare = try #require(Self.row(compare, "q"), "\(compare)")
        // final loss, eval finetune, eval pretrain, forgetting
        #expect(Array(fromSweep.suffix(4)) == Array(fromCompare.suffix(4)))
    }

    @Test func sweepVariesExactlyOneParameter() {
        let engine = ComparisonTests.prepared()
        #expect(engine.run("sweep rank=1,2 lr=1e-3,1e-2").error?.message
                == "line 1, col 19: sweep varies one parameter at a time; rank and lr both list several values")
        #expect(engine.run("sweep rank=4").error?.message
                == "line 1, col 1: sweep needs one of rank, lr, alpha or steps to list several values (e.g. rank=1,2,4,8)")
    }
}
