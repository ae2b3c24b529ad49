import LinearAlgebra

/// A `rows × cols` matrix with orthonormal columns (Q of a Gaussian's QR).
func randomOrthonormalColumns(rows: Int, cols: Int, rng: inout SeededGenerator) throws -> Matrix {
    try QRDecomposition(of: rng.normalMatrix(rows: rows, cols: cols, std: 1)).q
}

/// `left · diag(values) · rightᵀ`: a matrix whose SVD is known by construction.
func matrix(left: Matrix, values: [Float], right: Matrix) -> Matrix {
    var scaled = left
    for r in 0..<left.rows { for c in 0..<values.count { scaled[r, c] *= values[c] } }
    return matmul(scaled, right, transposeB: true)
}

/// ‖P₁ − P₂‖_max for the orthogonal projectors onto the column spans of two bases.
func projectorDistance(_ first: Matrix, _ second: Matrix) -> Float {
    matmul(first, first, transposeB: true).maxAbsDifference(matmul(second, second, transposeB: true))
}

/// |⟨column i of a, column j of b⟩|.
func absoluteCosine(_ a: Matrix, column i: Int, _ b: Matrix, column j: Int) -> Float {
    var dot: Float = 0
    for r in 0..<a.rows { dot += a[r, i] * b[r, j] }
    return abs(dot)
}
