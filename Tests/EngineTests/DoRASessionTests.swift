import Engine
import Foundation
import Testing

/// `lora … dora=true` through the whole command language: attach, show, train,
/// analyse the full-rank ΔW, merge and unmerge.
@Suite("DoRA in a session")
struct DoRASessionTests {
    private func engineWithDoRA() -> Engine {
        let engine = Engine.forTesting()
        let setup = engine.run("""
            \(SessionTests.small)
            data finetune builtin:identity
            lora targets=q,v rank=2 dora=true
            """)
        #expect(setup.error == nil, "\(setup.error?.message ?? "")")
        return engine
    }

    private func row(_ table: String, _ name: String) -> String? {
        table.split(separator: "\n").map(String.init).first { $0.hasPrefix(name + " ") }
    }

    @Test func attachCountsTheMagnitude() {
        let engine = Engine.forTesting()
        engine.run(SessionTests.small)
        let attached = engine.run("lora targets=q,v rank=2 dora=true")
        // q 32×32: 2·(32+32) + 32 = 160; v 16×32: 2·(32+16) + 16 = 112; two layers.
        #expect(attached.resultText.hasPrefix("attached 4 DoRA adapters"), "\(attached.resultText)")
        #expect(attached.resultText.contains("544 trainable parameters"), "\(attached.resultText)")
        let table = engine.run("show lora").resultText
        #expect(row(table, "layers.0.q")?.contains("peft dora") == true, "\(table)")
        #expect(row(table, "layers.0.q")?.contains("160") == true, "\(table)")
        #expect(row(table, "layers.1.v")?.contains("112") == true, "\(table)")
        #expect(engine.run("show model").resultText.contains("model.layers.0.self_attn.q_proj.lora_magnitude_vector"))
    }

    @Test func doraRefusesDropoutAndAttachesNothing() {
        let engine = Engine.forTesting()
        engine.run(SessionTests.small)
        let error = engine.run("lora targets=q rank=2 dora=true dropout=0.1").error
        #expect(error?.message.contains("dora=true supports dropout=0 only") == true, "\(error?.message ?? "")")
        #expect(engine.run("show lora").error != nil)
    }

    @Test func trainedDoRAHasAFullRankUpdate() {
        let engine = engineWithDoRA()
        #expect(engine.run("step 3 lr=1e-2 batch=2 seq=64").error == nil)
        let spectrum = engine.run("spectrum").resultText
        #expect(row(spectrum, "layers.0.q")?.contains("DoRA r=2") == true, "\(spectrum)")
        let svd = engine.run("svd layers.0.q top=32").resultText
        #expect(svd.contains("DoRA r=2"))
        // More than r = 2 non-zero singular values: the magnitude rescales whole rows.
        let listed = svd.split(separator: "\n").filter { $0.drop { $0 == " " }.first?.isNumber == true }
        #expect(listed.count > 2, "\(svd)")
    }

    @Test func mergeAndUnmergeKeepTheLoss() {
        let engine = engineWithDoRA()
        engine.run("step 2 lr=1e-2 batch=2 seq=32")
        let before = engine.run("eval batch=2 seq=32").resultText
        #expect(engine.run("lora merge").error == nil)
        #expect(engine.run("eval batch=2 seq=32").resultText == before)
        #expect(engine.run("lora unmerge").error == nil)
        #expect(engine.run("eval batch=2 seq=32").resultText == before)
    }
}
