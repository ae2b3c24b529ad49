import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a history record reaches the disk. The file holds what a user typed,
/// so it is private (0600, in folders created 0700); several kernels and
/// REPLs may append to it at once, so each record goes out whole.
enum HistoryFile {
    static let fileMode: mode_t = 0o600
    static let folderMode: mode_t = 0o700

    /// Appends one record (a JSON line with its newline). The file is opened
    /// with O_APPEND, so every write lands at the end whatever others wrote;
    /// an exclusive flock around the write makes the record whole even if
    /// the kernel splits it into several writes (a large input, a signal).
    /// Returns false when the record could not be written.
    @discardableResult
    static func append(record: Data, to url: URL) -> Bool {
        createFolders(for: url)
        let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        // A file made before permissions were kept private is made private now.
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & 0o077 != 0, status.st_uid == geteuid() {
            fchmod(descriptor, fileMode)
        }
        while flock(descriptor, LOCK_EX) != 0 {
            if errno != EINTR { return false }
        }
        defer { flock(descriptor, LOCK_UN) }
        return record.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
    }

    /// Creates the missing folders above the file, each 0700 (existing ones
    /// are left as they are: they may be shared on purpose).
    static func createFolders(for url: URL) {
        var missing: [String] = []
        var folder = url.deletingLastPathComponent()
        while !folder.path.isEmpty && folder.path != "/" && access(folder.path, F_OK) != 0 {
            missing.append(folder.path)
            folder = folder.deletingLastPathComponent()
        }
        for path in missing.reversed() {
            // mkdir applies the umask; the chmod makes the mode exactly 0700.
            if mkdir(path, folderMode) == 0 { chmod(path, folderMode) }
        }
    }
}
