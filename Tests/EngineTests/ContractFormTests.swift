import Engine
import Testing

/// Every form of docs/language.md, exactly as written, is understood: run on an
/// empty session it either works or fails only because there is no model,
/// data or run yet (a CommandError, or no saved run 'r8'), never as a syntax or argument error.
@Suite("docs/language.md forms")
struct ContractFormTests {
    static let forms = [
        "help", "help lora", "lora?", "print \"hello, world\"", "warn \"text\"", "clear",
        "model tiny", "model tiny dim=64 layers=2 heads=4 kv_heads=4 ffn=192 seq=64", "show model",
        "data pretrain builtin:tinystories", "data finetune builtin:identity", "data finetune \"path/to/file.jsonl\"", "data list",
        "pretrain steps=300 lr=3e-3 batch=16",
        "lora targets=square rank=8", "lora targets=q,v rank=4 alpha=8", "lora targets=attn rank=8", "lora targets=all-linear rank=8",
        "lora targets=q,v layers=0-1 rank=4 init=pissa rslora=true dropout=0.05", "lora targets=square dry=true",
        "show lora", "lora merge", "lora unmerge", "lora detach",
        "finetune targets=ffn", "step", "step 10", "train steps=200 lr=1e-3 batch=8", "eval",
        "generate \"<|im_start|>user\\nWho are you?<|im_end|>\\n\" max=40",
        "svd model.layers.0.self_attn.q_proj", "svd layers.0.q", "spectrum",
        "similarity r8 r64 matrix=layers.0.q", "amplification matrix=layers.0.q", "intruders matrix=layers.0.q k=10 eps=0.5",
        "run save r8", "runs", "run load r8",
        "compare targets=square;q,v;attn;all-linear budget=equal steps=200",
        "compare targets=q,v;ffn steps=100 seeds=1-3 lrs=1e-3,3e-3,1e-2", "eval tokens=4096", "eval match=true",
        "sweep targets=q,v rank=1,2,4,8 alpha=16 steps=100 seeds=1-3", "sweep targets=q,v lr=1e-4,3e-4,1e-3,3e-3 seeds=1-3",
        "compare method=full targets=ffn;attn;all-linear steps=150 lr=1e-3 seeds=1-3", "sweep method=full targets=q,v lr=1e-3,2e-3 steps=150 seeds=1-3",
        "truncate rank=4", "truncate rank=1,2,4,8,16,32,64,128",
        "set seed=1", "set cache=off", "cache", "cache check sample=3 seed=7", "cache witness sample=4 seed=2", "reset",
    ]

    @Test(arguments: forms)
    func formIsUnderstood(form: String) {
        let engine = Engine.forTesting()
        #expect(engine.isComplete(form) == .complete)
        // The model forms would really build; everything else meets an empty session.
        guard !form.hasPrefix("model ") else { return }
        let outcome = engine.run(form)
        if let error = outcome.error {
            let missingRun = error.name == "NameError" && error.message.contains("no saved run 'r8'")
            #expect(error.name == "CommandError" || missingRun, "\(form): \(error.message)")
        }
    }

    @Test func modelFormsBuild() {
        let engine = Engine.forTesting()
        #expect(engine.run("model tiny").resultText.contains("dim=128 layers=4 heads=4 kv_heads=2 ffn=384"))
        #expect(engine.run("model tiny dim=64 layers=2 heads=4 kv_heads=4 ffn=192 seq=64").resultText
                .contains("dim=64 layers=2 heads=4 kv_heads=4 ffn=192 vocab=259 seq=64"))
    }
}
