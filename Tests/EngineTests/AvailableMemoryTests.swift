@testable import Engine
import MiniMind
import Testing

/// Where the memory limit comes from, read from machines made of files.
@Suite struct AvailableMemoryTests {
    static let meminfo = "MemTotal:       25165824 kB\nMemFree:         1000000 kB\nMemAvailable:   20971520 kB\nBuffers: 1 kB\n"

    static func machine(_ files: [String: String]) -> SystemFiles {
        SystemFiles { files[$0] }
    }

    @Test func memAvailableWithoutACgroupLimit() {
        let files = Self.machine(["/proc/meminfo": Self.meminfo, "/proc/self/cgroup": "0::/\n",
                                  "/sys/fs/cgroup/memory.max": "max\n", "/sys/fs/cgroup/memory.current": "123\n"])
        #expect(AvailableMemory.current(environment: [:], files: files) == AvailableMemory(bytes: 20 << 30, source: "MemAvailable"))
    }

    @Test func aCgroupV2LimitBelowMemAvailableWins() {
        let files = Self.machine(["/proc/meminfo": Self.meminfo, "/proc/self/cgroup": "0::/ci/job7\n",
                                  "/sys/fs/cgroup/ci/job7/memory.max": "\(4 << 30)\n",
                                  "/sys/fs/cgroup/ci/job7/memory.current": "\(1 << 30)\n"])
        #expect(AvailableMemory.current(environment: [:], files: files) == AvailableMemory(bytes: 3 << 30, source: "cgroup memory.max"))
    }

    @Test func aCgroupV1LimitAtTheMountRoot() {
        // Inside a container the cgroup named in /proc/self/cgroup is the mount's root folder.
        let files = Self.machine(["/proc/meminfo": Self.meminfo, "/proc/self/cgroup": "5:devices:/\n4:memory:/box/3f\n0::/\n",
                                  "/sys/fs/cgroup/memory/memory.limit_in_bytes": "\(2 << 30)\n",
                                  "/sys/fs/cgroup/memory/memory.usage_in_bytes": "\(512 << 20)\n"])
        #expect(AvailableMemory.current(environment: [:], files: files)
                == AvailableMemory(bytes: (2 << 30) - (512 << 20), source: "cgroup memory.limit_in_bytes"))
    }

    @Test func cgroupV1WithoutALimitCountsAsNone() {
        let files = Self.machine(["/proc/meminfo": Self.meminfo, "/proc/self/cgroup": "4:memory:/\n",
                                  "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
                                  "/sys/fs/cgroup/memory/memory.usage_in_bytes": "2764554240\n"])
        #expect(AvailableMemory.current(environment: [:], files: files)?.source == "MemAvailable")
    }

    @Test func theEnvironmentVariableOverridesTheMachine() {
        let files = Self.machine(["/proc/meminfo": Self.meminfo])
        #expect(AvailableMemory.current(environment: ["LORALAB_MEMORY_LIMIT": "64MiB"], files: files)
                == AvailableMemory(bytes: 64 << 20, source: "LORALAB_MEMORY_LIMIT"))
    }

    @Test func nothingToReadMeansNoLimit() {
        #expect(AvailableMemory.current(environment: [:], files: Self.machine([:])) == nil)
    }

    @Test(arguments: [("512MiB", 512 << 20), ("2GiB", 2 << 30), ("1.5G", 3 << 29), ("300000000", 300_000_000),
                      ("64 MiB", 64 << 20), ("1KiB", 1024), ("7B", 7)])
    func sizes(_ text: String, _ bytes: Int) {
        #expect(AvailableMemory.parseSize(text) == bytes)
    }

    @Test(arguments: ["", "lots", "-1GiB", "1e30GiB", "GiB"])
    func sizesThatAreNot(_ text: String) {
        #expect(AvailableMemory.parseSize(text) == nil)
    }

    @Test func theBudgetRefusesWithTheEstimateAndTheLimitInGiB() {
        let budget = MemoryBudget { AvailableMemory(bytes: 1 << 30, source: "LORALAB_MEMORY_LIMIT") }
        let fits = MemoryEstimate(weights: 900 << 20)
        #expect(throws: Never.self) { try budget.check(fits, for: "this model") }
        let tooLarge = MemoryEstimate(weights: 3 << 30, gradients: 1 << 29)
        #expect {
            try budget.check(tooLarge, for: "this model")
        } throws: { error in
            (error as? CommandFailure)?.message
                == "this model needs about 3.50 GiB (weights 3.00 GiB + gradients 0.50 GiB), but 1.00 GiB is available "
                + "to this process (LORALAB_MEMORY_LIMIT); make it smaller (dim, layers, ffn, batch or seq)"
        }
    }
}
