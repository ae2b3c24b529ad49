import LinearAlgebra

/// max |(QᵀQ − I)ᵢⱼ|: zero when the columns of `q` are orthonormal.
func columnOrthonormalityError(_ q: Matrix) -> Float {
    matmul(q, q, transposeA: true).maxAbsDifference(.identity(q.cols))
}

/// max |(QQᵀ − I)ᵢⱼ|: zero when the rows of `q` are orthonormal.
func rowOrthonormalityError(_ q: Matrix) -> Float {
    matmul(q, q, transposeB: true).maxAbsDifference(.identity(q.rows))
}

/// A random `rows × cols` matrix of rank at most `rank` (product of two Gaussians).
func randomMatrix(rows: Int, cols: Int, rank: Int, seed: UInt64) -> Matrix {
    var rng = SeededGenerator(seed: seed)
    let left = rng.normalMatrix(rows: rows, cols: rank, std: 1)
    let right = rng.normalMatrix(rows: rank, cols: cols, std: 1)
    return matmul(left, right)
}

/// The largest element magnitude, to turn absolute tolerances into relative ones.
func largestMagnitude(_ m: Matrix) -> Float { m.values.map(abs).max() ?? 0 }
