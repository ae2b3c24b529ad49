import Foundation

/// Small file helpers shared by the folder readers and writers.
enum CheckpointFiles {
    static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    static func readJSON(_ url: URL) throws(CheckpointError) -> StrictJSON {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadableFile(path: url.path, reason: (error as NSError).localizedDescription)
        }
        do { return try StrictJSON.parse(data) } catch { throw .invalidJSON(path: url.path, reason: error.description) }
    }

    static func readSafeTensors(_ url: URL) throws(CheckpointError) -> SafeTensorsContents {
        do { return try SafeTensorsReader.read(contentsOf: url) } catch { throw .safetensors(path: url.path, error) }
    }

    /// Creates the folder (and its parents) when missing, for its owner only (0700).
    static func makeFolder(_ url: URL) throws(CheckpointError) {
        if isFolder(url) { return }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .writeFailed(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }

    static func write(_ text: String, to url: URL) throws(CheckpointError) {
        do { try AtomicFileWriter.write(text, to: url) } catch { throw .writeFailed(path: error.path, reason: error.reason) }
    }

    static func write(_ bytes: [UInt8], to url: URL) throws(CheckpointError) {
        do { try AtomicFileWriter.write(bytes, to: url) } catch { throw .writeFailed(path: error.path, reason: error.reason) }
    }

    static func writeSafeTensors(_ tensors: [String: StoredTensor], to url: URL,
                                 as storage: SafeTensorsWriter.StorageType) throws(CheckpointError) {
        do { try SafeTensorsWriter.write(tensors, to: url, as: storage) } catch { throw .safetensors(path: url.path, error) }
    }
}
