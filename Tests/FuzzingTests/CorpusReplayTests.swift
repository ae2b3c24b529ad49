import Checkpoint
import Corpus
import Engine
import JupyterKernel
import Testing

/// Every committed fuzz input, through the same entry points the libFuzzer
/// binaries call, in the ordinary build: CI replays the corpora without an
/// instrumented build, and a crash once found stays fixed.
@Suite struct CorpusReplayTests {
    @Test func commandCorpus() {
        replay("commands", CommandLineFuzzing.check)
    }

    @Test func wireCorpus() {
        replay("wire", WireFuzzing.check)
    }

    @Test func jsonlCorpus() {
        replay("jsonl", DatasetFuzzing.check)
    }

    @Test func safetensorsCorpus() {
        replay("safetensors", SafeTensorsFuzzing.check)
    }

    @Test func tokenizerCorpus() {
        replay("tokenizer", TokenizerFuzzing.check)
    }

    @Test func pickleCorpus() {
        replay("pickle", TorchCheckpointFuzzing.check)
    }

    private func replay(_ target: String, _ check: ([UInt8]) -> [String]) {
        let inputs = FuzzCorpus.inputs(of: target)
        // The seed corpus is committed: an empty list means the folder moved, not that all is well.
        #expect(inputs.count >= 10, "fuzz/corpus/\(target) has \(inputs.count) inputs")
        for input in inputs {
            let violations = check(input.bytes)
            #expect(violations.isEmpty, "\(input.name): \(violations.joined(separator: "; "))")
        }
    }
}
