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
        #expect(try #require(Self.row(table, "1"), "\(table)").prefix(2) == ["1", "128"])
        #expect(try #require(Self.row(table, "2"), "\(table)").prefix(2) == ["2", "256"])
        #expect(try #require(Self.row(table, "1"))[4] == "±", "final loss is mean ± sd over two seeds")
        let header = try #require(Self.row(table, "rank"), "\(table)")
        #expect(header.filter { $0 == "rank" }.count == 1, "a rank sweep names its rank once: \(header)")
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

    /// rslora=true scales by alpha/√r: at rank 4, alpha 4 gives s = 2, the run plain LoRA makes with alpha 8;
    /// at rank 16 it gives s = 1 where plain alpha 8 gives 0.5, so those runs differ.
    @Test func rsLoRAScalesEveryRunByAlphaOverTheRootOfItsRank() throws {
        let engine = ComparisonTests.prepared()
        let rs = engine.run("sweep targets=q rank=4,16 alpha=4 rslora=true lr=5e-2 steps=4 batch=2 seeds=5 eval_tokens=256")
        #expect(rs.error == nil, "\(rs.error?.message ?? "")")
        let plain = engine.run("sweep targets=q rank=4,16 alpha=8 lr=5e-2 steps=4 batch=2 seeds=5 eval_tokens=256").resultText
        #expect(rs.resultText.contains("rsLoRA (s = alpha/√rank)"))
        #expect(!plain.contains("rsLoRA"))
        let (rs4, plain4) = (try #require(Self.row(rs.resultText, "4")), try #require(Self.row(plain, "4")))
        #expect(Array(rs4.suffix(4)) == Array(plain4.suffix(4)), "s = 2 both ways at rank 4")
        let (rs16, plain16) = (try #require(Self.row(rs.resultText, "16")), try #require(Self.row(plain, "16")))
        #expect(Array(rs16.suffix(4)) != Array(plain16.suffix(4)), "s = 1 against 0.5 at rank 16")
    }

    @Test func sweepVariesExactlyOneParameter() {
        let engine = ComparisonTests.prepared()
        #expect(engine.run("sweep rank=1,2 lr=1e-3,1e-2").error?.message
                == "line 1, col 19: sweep varies one parameter at a time; rank and lr both list several values")
        #expect(engine.run("sweep rank=4").error?.message
                == "line 1, col 1: sweep needs one of rank, lr, alpha or steps to list several values (e.g. rank=1,2,4,8)")
    }
}
