@testable import Engine
import Foundation
import Testing

/// "A failing command changes nothing": for every form of the language, a
/// session where the command would succeed, a failure injected at its last
/// possible point (the handler has returned, nothing is committed), and the
/// whole session's fingerprint compared before and after. Training commands
/// are the documented exception — steps completed before a failure stay — so
/// for them the failed session must equal the one where the command succeeded.
@Suite("transactions")
struct TransactionTests {
    /// What a successful run of the sample does to the session.
    enum Effect {
        /// Changes the session (so the unchanged check could fail).
        case changes
        /// Leaves the session as it is (shows, saves files, compares on copies).
        case keeps
        /// Takes optimizer steps: a failure after them keeps them.
        case trains
    }

    /// Sessions the samples start from. `{dir}` is a fresh folder per sample.
    enum Stage: String {
        case empty, base, adapted, dora, merged, fullyTuned, twoRuns, files, cached

        var script: String {
            let model = "model tiny dim=32 layers=2 heads=4 kv_heads=2 ffn=48 seq=64"
            let base = "\(model)\ndata pretrain \"{notes}\"\ndata finetune builtin:identity\npretrain steps=2 batch=2 seq=64"
            let adapted = "\(base)\nlora targets=q,v rank=2\nstep 2 batch=2 seq=64\nrun save first"
            switch self {
            case .empty: return ""
            case .base: return base
            case .adapted: return adapted
            case .dora: return "\(base)\nlora targets=q,gate rank=2 dora=true\nstep 1 batch=2 seq=64"
            case .merged: return "\(adapted)\nlora merge"
            case .fullyTuned: return "\(base)\nfinetune targets=ffn\nstep 1 batch=2 seq=64"
            case .twoRuns: return "\(adapted)\ntrain steps=2 batch=2 seq=64\nrun save second"
            case .cached:
                return "\(base)\nset cache=\"{dir}/cache\"\ncompare targets=q rank=2 steps=2 batch=2 seq=64 eval_tokens=64"
            case .files:
                return "\(adapted)\nsave model \"{dir}/model\"\nsave adapter \"{dir}/adapter\"\nrun save third to \"{dir}/run\"\nlora detach"
            }
        }
    }

    struct Sample: CustomStringConvertible {
        var stage: Stage
        var line: String
        var effect: Effect
        var description: String { "\(stage.rawValue): \(line)" }
    }

