/// What every chart offers: a standalone SVG (no JavaScript, white background,
/// so it reads the same in light and dark notebook themes) and a plain-text
/// rendering of the same data for terminals. Both are deterministic: the same
/// chart always renders to the same string.
public protocol Chart: Sendable {
    /// The chart as an `image/svg+xml` document.
    func svg() -> String
    /// The chart as aligned text with Unicode bars, at most `width` columns wide.
    func text(width: Int) -> String
}

extension Chart {
    /// The text rendering at 72 columns.
    public func text() -> String { text(width: 72) }
}
