/// A fixed-size block of `Float`s, zeroed at birth and freed with its owner.
///
/// Activations and gradients live in these (llm.c's habit): allocated once
/// per batch shape and reused every step, so the training loop never allocates.
/// A class so that many layers can hold pointers into one stable allocation.
public final class FloatBuffer: @unchecked Sendable {
    // Sendable: a buffer is only touched by the thread running the model.
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    /// The buffer this one is a view into (kept alive by it), or nil when it owns its floats.
    let owner: FloatBuffer?

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
        owner = nil
    }

    /// `count` floats of `owner` from `offset` on: buffers that are never in
    /// use at the same time can share one allocation.
    public init(viewInto owner: FloatBuffer, offset: Int, count: Int) {
        precondition(offset >= 0 && count >= 0 && offset + count <= owner.count, "view outside its buffer")
        self.owner = owner
        self.count = count
        pointer = owner.pointer + offset
    }

    deinit { if owner == nil { pointer.deallocate() } }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
