/// SplitMix64 (Steele, Lea & Flood): a tiny seeded generator for corpus
/// generation and batch sampling.
///
/// Corpus keeps its own generator rather than depending on LinearAlgebra, and
/// implements its own bounded draws and shuffles instead of the standard
/// library's: `Int.random(in:using:)` and `shuffle(using:)` may change their
/// algorithm between Swift releases, and a built-in corpus must be the same
/// text on every toolchain.
struct SplitMix64 {
    /// The whole generator: saving it and starting from it again continues the sequence.
    private(set) var state: UInt64

    init(seed: UInt64) { state = seed }

    /// Continues a generator from its saved `state`.
    init(state: UInt64) { self.state = state }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (Lemire's multiply-shift; the bias for the small
    /// bounds used here is below 2⁻⁴⁰ and irrelevant).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// True with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool {
        Double(next() >> 11) * 0x1p-53 < probability
    }

    /// One element of a non-empty array.
    mutating func pick<Element>(_ choices: [Element]) -> Element {
        choices[below(choices.count)]
    }

    /// Fisher–Yates shuffle in place.
    mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        for index in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(index, below(index + 1))
        }
    }
}
