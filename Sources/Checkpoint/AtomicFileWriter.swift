import Foundation
import Glibc

/// Writes a file so that a reader sees either the old file or the complete
/// new one, never a half-written one: the bytes go to a temporary file in the
/// same folder (a rename is atomic only within one file system), are flushed
/// to disk with fsync, and the temporary file is renamed over the target.
///
/// The file is readable by its owner only (0600): weights, adapters and
/// optimizer state are the user's work, shared on purpose, never by default.
public enum AtomicFileWriter {
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    public static func write(_ bytes: [UInt8], to url: URL) throws(Failure) {
        var failure: Failure?
        bytes.withUnsafeBytes { buffer in
            do throws(Failure) { try write(buffer, to: url) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    public static func write(_ text: String, to url: URL) throws(Failure) {
        try write(Array(text.utf8), to: url)
    }

    public static func write(_ buffer: UnsafeRawBufferPointer, to url: URL) throws(Failure) {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func failure(_ what: String) -> Failure { Failure(path: path, reason: "\(what): \(String(cString: strerror(errno)))") }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(folder)") }
        var written = 0
        while written < buffer.count {
            let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                let error = failure("write failed")
                close(descriptor); unlink(temporary)
                throw error
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let error = failure("fsync failed")
            close(descriptor); unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename failed")
            unlink(temporary)
            throw error
        }
        // The rename itself lives in the folder: flush it too (best effort).
        let folderDescriptor = open(folder, O_RDONLY)
        if folderDescriptor >= 0 { fsync(folderDescriptor); close(folderDescriptor) }
    }
}
