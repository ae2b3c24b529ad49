import Engine
import Foundation
import Testing

/// model load, save model | adapter | logits, lora load, run save … to / run load … from,
/// driven through the language as a user types them.
@Suite("file commands")
struct FileCommandTests {
    static func folder() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("file-commands-\(UUID().uuidString)")
        return url.path
    }

    static let small = "model tiny dim=32 layers=2 heads=4 kv_heads=2 ffn=48 seq=32"

    func ok(_ engine: Engine, _ code: String) -> Transcript {
        let transcript = engine.run(code)
        #expect(transcript.error == nil, "\(code): \(transcript.error?.message ?? "")")
        return transcript
    }

    @Test func saveAndLoadAModelAndItsAdaptersGiveTheSameLogits() throws {
        let dir = Self.folder()
        let engine = Engine.forTesting()
        _ = ok(engine, Self.small + " qk_norm=true")
        _ = ok(engine, "data finetune builtin:identity\nlora targets=q,v rank=2\nstep 2 lr=0.01")
        _ = ok(engine, "save logits \"\(dir)/before.safetensors\" text=\"abc\"")
        #expect(ok(engine, "save model \"\(dir)/base\"").resultText.contains("Qwen3ForCausalLM"))
        _ = ok(engine, "save adapter \"\(dir)/adapter\" base=\"\(dir)/base\"")

        let other = Engine.forTesting()
        _ = ok(other, "model load \"\(dir)/base\"\nlora load \"\(dir)/adapter\"")
        _ = ok(other, "save logits \"\(dir)/after.safetensors\" text=\"abc\"")
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/before.safetensors"))
        let after = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/after.safetensors"))
        #expect(before == after)
    }

    @Test func aFailedLoadChangesNothing() throws {
        let dir = Self.folder()
        let engine = Engine.forTesting()
        _ = ok(engine, Self.small)
        _ = ok(engine, "lora targets=q rank=2")
        let shown = ok(engine, "show lora").resultText
        let model = ok(engine, "show model").resultText

        try FileManager.default.createDirectory(atPath: "\(dir)/broken", withIntermediateDirectories: true)
        try Data("{\"model_type\": \"llama\", \"hidden_size\": 32, \"attention_bias\": true}".utf8)
            .write(to: URL(fileURLWithPath: "\(dir)/broken/config.json"))
        let refused = engine.run("model load \"\(dir)/broken\"")
        #expect(refused.error?.message.contains("num_hidden_layers") == true || refused.error?.message.contains("attention_bias") == true,
                "\(refused.error?.message ?? "no error")")
        #expect(engine.run("model load \"\(dir)/nowhere\"").error?.message.contains("is not a folder") == true)
        // An adapter for another shape: refused, naming the tensor; the attached one stays.
        let big = Engine.forTesting()
        _ = ok(big, "model tiny dim=64 layers=2 heads=4 kv_heads=2 ffn=48 seq=32\nlora targets=k rank=2")
        _ = ok(big, "save adapter \"\(dir)/k\"")
        let wrong = engine.run("lora load \"\(dir)/k\"")
        #expect(wrong.error?.message.contains("already has adapters") == true, "\(wrong.error?.message ?? "")")
        _ = ok(engine, "lora detach")
        let mismatch = engine.run("lora load \"\(dir)/k\"")
        #expect(mismatch.error?.message.contains("model.layers.0.self_attn.k_proj.lora_A.weight") == true, "\(mismatch.error?.message ?? "")")
        #expect(engine.run("show lora").error != nil) // still none attached
        _ = ok(engine, "lora targets=q rank=2")
        #expect(ok(engine, "show lora").resultText == shown)
        #expect(ok(engine, "show model").resultText == model)
    }

    @Test func runSaveToAFolderResumesTraining() throws {
        let dir = Self.folder()
        let engine = Engine.forTesting()
        _ = ok(engine, Self.small + "\ndata finetune builtin:identity\nlora targets=q,v rank=2\nstep 3 lr=0.01")
        #expect(ok(engine, "run save r1 to \"\(dir)/r1\"").resultText.contains("with the optimizer after 3 steps"))
        _ = ok(engine, "step 2 lr=0.01")
        let straight = ok(engine, "save logits \"\(dir)/straight.safetensors\"")
        #expect(straight.error == nil)

        let other = Engine.forTesting()
        _ = ok(other, "data finetune builtin:identity")
        let loaded = ok(other, "run load r1 from \"\(dir)/r1\"").resultText
        #expect(loaded.contains("optimizer restored after 3 steps"))
        #expect(loaded.contains("step's data order continues where it was"))
        #expect(ok(other, "runs").resultText.contains("r1"))
        _ = ok(other, "save logits \"\(dir)/resumed.safetensors\"")
        // Optimizer, weights and data order as they were: the next two steps are the ones the first session took.
        _ = ok(other, "step 2 lr=0.01")
        _ = ok(other, "save logits \"\(dir)/continued.safetensors\"")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/continued.safetensors"))
                == Data(contentsOf: URL(fileURLWithPath: "\(dir)/straight.safetensors")))
        // On other data the order cannot continue: it starts afresh.
        let elsewhere = Engine.forTesting()
        _ = ok(elsewhere, "data finetune builtin:facts")
        #expect(!ok(elsewhere, "run load r1 from \"\(dir)/r1\"").resultText.contains("data order continues"))
        _ = ok(engine, "run load r1")
        _ = ok(engine, "save logits \"\(dir)/saved.safetensors\"")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/resumed.safetensors"))
                == Data(contentsOf: URL(fileURLWithPath: "\(dir)/saved.safetensors")))
        #expect(engine.run("run save r2 to").error?.message.contains("run save NAME to") == true)
        #expect(engine.run("run load r9 from \"\(dir)/none\"").error?.message.contains("is not a folder") == true)
    }
}
