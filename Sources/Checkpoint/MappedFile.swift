import Glibc

/// A file mapped read-only into memory: a multi-hundred-megabyte checkpoint
/// is paged in as its tensors are converted, never copied whole first.
final class MappedFile: @unchecked Sendable {
    // Sendable: the mapping is read-only and unmapped only in deinit.
    let path: String
    let count: Int
    private let base: UnsafeRawPointer?

    init(path: String) throws(SafeTensorsError) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .cannotOpen(path: path, reason: "not a regular file") }
        count = Int(status.st_size)
        if count == 0 {
            base = nil // mmap refuses a zero length; an empty file is simply empty
            return
        }
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "cannot map: " + String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
