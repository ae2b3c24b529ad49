/// Element-wise maths on eight floats at a time.
///
/// Softmax and SwiGLU spend most of their time in `exp`; calling the C
/// library once per element also keeps the loops around it from being
/// vectorised. This `exp` is Cephes's single-precision algorithm on SIMD
/// lanes: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r, and
/// 2ⁿ put straight into the exponent bits. Relative error ≤ 2e-7 wherever the
/// result is a normal float (tested over [−85, 88]); inputs are clamped to [−87, 88].
public enum VectorMath {
    public typealias Vector = SIMD8<Float>

    @inlinable @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        var x = x
        x.replace(with: -87, where: x .< -87)
        x.replace(with: 88, where: x .> 88)
        // Adding 1.5·2²³ rounds x·log2(e) to an integer held in the low mantissa bits.
        let magic = Vector(repeating: 12_582_912)
        let shifted = x * 1.442_695_040_888_963_4 + magic
        let n = shifted - magic
        // r = x − n·ln2, with ln2 split in two for precision.
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * r * r + r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: Vector.self)
    }

    /// `exp` of one float through the vector path (for loop tails, so that
    /// every element of a row gets the same rounding).
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(Vector(repeating: x))[0] }

    /// The largest of `count` floats (−∞ when `count` is 0).
    @inlinable @inline(__always)
    public static func maximum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var best = Vector(repeating: -.infinity)
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self)
            best.replace(with: v, where: v .> best)
            i += 8
        }
        var result = best.max()
        while i < count { result = Swift.max(result, p[i]); i += 1 }
        return result
    }

    /// Replaces `p[i]` with `exp(p[i] − shift)` and returns their sum.
    @inlinable @inline(__always)
    public static func exponentiateInPlace(_ p: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float) -> Float {
        var sum = Vector(repeating: 0)
        let s = Vector(repeating: shift)
        var i = 0
        while i + 8 <= count {
            let e = exp(UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self) - s)
            UnsafeMutableRawPointer(p + i).storeBytes(of: e, as: Vector.self)
            sum += e
            i += 8
        }
        var total = sum.sum()
        while i < count { p[i] = exp(p[i] - shift); total += p[i]; i += 1 }
        return total
    }

    /// `Σ exp(p[i] − shift)`, leaving `p` alone.
    @inlinable @inline(__always)
    public static func sumOfExponentials(_ p: UnsafePointer<Float>, count: Int, subtracting shift: Float) -> Float {
        var sum = Vector(repeating: 0)
        let s = Vector(repeating: shift)
        var i = 0
        while i + 8 <= count {
            sum += exp(UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self) - s)
            i += 8
        }
        var total = sum.sum()
        while i < count { total += exp(p[i] - shift); i += 1 }
        return total
    }

    /// `p[i] *= factor`.
    @inlinable @inline(__always)
    public static func scaleInPlace(_ p: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        let f = Vector(repeating: factor)
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self) * f
            UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Vector.self)
            i += 8
        }
        while i < count { p[i] *= factor; i += 1 }
    }
}
