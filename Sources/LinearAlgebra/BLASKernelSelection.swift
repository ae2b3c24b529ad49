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
/// So every processor with AVX2 and FMA — every x86-64 server of the last
/// decade, Intel from Haswell, AMD from Zen — runs the Haswell kernels,
/// whatever OpenBLAS detected: the same run computes the same bits on all of
/// them (OpenBLAS sets this family's blocking from constants, not from the
/// caches it finds, and these machines all have two cores). On a Zen the
/// Zen family is the Haswell code (checked: a trained adapter and its AdamW
/// moments are byte for byte equal under both). The price is AVX-512 on the
/// processors that have it, which large products would use; a user who wants
/// it sets `OPENBLAS_CORETYPE` (say `Cooperlake`), which is never overridden,
/// and gets numbers that differ in their last bits from the committed caches.
/// The remedy is to re-execute the program once with the variable set.
public enum BLASKernelSelection {
    /// The kernel family OpenBLAS chose at load time, e.g. `Haswell`, `SkylakeX`, `Zen`.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The one family every processor with AVX2 and FMA runs.
    public static let reproducibleFamily = "Haswell"

    /// The core type to ask for, or nil when OpenBLAS's own choice should stand.
    public static func betterCoreType(currentCore: String, cpuFlags: Set<String>) -> String? {
        guard cpuFlags.isSuperset(of: ["avx2", "fma"]), currentCore.lowercased() != reproducibleFamily.lowercased() else { return nil }
        return reproducibleFamily
    }

    /// The flags line of /proc/cpuinfo (empty where there is none).
    public static func cpuFlags() -> Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Set (to the core type) in the re-executed process, so that it knows the
    /// choice was ours and not the user's.
    static let chosenMarker = "LORALAB_CHOSE_OPENBLAS_CORETYPE"

    /// Re-executes this program with `OPENBLAS_CORETYPE` set when OpenBLAS's
    /// choice is not the one named above. Returns (doing nothing) otherwise or
    /// if the exec fails.
    public static func reexecuteIfMisdetected() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let core = betterCoreType(currentCore: coreName, cpuFlags: cpuFlags()) else { return }
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
