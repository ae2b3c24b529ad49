/// A terminal drawing surface of braille characters: each cell holds a 2 × 4
/// grid of dots, so a 60-column plot has 120 horizontal positions.
struct BrailleCanvas {
    let columns: Int
    let rows: Int
    private var cells: [UInt8]

    init(columns: Int, rows: Int) {
        self.columns = max(1, columns)
        self.rows = max(1, rows)
        cells = Array(repeating: 0, count: self.columns * self.rows)
    }

    var dotWidth: Int { columns * 2 }
    var dotHeight: Int { rows * 4 }

    /// Sets the dot at (`x`, `y`), `y` counted downward from the top; dots off
    /// the canvas are ignored.
    mutating func setDot(x: Int, y: Int) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        // Unicode braille numbering: dots 1-2-3-7 down the left column, 4-5-6-8 down the right.
        let bits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
        cells[(y / 4) * columns + x / 2] |= bits[x % 2][y % 4]
    }

    /// Draws a straight run of dots from one point to another (Bresenham).
    mutating func drawLine(from start: (x: Int, y: Int), to end: (x: Int, y: Int)) {
        var x = start.x, y = start.y
        let dx = abs(end.x - x), dy = -abs(end.y - y)
        let stepX = x < end.x ? 1 : -1, stepY = y < end.y ? 1 : -1
        var error = dx + dy
        for _ in 0...(dx - dy) {
            setDot(x: x, y: y)
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += stepX }
            if doubled <= dx { error += dx; y += stepY }
        }
    }

    /// The rows as text; empty cells are spaces (a blank braille cell renders
    /// with odd widths in some terminals).
    func lines() -> [String] {
        (0..<rows).map { row in
            var line = ""
            for column in 0..<columns {
                let bits = cells[row * columns + column]
                line.unicodeScalars.append(bits == 0 ? " " : Unicode.Scalar(0x2800 + UInt32(bits)) ?? " ")
            }
            return line
        }
    }
}