    /// Sample invocations of every form, by the form's name. A form missing
    /// here fails `everyFormHasASample`: a new command must say how it is tested.
    static let samples: [String: [Sample]] = [
        "help": [Sample(stage: .empty, line: "help", effect: .keeps), Sample(stage: .adapted, line: "help lora", effect: .keeps)],
        "print": [Sample(stage: .adapted, line: "print hello", effect: .keeps)],
        "warn": [Sample(stage: .adapted, line: "warn careful", effect: .keeps)],
        "clear": [Sample(stage: .adapted, line: "clear", effect: .keeps)],
        "set": [Sample(stage: .adapted, line: "set seed=7", effect: .changes), Sample(stage: .adapted, line: "set", effect: .keeps),
                Sample(stage: .adapted, line: "set cache=\"{dir}/cache\"", effect: .changes),
                Sample(stage: .cached, line: "set cache=off", effect: .changes)],
        "cache": [Sample(stage: .cached, line: "cache", effect: .keeps)],
        "cache check": [Sample(stage: .cached, line: "cache check sample=1", effect: .keeps)],
        "cache witness": [Sample(stage: .cached, line: "cache witness sample=1", effect: .keeps)],
        "reset": [Sample(stage: .adapted, line: "reset", effect: .changes)],
        "model": [Sample(stage: .adapted, line: "model tiny dim=16 layers=1 heads=2 kv_heads=2 ffn=32 seq=32", effect: .changes),
                  Sample(stage: .empty, line: "model tiny dim=16 layers=1 heads=2 kv_heads=2 ffn=32 seq=32", effect: .changes)],
        "show model": [Sample(stage: .adapted, line: "show model", effect: .keeps)],
        "data pretrain": [Sample(stage: .adapted, line: "data pretrain builtin:tinystories", effect: .changes)],
        "data finetune": [Sample(stage: .adapted, line: "data finetune builtin:uppercase", effect: .changes)],
        "data list": [Sample(stage: .adapted, line: "data list", effect: .keeps)],
        "lora": [Sample(stage: .adapted, line: "lora targets=o rank=2", effect: .changes),
                 Sample(stage: .base, line: "lora targets=q,v rank=2 init=pissa", effect: .changes),
                 Sample(stage: .base, line: "lora targets=k rank=2 dora=true init=pissa", effect: .changes),
                 Sample(stage: .adapted, line: "lora targets=all-linear dry=true", effect: .keeps)],
        "lora merge": [Sample(stage: .adapted, line: "lora merge", effect: .changes),
                       Sample(stage: .dora, line: "lora merge", effect: .changes)],
        "lora unmerge": [Sample(stage: .merged, line: "lora unmerge", effect: .changes)],
        "lora detach": [Sample(stage: .adapted, line: "lora detach", effect: .changes),
                        Sample(stage: .merged, line: "lora detach", effect: .changes)],
        "show lora": [Sample(stage: .adapted, line: "show lora", effect: .keeps)],
        "finetune": [Sample(stage: .base, line: "finetune targets=ffn", effect: .changes)],
        "pretrain": [Sample(stage: .base, line: "pretrain steps=2 batch=2 seq=64", effect: .trains)],
        "step": [Sample(stage: .adapted, line: "step 2 batch=2 seq=64", effect: .trains),
                 Sample(stage: .adapted, line: "step batch=3 seq=64 lr=1e-4", effect: .trains),
                 Sample(stage: .fullyTuned, line: "step batch=2 seq=64", effect: .trains),
                 Sample(stage: .dora, line: "step batch=2 seq=64", effect: .trains)],
        "train": [Sample(stage: .adapted, line: "train steps=2 batch=2 seq=64", effect: .trains)],
        "eval": [Sample(stage: .adapted, line: "eval batches=1 batch=2 seq=64", effect: .keeps),
                 Sample(stage: .adapted, line: "eval batches=1 batch=2 seq=64 match=true", effect: .keeps)],
        "generate": [Sample(stage: .adapted, line: "generate \"Hi\" max=3", effect: .keeps)],
        "svd": [Sample(stage: .adapted, line: "svd layers.0.q top=2", effect: .keeps)],
        "spectrum": [Sample(stage: .adapted, line: "spectrum", effect: .keeps)],
        "similarity": [Sample(stage: .twoRuns, line: "similarity first second matrix=layers.0.q", effect: .keeps)],
        "amplification": [Sample(stage: .adapted, line: "amplification matrix=layers.0.q", effect: .keeps)],
        "intruders": [Sample(stage: .fullyTuned, line: "intruders matrix=layers.0.up k=2", effect: .keeps)],
        "truncate": [Sample(stage: .fullyTuned, line: "truncate rank=1", effect: .changes),
                     Sample(stage: .fullyTuned, line: "truncate rank=2 matrix=layers.1.down", effect: .changes),
                     Sample(stage: .fullyTuned, line: "truncate rank=1,2", effect: .keeps)],
        "save model": [Sample(stage: .adapted, line: "save model \"{dir}/again\"", effect: .keeps)],
        "save adapter": [Sample(stage: .adapted, line: "save adapter \"{dir}/again\"", effect: .keeps)],
        "save logits": [Sample(stage: .adapted, line: "save logits \"{dir}/logits.safetensors\" text=\"Hi\"", effect: .keeps)],
        "model load": [Sample(stage: .files, line: "model load \"{dir}/model\"", effect: .changes)],
        "lora load": [Sample(stage: .files, line: "lora load \"{dir}/adapter\"", effect: .changes)],
        "run save": [Sample(stage: .adapted, line: "run save extra", effect: .changes),
                     Sample(stage: .adapted, line: "run save extra to \"{dir}/extra\"", effect: .changes)],
        "run load": [Sample(stage: .twoRuns, line: "run load first", effect: .changes),
                     Sample(stage: .files, line: "run load fourth from \"{dir}/run\"", effect: .changes)],
        "runs": [Sample(stage: .twoRuns, line: "runs", effect: .keeps)],
        "compare": [Sample(stage: .base, line: "compare targets=q;v budget=rank rank=2 steps=1 batch=2 seq=64", effect: .keeps),
                    Sample(stage: .base, line: "compare targets=q;v rank=2 steps=1 batch=2 seq=64 seeds=1-2 lrs=1e-3,1e-2 eval_tokens=64", effect: .keeps),
                    Sample(stage: .base, line: "compare targets=q;v rank=2 steps=1 batch=2 seq=64 eval_tokens=64 match=true", effect: .keeps),
                    Sample(stage: .base, line: "compare method=full targets=q;v steps=1 batch=2 seq=64 eval_tokens=64", effect: .keeps)],
        "sweep": [Sample(stage: .base, line: "sweep targets=q rank=1,2 steps=1 batch=2 seq=64 seeds=1-2 eval_tokens=64", effect: .keeps),
                  Sample(stage: .base, line: "sweep targets=q rank=1,2 steps=1 batch=2 seq=64 eval_tokens=64 match=true", effect: .keeps),
                  Sample(stage: .base, line: "sweep targets=q rank=1,2 alpha=4 rslora=true steps=1 batch=2 seq=64 eval_tokens=64", effect: .keeps),
                  Sample(stage: .base, line: "sweep method=full targets=q lr=1e-3,2e-3 steps=1 batch=2 seq=64 eval_tokens=64", effect: .keeps)],
    ]

