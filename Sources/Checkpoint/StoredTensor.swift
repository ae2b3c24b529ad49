/// A tensor as a checkpoint file carries it, after reading: its shape, and its
/// values widened to Float32 in row-major order (what the model computes in).
///
/// Every reader in this module (safetensors, PyTorch's zip format) returns
/// these by name, so mapping names onto a model is written once, whatever the
/// file was.
public struct StoredTensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count,
                     "shape \(shape) holds \(shape.reduce(1, *)) values, got \(values.count)")
        self.shape = shape
        self.values = values
    }

    public var elementCount: Int { values.count }
}
