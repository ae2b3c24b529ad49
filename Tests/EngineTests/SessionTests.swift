import Engine
import Foundation
import Testing

/// Whole sessions from docs/language.md on a very small model, asserting on what the commands report.
@Suite("Sessions")
struct SessionTests {
    /// dim 32, 2 layers, 4 query heads and 2 key/value heads: q,o are 32×32, k,v 16×32.
    static let small = "model tiny dim=32 layers=2 heads=4 kv_heads=2 ffn=64 seq=128"

    /// A session with the small model and both built-in data sets chosen.
    private func preparedEngine() -> Engine {
        let engine = Engine.forTesting()
        let transcript = engine.run("""
            \(Self.small)
            data pretrain builtin:tinystories
            data finetune builtin:identity
            """)
        #expect(transcript.error == nil, "\(transcript.error?.message ?? "")")
        return engine
    }

    private func rows(_ table: String, containing text: String) -> [String] {
        table.split(separator: "\n").map(String.init).filter { $0.contains(text) }
    }

    /// The cells after the first of the table row that starts with `name`.
    private func cells(_ table: String, _ name: String) -> [String] {
        guard let row = table.split(separator: "\n").first(where: { $0.drop { $0 == " " }.hasPrefix(name + " ") }) else { return [] }
        return row.split(separator: " ").dropFirst().map(String.init)
    }

    @Test func modelReportsItsShapeAndSquareMatrices() {
        let engine = Engine.forTesting()
        let summary = engine.run(Self.small).resultText
        #expect(summary.contains("dim=32 layers=2 heads=4 kv_heads=2 ffn=64"))
        #expect(summary.contains("square (MiniMind's LoRA rule): q,o"))
        let table = engine.run("show model").resultText
        #expect(cells(table, "model.layers.0.self_attn.q_proj.weight") == ["32×32", "yes", "1,024", "no"])
        #expect(cells(table, "model.layers.1.self_attn.k_proj.weight") == ["16×32", "no", "512", "no"])
        #expect(cells(table, "model.layers.0.mlp.up_proj.weight") == ["64×32", "no", "2,048", "no"])
        #expect(cells(table, "model.norm.weight") == ["32", "—", "32", "no"])
        #expect(rows(table, containing: ".weight").count == 1 + 2 * 9 + 1)
        #expect(engine.run("model tiny dim=32 layers=2 heads=4 kv_heads=4 ffn=64").resultText.contains("square (MiniMind's LoRA rule): q,k,v,o"))
    }

    @Test func ropeThetaIsConfigurable() {
        let engine = Engine.forTesting()
        #expect(engine.run("model tiny dim=32 layers=1 rope_theta=10000").resultText.contains("rope_theta=10000.0"))
        #expect(!engine.run(Self.small).resultText.contains("rope_theta"), "the default (1e6) is not repeated")
        #expect(engine.run("model tiny rope_theta=1").error?.message == "line 1, col 23: 'rope_theta' must be at least 2.0, got 1.0")
    }

    @Test func failedModelKeepsTheOldModel() {
        let engine = Engine.forTesting()
        engine.run(Self.small)
        let before = engine.run("show model").resultText
        let error = engine.run("model tiny dim=30 heads=4").error
        #expect(error?.message == "line 1, col 16: cannot build this model: dim (30) must be divisible by heads (4)")
        #expect(engine.run("show model").resultText == before)
    }

    @Test func commandsNeedingAModelSaySo() {
        let error = Engine.forTesting().run("lora targets=q")
        #expect(error.error?.message == "line 1, col 1: no model yet: build one with `model tiny`")
    }