    struct InjectedFailure: Error, CustomStringConvertible {
        var description: String { "injected failure at the commit point" }
    }

    /// A small pre-training text, at one path for every session (the path is part of the data choice).
    static let notesFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("transactions-notes.txt").path
        let notes = String(repeating: "Once upon a time a small cat sat on a warm mat and purred.\n\n", count: 40)
        try? notes.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    /// An engine at `stage`, with its own folder for the files it writes.
    static func engine(at stage: Stage) -> (Engine, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("transactions-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let engine = Engine.forTesting()
        if !stage.script.isEmpty {
            let setup = engine.run(stage.script.replacingOccurrences(of: "{dir}", with: dir)
                .replacingOccurrences(of: "{notes}", with: notesFile))
            #expect(setup.error == nil, "\(stage): \(setup.error?.message ?? "")")
        }
        return (engine, dir)
    }

    @Test func everyFormHasASample() {
        for spec in CommandCatalog.standard.specs {
            #expect(Self.samples[spec.name]?.isEmpty == false,
                    "`\(spec.name)` has no sample in TransactionTests.samples: add one (with its effect) so that its failures are checked")
        }
        let names = Set(CommandCatalog.standard.specs.map(\.name))
        for name in Self.samples.keys { #expect(names.contains(name), "sample for `\(name)`, which is no form of the language") }
    }

    @Test(arguments: samples.keys.sorted())
    func aFailureAtTheLastPointChangesNothing(form: String) throws {
        for sample in Self.samples[form] ?? [] {
            // The same command, succeeding, in a twin session: what it would have done.
            let (twin, twinDir) = Self.engine(at: sample.stage)
            let before = SessionFingerprint(twin)
            let success = twin.run(sample.line.replacingOccurrences(of: "{dir}", with: twinDir))
            #expect(success.error == nil, "\(sample): \(success.error?.message ?? "")")
            let succeeded = SessionFingerprint(twin)
            switch sample.effect {
            case .changes, .trains:
                #expect(succeeded != before, "\(sample) succeeded without changing the session: the check below could not fail")
            case .keeps:
                #expect(succeeded.changedParts(from: before) == [], "\(sample) should leave the session as it is")
            }

            let (engine, dir) = Self.engine(at: sample.stage)
            let start = SessionFingerprint(engine)
            #expect(start == before, "\(sample): two sessions set up alike differ in \(start.changedParts(from: before))")
            engine.failureAtCommit = InjectedFailure()
            let failed = engine.run(sample.line.replacingOccurrences(of: "{dir}", with: dir))
            #expect(failed.error?.message.contains("injected failure") == true, "\(sample): \(failed.error?.message ?? "no error")")
            #expect(failed.result == nil, "\(sample): a failed command published a result")
            let after = SessionFingerprint(engine)
            if sample.effect == .trains {
                // Its steps happened before the failure: they stay, recorded as a success records them.
                #expect(after.changedParts(from: succeeded) == [], "\(sample): the kept steps are inconsistent in \(after.changedParts(from: succeeded))")
            } else {
                #expect(after.changedParts(from: start) == [], "\(sample): the failed command changed \(after.changedParts(from: start))")
            }
            // And the session goes on: the same command now succeeds as in the twin.
            if sample.effect != .trains {
                let retry = engine.run(sample.line.replacingOccurrences(of: "{dir}", with: dir))
                #expect(retry.error == nil, "\(sample) retried: \(retry.error?.message ?? "")")
                if !sample.line.contains("{dir}") {
                    #expect(SessionFingerprint(engine).changedParts(from: succeeded) == [], "\(sample): the retry differs from the twin")
                }
            }
        }
    }

    // MARK: Natural failures

    /// Commands refused by their own checks, deep in the model or at a limit before they start.
    @Test(arguments: [
        (Stage.adapted, "lora targets=q rank=2"),                 // q already adapted (the model refuses)
        (Stage.adapted, "lora targets=o,up rank=40"),             // rank above min(out, in) of up
        (Stage.adapted, "lora unmerge"),                          // not merged
        (Stage.adapted, "finetune targets=ffn"),                  // adapters attached
        (Stage.adapted, "pretrain steps=2 batch=2 seq=64"),       // adapters attached
        (Stage.merged, "step batch=2 seq=64"),                    // merged adapters do not train
        (Stage.adapted, "step batch=200000 seq=32"),                 // more tokens per step than allowed
        (Stage.adapted, "train steps=3 batch=2 seq=2"),           // no batch with targets before the first step
        (Stage.adapted, "step 3 batch=2 seq=2 lr=5e-4"),          // the same, after `step` has set the rate
        (Stage.adapted, "step lr=1e30 batch=2 seq=64"),           // diverges at its first step: refused, nothing written
        (Stage.files, "lora load \"{dir}/missing\""),             // no such folder
        (Stage.files, "run load fifth from \"{dir}/model\""),     // not a run folder
    ])
    func aCommandThatFailsByItselfChangesNothing(stage: Stage, line: String) {
        let (engine, dir) = Self.engine(at: stage)
        let before = SessionFingerprint(engine)
        let failed = engine.run(line.replacingOccurrences(of: "{dir}", with: dir))
        #expect(failed.error != nil, "\(line) should fail")
        #expect(SessionFingerprint(engine).changedParts(from: before) == [], "\(line): \(failed.error?.message ?? "")")
    }

    /// The bug this replaces: `train` that meets a batch without targets after
    /// some steps used to throw with the weights changed and the session not.
    /// Now it stops between steps, keeping the steps, their losses, the
    /// optimizer and the data order, and says so.
    @Test func trainingThatCannotGoOnKeepsItsStepsConsistently() throws {
        let (engine, _) = Self.engine(at: .adapted)
        let before = try #require(engine.state.lab)
        let stepsBefore = before.steps(in: .finetune)
        let failed = engine.run("train steps=300 batch=1 seq=36")
        let error = try #require(failed.error, "identity at seq=36 has conversations cut before the answer")
        #expect(error.name == "TrainingStopped", "\(error.message)")
        let lab = try #require(engine.state.lab)
        let trainer = try #require(lab.stepper)
        let kept = lab.steps(in: .finetune) - stepsBefore
        #expect(kept > 0 && kept < 300, "\(error.message)")
        #expect(error.message.contains("\(kept) of 300 steps taken and kept"), "\(error.message)")
        #expect(trainer.stepCount == kept, "the optimizer took as many steps as the loss history shows")
        #expect(lab.lossHistory.suffix(kept).map(\.loss) == trainer.history.map(\.loss))
        // The session goes on from there.
        #expect(engine.run("step batch=2 seq=64").error == nil)
    }

    @Test func helpSaysWhatATrainingCommandKeeps() {
        let engine = Engine.forTesting()
        for verb in ["pretrain", "train", "step"] {
            let page = engine.run("help \(verb)").resultText
            #expect(page.contains("it keeps the steps it completed"), "help \(verb): \(page)")
        }
        #expect(engine.run("help").resultText.contains("A failing command changes nothing"))
    }
}
