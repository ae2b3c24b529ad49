import COpenBLAS
import Foundation

/// OpenBLAS (Debian 12's 0.3.21, DYNAMIC_ARCH) picks its kernels when the
/// library loads, before `main`, from `OPENBLAS_CORETYPE` or its own reading
/// of the processor. Kernel families sum in different orders, so the same run
/// gives different bits under each, and a long training or a high learning
/// rate amplifies them into different results: runs cached on an AMD Zen 4
/// (Cooperlake kernels) did not reproduce on an AMD Zen (Zen kernels) — 500
/// steps of LoRA on every linear layer ended at a held-out loss of 0.261 for
/// a cached 0.237, three times the spread between seeds (docs/design.md,
/// "Across processors"). OpenBLAS also does not recognise recent Intel server
/// processors and falls back to SSE3 code.
///
/// So the family is named from the processor's features alone, whatever
/// OpenBLAS detected, and processors with the same features compute with the
/// same kernels: Cooperlake with AVX512-BF16 (the Zen 4 and the Sapphire
/// Rapids Xeons alike), SkylakeX with AVX-512 alone, Haswell with AVX2 and FMA
/// but no AVX-512 (AMD's Zen 1 to 3 among them, whose own Zen family is the
/// Haswell code: a trained adapter and its AdamW moments came out byte for
/// byte equal under both). Each run-cache entry records the family that made
/// it. Nothing changes when the user set `OPENBLAS_CORETYPE`. The remedy is
/// to re-execute the program once with the variable set.
public enum BLASKernelSelection {
    /// The kernel family OpenBLAS chose at load time, e.g. `Haswell`, `SkylakeX`, `Cooperlake`.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    static let avx512: Set<String> = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]

    /// The core type to ask for, or nil when OpenBLAS's own choice should stand.
    public static func betterCoreType(currentCore: String, cpuFlags: Set<String>) -> String? {
        let wanted: String? = if cpuFlags.isSuperset(of: avx512) {
            cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        } else if cpuFlags.isSuperset(of: ["avx2", "fma"]) {
            "Haswell"
        } else {
            nil
        }
        guard let wanted, wanted.lowercased() != currentCore.lowercased() else { return nil }
        return wanted
    }

    /// Set (to the core type) in the re-executed process, so that it knows the
    /// choice was ours and not the user's.
    static let chosenMarker = "LORALAB_CHOSE_OPENBLAS_CORETYPE"

    /// Re-executes this program with `OPENBLAS_CORETYPE` set when OpenBLAS's
    /// choice is not the one named above for a processor with `cpuFlags` (the
    /// flags line of /proc/cpuinfo). Returns (doing nothing) otherwise or if
    /// the exec fails.
    public static func reexecuteIfMisdetected(cpuFlags: Set<String>) {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let core = betterCoreType(currentCore: coreName, cpuFlags: cpuFlags) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(chosenMarker, core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the kernels we have.
    }

    /// What a launcher of this program (a kernelspec's `env`) should set so
    /// that the child starts on the right kernels without re-executing:
    /// `OPENBLAS_CORETYPE` when this process had to choose it, else nothing.
    public static var environmentForLaunchers: [String: String] {
        guard let core = ProcessInfo.processInfo.environment[chosenMarker] else { return [:] }
        return ["OPENBLAS_CORETYPE": core]
    }
}