    @Test(arguments: [
        ("square", ["layers.0.q", "layers.0.o", "layers.1.q", "layers.1.o"]),
        ("q,v", ["layers.0.q", "layers.0.v", "layers.1.q", "layers.1.v"]),
        ("attn", ["layers.0.q", "layers.0.k", "layers.0.v", "layers.0.o", "layers.1.q", "layers.1.k", "layers.1.v", "layers.1.o"]),
        ("all-linear", ["q", "k", "v", "o", "gate", "up", "down"].flatMap { ["layers.0.\($0)", "layers.1.\($0)"] }),
        ("ffn", ["layers.0.gate", "layers.0.up", "layers.0.down", "layers.1.gate", "layers.1.up", "layers.1.down"]),
        ("q_proj", ["layers.0.q", "layers.1.q"]),
        ("model.layers.1.mlp.down_proj", ["layers.1.down"]),
        ("*.self_attn.o_proj", ["layers.0.o", "layers.1.o"]),
    ])
    func loraAttachesByEachSelector(selector: String, expected: [String]) {
        let engine = Engine.forTesting()
        engine.run(Self.small)
        let attached = engine.run("lora targets=\(selector) rank=2")
        #expect(attached.error == nil, "\(attached.error?.message ?? "")")
        #expect(attached.resultText.hasPrefix("attached \(expected.count) adapters"))
        let table = engine.run("show lora").resultText
        let names = table.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0.hasPrefix("layers.") }
        #expect(Set(names) == Set(expected))
    }

    @Test func layerRangeAndOptionsReachTheAdapters() {
        let engine = Engine.forTesting()
        engine.run(Self.small)
        let attached = engine.run("lora targets=q,v layers=0-0 rank=4 init=pissa rslora=true dropout=0.05")
        #expect(attached.error == nil, "\(attached.error?.message ?? "")")
        let table = engine.run("show lora").resultText
        #expect(rows(table, containing: "layers.").count == 2)
        #expect(rows(table, containing: "layers.0.q").first?.contains("pissa rslora") == true)
        // rsLoRA: s = alpha/√r = 8/2 = 4 with the default alpha = 2·rank.
        #expect(rows(table, containing: "layers.0.v").first?.contains("  8      4") == true)
    }

    @Test func dryRunAttachesNothing() {
        let engine = Engine.forTesting()
        engine.run(Self.small)
        let dry = engine.run("lora targets=square dry=true").resultText
        #expect(dry.contains("would adapt 4 of 14 matrices"))
        #expect(cells(dry, "layers.0.k") == ["16×32", "no", "no", "not", "square"])
        #expect(cells(dry, "layers.1.o") == ["32×32", "yes", "yes", "square", "512"])
        #expect(engine.run("show lora").error?.message.contains("no adapters attached") == true)
    }

    @Test func failedLoraAttachesNothing() {
        let engine = Engine.forTesting()
        engine.run(Self.small)
        let misspelt = engine.run("lora targets=q,vv rank=2").error
        #expect(misspelt?.message == "line 1, col 16: unknown target 'vv' (did you mean 'v'?) (selectors: square, attn, ffn, all-linear, q,k,v,o,gate,up,down, full or short matrix names, globs)")
        #expect(engine.run("lora targets=q layers=0-5").error?.message.contains("outside the model's layers 0-1") == true)
        #expect(engine.run("show lora").error != nil)
        engine.run("lora targets=q rank=2")
        let overlap = engine.run("lora targets=q,v rank=4").error
        #expect(overlap?.message.contains("already has an adapter") == true)
        let table = engine.run("show lora").resultText
        #expect(rows(table, containing: "layers.").count == 2)
        #expect(!table.contains("layers.0.v"))
    }

    @Test func misspeltMatrixNameGetsASuggestion() {
        let engine = Engine.forTesting()
        engine.run(Self.small)
        engine.run("lora targets=q rank=2")
        #expect(engine.run("svd layers.0.qq").error?.message.hasPrefix("line 1, col 5: no matrix 'layers.0.qq' in this model (did you mean 'layers.0.q'?)") == true)
        #expect(engine.run("svd model.layers.0.self_attn.q_prj").error?.message.contains("(did you mean 'model.layers.0.self_attn.q_proj'?)") == true)
        #expect(engine.run("svd layers.0.k").error?.message == "line 1, col 5: layers.0.k has no learned update: attach an adapter (`lora`) or fine-tune it (`finetune`)")
    }

    @Test func pretrainStepTrainEvalAndSpectrum() throws {
        let engine = preparedEngine()
        let pretrain = engine.run("pretrain steps=4 lr=3e-3 batch=2 seq=16")
        #expect(pretrain.error == nil, "\(pretrain.error?.message ?? "")")
        #expect(pretrain.resultText.hasPrefix("pretrain: 4 steps in"))
        engine.run("lora targets=q,v rank=2")
        let one = engine.run("step batch=2").resultText
        #expect(one.hasPrefix("step 1: loss "))
        let three = engine.run("step 3 batch=2").resultText.split(separator: "\n")
        #expect(three.map { $0.split(separator: ":").first.map(String.init) ?? "" } == ["step 2", "step 3", "step 4"])

        let train = engine.run("train steps=6 lr=1e-2 batch=2")
        #expect(train.error == nil, "\(train.error?.message ?? "")")
        #expect(train.resultText.hasPrefix("train: 6 steps in"))
        let firstDisplay = train.events.compactMap { event -> String? in
            if case .display(_, let id?) = event { return id }
            return nil
        }
        #expect(firstDisplay.count == 1)
        let updates = train.events.compactMap { event -> MimeBundle? in
            if case .updateDisplay(let bundle, let id) = event, id == firstDisplay.first { return bundle }
            return nil
        }
        #expect(updates.last?.plainText.contains("6/6") == true)
        #expect(updates.last?.data["text/html"]?.contains("aria-valuenow=\"6\"") == true)
        #expect(updates.last?.data["text/html"]?.contains("<svg") == true)
        #expect(train.result?.data["image/svg+xml"]?.hasPrefix("<svg") == true)

        let eval = engine.run("eval batches=1 batch=2").resultText
        #expect(rows(eval, containing: "builtin:tinystories").count == 1)
        #expect(rows(eval, containing: "builtin:identity").count == 1)

        let spectrum = engine.run("spectrum").resultText
        for name in ["layers.0.q", "layers.0.v", "layers.1.q", "layers.1.v"] {
            #expect(rows(spectrum, containing: name).first?.contains("LoRA r=2") == true, "\(name) missing in \(spectrum)")
        }
        // A rank-2 update has all its energy in its top 2 directions.
        #expect(rows(spectrum, containing: "layers.0.q").first?.contains("r=2: 100.0%") == true)

        let svd = engine.run("svd layers.1.v").resultText
        #expect(svd.contains("ΔW of model.layers.1.self_attn.v_proj (16×32, LoRA r=2)"))
        #expect(rows(svd, containing: "%").count >= 2)
    }

    @Test func fullFineTuningShowsTheTrueUpdate() {
        let engine = preparedEngine()
        let selected = engine.run("finetune targets=ffn layers=1")
        #expect(selected.resultText.hasPrefix("full fine-tuning of 3 matrices"))
        engine.run("train steps=3 batch=2 lr=1e-2")
        let spectrum = engine.run("spectrum r=4").resultText
        #expect(rows(spectrum, containing: "full").count == 3)
        #expect(rows(spectrum, containing: "layers.1.up").first?.contains("r=4:") == true)
        let intruders = engine.run("intruders matrix=layers.1.down k=5 eps=0.5").resultText
        #expect(intruders.contains("among the top 5 of model.layers.1.mlp.down_proj (full, ε = 0.5)"))
        #expect(engine.run("lora targets=q").error?.message.contains("fully fine-tuned") == true)
    }

    @Test func similarityBetweenTwoSavedRuns() {
        let engine = preparedEngine()
        engine.run("run save base")
        engine.run("lora targets=q,v rank=2\ntrain steps=4 batch=2 lr=1e-2\nrun save r2")
        engine.run("run load base\nlora targets=q,v rank=4\ntrain steps=4 batch=2 lr=1e-2\nrun save r4")
        let runs = engine.run("runs").resultText
        #expect(rows(runs, containing: "r2").count == 1 && rows(runs, containing: "r4").count == 1)

        let similarity = engine.run("similarity r2 r4 matrix=layers.0.q")
        #expect(similarity.error == nil, "\(similarity.error?.message ?? "")")
        let table = similarity.resultText
        #expect(table.hasPrefix("i \\ j"))
        #expect(table.split(separator: "\n").first?.split(separator: " ").map(String.init) == ["i", "\\", "j", "1", "2", "4"])
        let values = ["1", "2"].flatMap { cells(table, $0).compactMap(Double.init) }
        #expect(values.count == 2 * 3)
        #expect(values.allSatisfy { (0...1.0001).contains($0) })

        let amplification = engine.run("amplification matrix=layers.0.q").resultText
        #expect(amplification.contains("amplification ‖ΔW‖_F / ‖UᵀW0V‖_F"))
        #expect(engine.run("similarity r2 r5").error?.message == "line 1, col 15: no saved run 'r5' (did you mean 'r2'?) (saved: base, r2, r4)")
    }

    @Test func runLoadRestoresASnapshot() {
        let engine = preparedEngine()
        engine.run("lora targets=q rank=2\nrun save a\nlora detach")
        #expect(engine.run("show lora").error != nil)
        #expect(engine.run("run load a").resultText.hasPrefix("loaded run 'a'"))
        #expect(rows(engine.run("show lora").resultText, containing: "layers.").count == 2)
        // Training the loaded copy does not change the saved run.
        engine.run("train steps=2 batch=2")
        #expect(rows(engine.run("runs").resultText, containing: "a ").first?.contains(" 0  ") == true)
    }

    @Test func compareWithAnEqualBudget() {
        let engine = preparedEngine()
        let compare = engine.run("compare targets=q;q,v budget=equal rank=2 steps=3 batch=2 eval_tokens=512")
        #expect(compare.error == nil, "\(compare.error?.message ?? "")")
        let table = compare.resultText
        // q: 2 layers × (32+32) per rank = 128 → r=2 is 256 parameters;
        // q,v: 2 × (64 + 48) = 224 per rank → r=1 is closest to 256.
        #expect(rows(table, containing: "q,v").first?.split(separator: " ").prefix(4).map(String.init) == ["q,v", "1", "4", "224"])
        #expect(rows(table, containing: "q ").first?.split(separator: " ").prefix(4).map(String.init) == ["q", "2", "2", "256"])
        #expect(engine.run("show lora").error != nil, "compare must not change the session")
    }

    @Test func generateIsDeterministicWhenGreedy() {
        let engine = preparedEngine()
        let prompt = "generate \"<|im_start|>user\\nWho are you?<|im_end|>\\n\" max=12 temperature=0"
        let first = engine.run(prompt)
        #expect(first.error == nil)
        #expect(first.result?.plainText == engine.run(prompt).result?.plainText)
    }

    @Test func interruptStopsTrainingAndKeepsTheSessionUsable() async throws {
        let engine = preparedEngine()
        engine.run("lora targets=q,v rank=2")
        // Times are taken on the threads themselves: after `await`, this test may
        // wait for a free thread of the test pool while other suites run.
        var raised = Date()
        let (outcome, finished) = await withCheckedContinuation { continuation in
            Thread {
                let transcript = engine.run("train steps=100000 batch=2")
                continuation.resume(returning: (transcript, Date()))
            }.start()
            Thread.sleep(forTimeInterval: 0.5)
            raised = Date()
            engine.cancellation.raise()
        }
        // A step of this model takes milliseconds and the 100,000 steps minutes: returning within
        // a few seconds means it stopped at a step boundary, with room for a loaded CI machine.
        #expect(finished.timeIntervalSince(raised) < 5, "the train command returned within seconds of the interrupt")
        #expect(outcome.error?.name == "Interrupted")
        #expect(outcome.error?.message.contains("of 100000 steps; the model keeps the steps taken") == true)
        let eval = engine.run("eval batches=1 batch=2")
        #expect(eval.error == nil)
        #expect(engine.run("step batch=2").resultText.hasPrefix("step "))
    }

    @Test func completionAndInspectionKnowTheSession() {
        let engine = preparedEngine()
        engine.run("lora targets=q rank=2\nrun save r2\nrun save r8")
        #expect(engine.complete("svd layers.0.", cursor: 13).matches == ["layers.0.q", "layers.0.k", "layers.0.v", "layers.0.o", "layers.0.gate", "layers.0.up", "layers.0.down"])
        #expect(engine.complete("svd model.layers.1.self_attn.q", cursor: 30).matches == ["model.layers.1.self_attn.q_proj"])
        #expect(engine.complete("run load r", cursor: 10).matches == ["r2", "r8"])
        #expect(engine.complete("data finetune builtin:i", cursor: 23).matches == ["builtin:identity"])
        let info = engine.inspect("svd layers.0.q", cursor: 8)?.plainText ?? ""
        #expect(info.contains("model.layers.0.self_attn.q_proj (layers.0.q)"))
        #expect(info.contains("shape 32×32 [out, in], square"))
        #expect(info.contains("adapter: rank 2"))
        #expect(engine.inspect("svd layers.0.k", cursor: 8)?.plainText.contains("16×32 [out, in], not square") == true)
    }

    @Test func dataErrorsPointAtTheSource() {
        let engine = Engine.forTesting()
        #expect(engine.run("data finetune builtin:identiy").error?.message == "line 1, col 23: no built-in corpus 'identiy' (did you mean 'identity'?) (see `data list`)")
        #expect(engine.run("data finetune identity").error?.message == "line 1, col 15: no file 'identity' (did you mean 'builtin:identity'?)")
        #expect(engine.run("data finetune \"/nonexistent/x.jsonl\"").error?.message.contains("no such file") == true)
        let list = engine.run("data list").resultText
        #expect(rows(list, containing: "builtin:").count >= 2)
    }
}

