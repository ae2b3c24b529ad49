import LinearAlgebra

/// The SwiGLU gate: `a = silu(g) ⊙ u` with `silu(g) = g·σ(g)`, eight lanes at a time.
public enum SwiGLU {
    typealias Vector = VectorMath.Vector

    public static func forward(output: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>,
                               up: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(of: count / 8 + 1, cost: count) { blocks in
            for block in blocks {
                let i = block * 8
                if i + 8 <= count {
                    let g = load(gate + i), u = load(up + i)
                    store(g / (1 + VectorMath.exp(-g)) * u, to: output + i)
                } else {
                    for j in i..<count { output[j] = gate[j] / (1 + VectorMath.exp(-gate[j])) * up[j] }
                }
            }
        }
    }

    /// `dg = da·u·σ(g)·(1 + g·(1 − σ(g)))`, `du = da·silu(g)`; both overwritten.
    /// They may be `gate` and `up` themselves: each element of those is read
    /// before its gradient is written (backward keeps no second copy of them).
    public static func backward(gateGradient: UnsafeMutablePointer<Float>, upGradient: UnsafeMutablePointer<Float>,
                                outputGradient: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                                up: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(of: count / 8 + 1, cost: count) { blocks in
            for block in blocks {
                let i = block * 8
                if i + 8 <= count {
                    let g = load(gate + i), u = load(up + i), da = load(outputGradient + i)
                    let sigmoid = 1 / (1 + VectorMath.exp(-g))
                    store(da * u * sigmoid * (1 + g * (1 - sigmoid)), to: gateGradient + i)
                    store(da * g * sigmoid, to: upGradient + i)
                } else {
                    for j in i..<count {
                        let g = gate[j], sigmoid = 1 / (1 + VectorMath.exp(-g)), da = outputGradient[j]
                        gateGradient[j] = da * up[j] * sigmoid * (1 + g * (1 - sigmoid))
                        upGradient[j] = da * g * sigmoid
                    }
                }
            }
        }
    }

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) private static func store(_ v: Vector, to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }
}
