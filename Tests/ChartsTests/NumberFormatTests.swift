import Testing
import Charts

@Suite struct NumberFormatTests {
    @Test func compactKeepsThreeSignificantDigits() {
        #expect(NumberFormat.compact(2.314) == "2.31")
        #expect(NumberFormat.compact(0.04567) == "0.0457")
        #expect(NumberFormat.compact(-12.0) == "-12")
        #expect(NumberFormat.compact(2.5) == "2.5")
        #expect(NumberFormat.compact(9.999) == "10")
        #expect(NumberFormat.compact(0) == "0")
    }

    @Test func compactUsesExponentsForSmallAndLargeMagnitudes() {
        #expect(NumberFormat.compact(0.0012) == "1.2e-3")
        #expect(NumberFormat.compact(0.000123456) == "1.23e-4")
        #expect(NumberFormat.compact(4_560_000) == "4.56e6")
        #expect(NumberFormat.compact(12345) == "12345")
    }

    @Test func nonFiniteValuesHaveNames() {
        #expect(NumberFormat.compact(.nan) == "NaN")
        #expect(NumberFormat.compact(.infinity) == "inf")
        #expect(NumberFormat.compact(-.infinity) == "-inf")
    }

    @Test func fixedAndGroupedFormats() {
        #expect(NumberFormat.fixed(0.125, decimals: 2) == "0.13")  // 0.125 is exact in binary: halves round away from zero
        #expect(NumberFormat.fixed(1, decimals: 2) == "1.00")
        #expect(NumberFormat.fixed(-0.0001, decimals: 2) == "0.00")
        #expect(NumberFormat.fixed(12.50, decimals: 2, trimmingZeros: true) == "12.5")
        #expect(NumberFormat.grouped(1_234_567) == "1,234,567")
        #expect(NumberFormat.grouped(-999) == "-999")
    }

    @Test func durations() {
        #expect(NumberFormat.duration(3.14) == "3.1 s")
        #expect(NumberFormat.duration(42.4) == "42 s")
        #expect(NumberFormat.duration(125) == "2 min 05 s")
        #expect(NumberFormat.duration(3720) == "1 h 02 min")
    }

    @Test func markupEscapingCoversEveryReservedCharacterAndDropsControls() {
        #expect(Markup.escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;")
        #expect(Markup.escape("tab\there\u{0}\u{1B}[0m") == "tab\there[0m")
        #expect(Markup.escape("φ σ₁ ✓") == "φ σ₁ ✓")
    }
}