@Suite("Training safety")
struct TrainingSafetyTests {
    @Test func divergenceIsUndoneAndReported() {
        let engine = Engine.forTesting()
        engine.run("\(SessionTests.small)\ndata finetune builtin:identity\nlora targets=q,v rank=2")
        let before = engine.run("eval batches=1 batch=2").resultText
        let diverged = engine.run("train steps=5 lr=1e30 batch=2")
        #expect(diverged.error?.name == "TrainingDiverged")
        #expect(diverged.error?.message.contains("that step was undone") == true)
        let after = engine.run("eval batches=1 batch=2")
        #expect(after.error == nil)
        #expect(!after.resultText.contains("nan"))
        #expect(before != "")
    }

    @Test func oversizedBatchesAndModelsAreRefused() {
        let engine = Engine.forTesting()
        // 4.7e10 parameters: more than any machine of ours holds, refused from the estimate before anything is allocated.
        let huge = engine.run("model tiny dim=76800").error?.message ?? ""
        #expect(huge.contains("this model (") && huge.contains("needs about") && huge.contains("GiB") && huge.contains("is available to this process"), "\(huge)")
        #expect(engine.run("model tiny seq=100000").error?.message.contains("more than LoRA Lab's bound of 65,536") == true)
        engine.run("\(SessionTests.small)\ndata finetune builtin:identity\nlora targets=q rank=2")
        #expect(engine.run("train batch=40000").error?.message == "line 1, col 13: batch × seq = 40000 × 128 = 5,120,000 tokens per step is more than LoRA Lab's bound of 4,194,304; use a smaller batch or seq")
    }
}
