import Foundation
import LinearAlgebra

/// The SwiGLU gate: `a = silu(g) ⊙ u` with `silu(g) = g·σ(g)`.
public enum SwiGLU {
    public static func forward(output: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>,
                               up: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(of: count, cost: count) { chunk in
            for i in chunk {
                let g = gate[i]
                output[i] = g / (1 + exp(-g)) * up[i]
            }
        }
    }

    /// `dg = da·u·σ(g)·(1 + g·(1 − σ(g)))`, `du = da·silu(g)`; both overwritten.
    public static func backward(gateGradient: UnsafeMutablePointer<Float>, upGradient: UnsafeMutablePointer<Float>,
                                outputGradient: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                                up: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(of: count, cost: count) { chunk in
            for i in chunk {
                let g = gate[i]
                let sigmoid = 1 / (1 + exp(-g))
                let da = outputGradient[i]
                gateGradient[i] = da * up[i] * sigmoid * (1 + g * (1 - sigmoid))
                upGradient[i] = da * g * sigmoid
            }
        }
    }
}
