import Checkpoint
import Foundation
import LinearAlgebra

/// Witnesses: what another OpenBLAS kernel family computes for an entry.
///
/// An entry holds the numbers of the family that made it, and `cache check`
/// can hold a re-training to them only under that family: other kernels sum
/// in another order, and a long training drifts beyond any fixed tolerance
/// (docs/design.md, "Across processors"). A witness, `<key>.<family>.json`
/// (with `<key>.<family>.safetensors` for a `train`'s entry), is the same
/// specification re-trained under `family` and kept beside the entry, so
/// that a machine of that family checks the entry against its witness. The
/// notebooks never read witnesses; their numbers stay the entries'.
extension RunCache {
    /// The family's name as it appears in file names (OpenBLAS's names are letters already).
    static func fileLabel(_ kernels: String) -> String {
        String(kernels.filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    func witnessFile(for key: String, kernels: String) -> URL {
        folder.appendingPathComponent("\(key).\(Self.fileLabel(kernels)).json")
    }

    func witnessWeightsFile(for key: String, kernels: String) -> URL {
        folder.appendingPathComponent("\(key).\(Self.fileLabel(kernels)).safetensors")
    }

    /// Where the tensors of `entry` are: beside the entry itself, or beside its witness.
    func weightsFile(of entry: RunCacheEntry, asWitness: Bool) -> URL {
        asWitness ? witnessWeightsFile(for: entry.specification.key, kernels: entry.kernels ?? "")
            : weightsFile(for: entry.specification.key)
    }

    enum WitnessLookup {
        case absent
        case found(RunCacheEntry)
        /// There, but not usable as this entry's witness, with why.
        case unusable(String)
    }

    /// The witness of `entry` under `kernels`: its specification, its family, and for a `train`'s entry its tensors' file.
    func witness(of entry: RunCacheEntry, kernels: String) -> WitnessLookup {
        let url = witnessFile(for: entry.specification.key, kernels: kernels)
        guard let data = FileManager.default.contents(atPath: url.path) else { return .absent }
        guard let witness = try? RunCacheEntry.decode(data) else { return .unusable("its \(kernels) witness is unreadable") }
        guard witness.specification == entry.specification else {
            return .unusable("its \(kernels) witness holds another run's specification")
        }
        guard witness.kernels?.lowercased() == kernels.lowercased() else {
            return .unusable("its \(kernels) witness was made under the \(witness.kernels ?? "unrecorded") kernels")
        }
        if entry.specification.keepsWeights == true, case .failure(let problem) = readWeights(of: witness, asWitness: true) {
            return .unusable(problem.reason)
        }
        return .found(witness)
    }

    /// Stores what this machine's kernels computed for `specification`: the
    /// tensors (for a `train`'s entry) first, then the witness naming their
    /// hash, each file whole or not at all.
    func storeWitness(_ specification: RunSpecification, result: IndependentRunResult, tensors: [String: StoredTensor]?) throws(CommandFailure) {
        let kernels = BLASKernelSelection.coreName
        var witness = RunCacheEntry(specification: specification, result: result)
        witness.kernels = kernels
        do {
            if let tensors {
                let bytes = Self.encode(tensors)
                try bytes.write(to: witnessWeightsFile(for: specification.key, kernels: kernels), options: .atomic)
                witness.weights = Self.hash(bytes)
            }
            try witness.encoded().write(to: witnessFile(for: specification.key, kernels: kernels), options: .atomic)
        } catch {
            throw CommandFailure(.command, "run cache \(written): cannot write a witness: \(error.localizedDescription)")
        }
    }

    /// How many witnesses each family has in the folder (for `cache`).
    func witnessCounts() -> [String: Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var counts: [String: Int] = [:]
        for name in names where name.hasSuffix(".json") && name.count > 64 + 5 {
            let parts = name.dropLast(5).split(separator: ".")
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit) else { continue }
            counts[String(parts[1]), default: 0] += 1
        }
        return counts
    }
}
