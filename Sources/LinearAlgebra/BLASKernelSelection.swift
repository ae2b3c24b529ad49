import COpenBLAS
import Foundation

/// OpenBLAS (Debian 12's 0.3.21, DYNAMIC_ARCH) picks its kernels when the
/// library loads, before `main`, from `OPENBLAS_CORETYPE` or its own reading
/// of the processor. Two things make its own choice wrong for LoRA Lab:
///
/// - It does not recognise recent Intel server processors (Sapphire/Emerald
///   Rapids) and falls back to its Prescott kernels: SSE3 code, several times
///   slower than the AVX-512 kernels the processor can run.
/// - Kernel families sum in different orders, so the same run gives different
///   bits under each, and a long training at a high learning rate amplifies
///   them into different results (docs/design.md, "Across processors"). An
///   AMD Zen 4 gets the Cooperlake kernels, an Intel Xeon with the same
///   features fell back and was moved to SkylakeX: the two machine kinds this
///   project runs on computed different numbers.
///
/// So on a processor with AVX-512 the family is named from the processor's
/// features alone — Cooperlake with AVX512-BF16, else SkylakeX — whatever
/// OpenBLAS detected, and processors with the same features compute the same
/// bits. Elsewhere only a fallback is corrected (Haswell with AVX2 and FMA).
/// The remedy is to re-execute the program once with the variable set.
/// Nothing changes when the user set `OPENBLAS_CORETYPE`.
public enum BLASKernelSelection {
    /// The kernel family OpenBLAS chose at load time, e.g. `Prescott`, `SkylakeX`, `Zen`.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    static let avx512: Set<String> = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]

    /// The core type to ask for, or nil when OpenBLAS's own choice should stand.
    public static func betterCoreType(currentCore: String, cpuFlags: Set<String>) -> String? {
        let wanted: String? = if cpuFlags.isSuperset(of: avx512) {
            cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        } else if fallbackCores.contains(currentCore.lowercased()), cpuFlags.isSuperset(of: ["avx2", "fma"]) {
            "Haswell"
        } else {
            nil
        }
        guard let wanted, wanted.lowercased() != currentCore.lowercased() else { return nil }
        return wanted
    }

    /// The generic families OpenBLAS falls back to on a processor it does not know.
    private static let fallbackCores: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom",
                                                     "katmai", "coppermine", "northwood", "banias", "unknown"]

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
