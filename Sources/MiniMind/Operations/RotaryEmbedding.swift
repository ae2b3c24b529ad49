import Foundation
import LinearAlgebra

/// Rotary position embedding in the "rotate half" form of Llama and MiniMind:
/// within each head, element `i` pairs with `i + headDim/2`, and the pair is
/// rotated by `position · theta^(−2i/headDim)`.
public struct RotaryEmbedding: Sendable {
    public let headDim: Int
    public let maxPositions: Int
    private let cosTable: [Float]   // [maxPositions, headDim/2]
    private let sinTable: [Float]

    public init(headDim: Int, maxPositions: Int, theta: Float) {
        self.headDim = headDim
        self.maxPositions = maxPositions
        let half = headDim / 2
        var cosines = [Float](repeating: 0, count: maxPositions * half)
        var sines = cosines
        for p in 0..<maxPositions {
            for i in 0..<half {
                // Angles in Double: at position 500 a Float angle loses ~3 digits.
                let frequency = pow(Double(theta), -2 * Double(i) / Double(headDim))
                let angle = Double(p) * frequency
                cosines[p * half + i] = Float(cos(angle))
                sines[p * half + i] = Float(sin(angle))
            }
        }
        cosTable = cosines
        sinTable = sines
    }

    /// Rotates every head of every row in place. Row `r` holds position
    /// `startPosition + r % seqLen`; a row is `heads × headDim` wide.
    public func forward(_ x: UnsafeMutablePointer<Float>, rows: Int, seqLen: Int, heads: Int, startPosition: Int = 0) {
        rotate(x, rows: rows, seqLen: seqLen, heads: heads, startPosition: startPosition, direction: 1)
    }

    /// The gradient of a rotation is the inverse rotation.
    public func backward(_ gradient: UnsafeMutablePointer<Float>, rows: Int, seqLen: Int, heads: Int) {
        rotate(gradient, rows: rows, seqLen: seqLen, heads: heads, startPosition: 0, direction: -1)
    }

    private func rotate(_ x: UnsafeMutablePointer<Float>, rows: Int, seqLen: Int, heads: Int,
                        startPosition: Int, direction: Float) {
        let half = headDim / 2
        cosTable.withUnsafeBufferPointer { cosines in
            sinTable.withUnsafeBufferPointer { sines in
                Parallel.forEachChunk(of: rows, cost: rows * heads * headDim) { chunk in
                    for r in chunk {
                        let position = startPosition + r % seqLen
                        let c = cosines.baseAddress! + position * half
                        let s = sines.baseAddress! + position * half
                        for h in 0..<heads {
                            Self.rotateHead(x + (r * heads + h) * headDim, half: half, cos: c, sin: s,
                                            direction: direction)
                        }
                    }
                }
            }
        }
    }

    /// Rotates one head: `(a, b) ← (a·cos − b·sin, b·cos + a·sin)` with `sin`
    /// negated for the inverse, eight pairs at a time.
    @inline(__always)
    static func rotateHead(_ v: UnsafeMutablePointer<Float>, half: Int, cos c: UnsafePointer<Float>,
                           sin s: UnsafePointer<Float>, direction: Float) {
        typealias Vector = VectorMath.Vector
        let d = Vector(repeating: direction)
        var i = 0
        while i + 8 <= half {
            let a = UnsafeRawPointer(v + i).loadUnaligned(as: Vector.self)
            let b = UnsafeRawPointer(v + i + half).loadUnaligned(as: Vector.self)
            let cv = UnsafeRawPointer(c + i).loadUnaligned(as: Vector.self)
            let sn = d * UnsafeRawPointer(s + i).loadUnaligned(as: Vector.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: a * cv - b * sn, as: Vector.self)
            UnsafeMutableRawPointer(v + i + half).storeBytes(of: b * cv + a * sn, as: Vector.self)
            i += 8
        }
        while i < half {
            let a = v[i], b = v[i + half]
            let sn = direction * s[i]
            v[i] = a * c[i] - b * sn
            v[i + half] = b * c[i] + a * sn
            i += 1
        }
    }
}
