/// GPT-2's byte-level alphabet: every byte has a printable character that
/// stands for it in a byte-level BPE vocabulary (`tokenizers`' ByteLevel).
///
/// The printable bytes `!`…`~`, `¡`…`¬` and `®`…`ÿ` stand for themselves; the
/// other 68 (controls, space, soft hyphen, …) take U+0100 onwards in byte
/// order, so a space is `Ġ` (U+0120) and a newline `Ċ` (U+010A).
enum ByteLevelAlphabet {
    /// `characters[b]` stands for byte `b`.
    static let characters: [Character] = {
        var scalars = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if isPrintable(UInt8(byte)) {
                scalars[byte] = UInt32(byte)
            } else {
                scalars[byte] = next
                next += 1
            }
        }
        return scalars.map { Character(Unicode.Scalar($0)!) }
    }()

    /// The byte each alphabet character stands for.
    static let bytes: [Character: UInt8] = {
        var map: [Character: UInt8] = [:]
        for (byte, character) in characters.enumerated() { map[character] = UInt8(byte) }
        return map
    }()

    private static func isPrintable(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The vocabulary spelling of some bytes.
    static func spelling(of bytes: some Sequence<UInt8>) -> String {
        String(bytes.map { characters[Int($0)] })
    }

    /// The bytes a vocabulary spelling stands for, or nil when a character is outside the alphabet.
    static func bytes(of spelling: String) -> [UInt8]? {
        var result: [UInt8] = []
        for character in spelling {
            guard let byte = bytes[character] else { return nil }
            result.append(byte)
        }
        return result
    }
}
