/// Mean and spread of one quantity measured in independent repetitions (one
/// final loss per seed, say), as a table of repeated runs reports it.
///
/// - mean x̄ = Σ xᵢ / n
/// - sample standard deviation s = √(Σ (xᵢ − x̄)² / (n − 1)), the spread of
///   single runs (Bessel's correction, since x̄ is estimated from the same data)
/// - standard error s / √n, the uncertainty of x̄ itself
/// - a 95 % confidence half-width t₀.₉₇₅,ₙ₋₁ · s / √n (Student's t, which for
///   the three to five seeds a notebook affords is much wider than 1.96 · SE)
///
/// With one value there is no spread to estimate: the deviation, error and
/// half-width are nil, never a made-up 0. Sums run in Double, two-pass.
public struct SampleSummary: Equatable, Sendable {
    public let count: Int
    public let mean: Double
    public let standardDeviation: Double?
    public let standardError: Double?
    public let confidenceHalfWidth95: Double?
    public let minimum: Double
    public let maximum: Double

    public init<Values: Collection>(_ values: Values) throws where Values.Element: BinaryFloatingPoint {
        let samples = values.map { Double($0) }
        guard !samples.isEmpty else {
            throw AnalysisError.invalidArgument("a summary needs at least one value")
        }
        guard samples.allSatisfy(\.isFinite) else {
            throw AnalysisError.invalidArgument("a summary needs finite values, got \(samples.filter { !$0.isFinite })")
        }
        let n = samples.count, average = samples.reduce(0, +) / Double(samples.count)
        count = n
        mean = average
        minimum = samples.min()!
        maximum = samples.max()!
        if n >= 2 {
            let squaredDeviations = samples.reduce(0) { $0 + ($1 - average) * ($1 - average) }
            let deviation = (squaredDeviations / Double(n - 1)).squareRoot()
            let error = deviation / Double(n).squareRoot()
            standardDeviation = deviation
            standardError = error
            confidenceHalfWidth95 = StudentT.quantile975(degreesOfFreedom: n - 1) * error
        } else {
            standardDeviation = nil
            standardError = nil
            confidenceHalfWidth95 = nil
        }
    }
}

/// The two-sided 95 % point of Student's t distribution.
enum StudentT {
    /// t₀.₉₇₅ for 1…30 degrees of freedom (standard tables, to 3 decimals),
    /// then the normal 1.960 beyond, where the difference is under 2 %.
    private static let quantiles975: [Double] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ]

    static func quantile975(degreesOfFreedom: Int) -> Double {
        precondition(degreesOfFreedom >= 1)
        return degreesOfFreedom <= quantiles975.count ? quantiles975[degreesOfFreedom - 1] : 1.960
    }
}
