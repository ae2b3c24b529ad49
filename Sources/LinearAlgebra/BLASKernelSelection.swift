import COpenBLAS
import Foundation

/// Debian 12's OpenBLAS (0.3.21, DYNAMIC_ARCH) does not recognise recent Intel
/// server processors (Sapphire/Emerald Rapids) and falls back to its Prescott
/// kernels — SSE3 code, several times slower than the AVX-512 kernels the
/// processor can run. OpenBLAS picks its kernels when the library loads,
/// before `main`, from `OPENBLAS_CORETYPE`; so the remedy is to re-execute
/// the program once with that variable set.
///
/// Nothing changes when the user set `OPENBLAS_CORETYPE`, when OpenBLAS
/// already chose a modern kernel, or when the processor lacks the features
/// of the kernel we would name.
public enum BLASKernelSelection {
    /// The kernel family OpenBLAS chose at load time, e.g. `Prescott`, `SkylakeX`, `Zen`.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The core type to ask for, or nil when OpenBLAS's own choice should stand.
    /// `cpuFlags` is only read when OpenBLAS fell back (it reads /proc/cpuinfo at start-up).
    public static func betterCoreType(currentCore: String, cpuFlags: @autoclosure () -> Set<String>) -> String? {
        let fallbackCores: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai",
                                          "coppermine", "northwood", "banias", "unknown"]
        guard fallbackCores.contains(currentCore.lowercased()) else { return nil }
        let cpuFlags = cpuFlags()
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
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

    /// Re-executes this program with `OPENBLAS_CORETYPE` set when OpenBLAS fell
    /// back to a generic kernel on a processor that can do better. Returns
    /// (doing nothing) otherwise or if the exec fails.
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
