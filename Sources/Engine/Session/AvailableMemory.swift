import Foundation

/// How much memory this process may still allocate, and where that figure
/// came from: the `LORALAB_MEMORY_LIMIT` environment variable when set (tests
/// use it, so that they do not depend on how busy the machine is), else the
/// smaller of the kernel's MemAvailable and the room left under the process's
/// cgroup memory limit (containers, CI runners).
struct AvailableMemory: Sendable, Equatable {
    var bytes: Int
    /// `LORALAB_MEMORY_LIMIT`, `MemAvailable`, `cgroup memory.max` …, for messages.
    var source: String

    static let environmentVariable = "LORALAB_MEMORY_LIMIT"

    /// Read afresh on every call: what is available changes while a session runs.
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment,
                        files: SystemFiles = .live) -> AvailableMemory? {
        if let written = environment[environmentVariable], let bytes = parseSize(written) {
            return AvailableMemory(bytes: bytes, source: environmentVariable)
        }
        var candidates: [AvailableMemory] = []
        if let meminfo = files.read("/proc/meminfo"), let bytes = memAvailable(meminfo) {
            candidates.append(AvailableMemory(bytes: bytes, source: "MemAvailable"))
        }
        if let room = cgroupRoom(files) { candidates.append(room) }
        return candidates.min { $0.bytes < $1.bytes }
    }

    /// `MemAvailable:   24047896 kB` → bytes.
    static func memAvailable(_ meminfo: String) -> Int? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    /// The limit minus the usage of this process's memory cgroup (v2, then
    /// v1), or nil when there is no limit. v1 reports "no limit" as a number
    /// near 2⁶³; anything above 2⁶⁰ counts as none.
    static func cgroupRoom(_ files: SystemFiles) -> AvailableMemory? {
        guard let membership = files.read("/proc/self/cgroup") else { return nil }
        for line in membership.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = parts[2] == "/" ? "" : String(parts[2])
            if parts[0] == "0" && parts[1].isEmpty {
                for root in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"] {
                    if let room = room(limit: "\(root)\(path)/memory.max", usage: "\(root)\(path)/memory.current", files, "cgroup memory.max") {
                        return room
                    }
                }
            } else if parts[1].split(separator: ",").contains("memory") {
                // Inside a container the cgroup's own folder is often the mount's root.
                for folder in ["/sys/fs/cgroup/memory\(path)", "/sys/fs/cgroup/memory"] {
                    if let room = room(limit: "\(folder)/memory.limit_in_bytes", usage: "\(folder)/memory.usage_in_bytes", files, "cgroup memory.limit_in_bytes") {
                        return room
                    }
                }
            }
        }
        return nil
    }

    private static func room(limit: String, usage: String, _ files: SystemFiles, _ source: String) -> AvailableMemory? {
        guard let text = files.read(limit)?.trimmingCharacters(in: .whitespacesAndNewlines), text != "max",
              let limitBytes = Int(text), limitBytes < 1 << 60 else { return nil }
        let used = files.read(usage).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        return AvailableMemory(bytes: max(0, limitBytes - used), source: source)
    }

    /// `512MiB`, `2GiB`, `1.5G`, `300000000` (bytes); binary units whether or not the `i` is written.
    static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("TiB", 0x1p40), ("GiB", 0x1p30), ("MiB", 0x1p20), ("KiB", 0x1p10),
                                         ("T", 0x1p40), ("G", 0x1p30), ("M", 0x1p20), ("K", 0x1p10), ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)),
                  number >= 0, number * factor < 0x1p62 else { return nil }
            return Int(number * factor)
        }
        guard let bytes = Int(trimmed), bytes >= 0 else { return nil }
        return bytes
    }
}

/// The files `AvailableMemory` reads, so that tests can give it a machine of their own.
struct SystemFiles: Sendable {
    var read: @Sendable (String) -> String?

    static let live = SystemFiles { path in try? String(contentsOfFile: path, encoding: .utf8) }
}
