import Foundation

/// The committed inputs of one fuzz target: its seed corpus (fuzz/corpus/<name>)
/// and the inputs that once crashed it (fuzz/crashes/<name>), which stay as
/// regression cases.
enum FuzzCorpus {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz")

    /// (file name, bytes) of every input of `target`, seeds first.
    static func inputs(of target: String) -> [(name: String, bytes: [UInt8])] {
        var inputs: [(String, [UInt8])] = []
        for folder in ["corpus", "crashes"] {
            let directory = root.appendingPathComponent(folder).appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) {
                    inputs.append(("\(folder)/\(target)/\(name)", [UInt8](data)))
                }
            }
        }
        return inputs
    }
}
