import Foundation

/// What the processor can do, read before any numeric code runs.
///
/// The numeric modules (LinearAlgebra, MiniMind, Analysis) are compiled for
/// x86-64 with AVX2 and FMA (Package.swift). On a processor without them the
/// first vector instruction would end the process with SIGILL and no word of
/// why, so `loralab` — this target is compiled for baseline x86-64 — looks
/// first and says so.
enum ProcessorFeatures {
    /// The flags line of /proc/cpuinfo (empty where there is none).
    static func flags() -> Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// The instruction sets the numeric modules were compiled for.
    static let vectorCodeNeeds: [String] = {
        #if arch(x86_64)
        ["avx2", "fma"]
        #else
        []
        #endif
    }()

    /// Exits with a message when `flags` lack what the numeric code needs. An
    /// empty set (no /proc/cpuinfo to read) is taken on trust.
    static func requireVectorCode(_ flags: Set<String>) {
        let missing = vectorCodeNeeds.filter { !flags.contains($0) }
        guard !flags.isEmpty, !missing.isEmpty else { return }
        FileHandle.standardError.write(Data("""
            loralab: this build needs a processor with \(vectorCodeNeeds.joined(separator: " and ")) \
            (Intel Haswell, AMD Zen or later); this one lacks \(missing.joined(separator: ", ")). \
            Remove `vectorCode` from the numeric targets in Package.swift and build again.

            """.utf8))
        exit(69)  // EX_UNAVAILABLE
    }
}
