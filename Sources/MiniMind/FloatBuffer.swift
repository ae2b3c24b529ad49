/// A fixed-size block of `Float`s, zeroed at birth and freed with its owner.
///
/// Activations and gradients live in these (llm.c's habit): allocated once
/// per batch shape and reused every step, so the training loop never allocates.
/// A class so that many layers can hold pointers into one stable allocation.
public final class FloatBuffer: @unchecked Sendable {
    // Sendable: a buffer is only touched by the thread running the model.
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
