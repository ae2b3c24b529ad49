import Crypto
import Foundation

/// Signs outgoing messages and checks incoming ones with HMAC-SHA256 over the
/// four JSON frames (header, parent_header, metadata, content), as the
/// Jupyter wire protocol specifies. An empty key turns signing off, which
/// the protocol allows (the signature frame is then empty).
struct MessageSigner: Sendable {
    /// The raw key; a `SymmetricKey` (not Sendable) is made from it per message, which costs a copy of a few bytes.
    private let keyBytes: [UInt8]?

    init(key: String) {
        keyBytes = key.isEmpty ? nil : Array(key.utf8)
    }

    var isSigning: Bool { keyBytes != nil }

    /// The lowercase hex signature of the four frames.
    func signature(of frames: [Data]) -> String {
        guard let digest = digest(of: frames) else { return "" }
        return Self.hex(digest)
    }

    /// Whether `signature` (hex) is the signature of `frames`. The comparison
    /// takes the same time wherever the first differing byte is, so a sender
    /// cannot learn the valid signature byte by byte from reply timing.
    func isValid(signature: Data, for frames: [Data]) -> Bool {
        guard let digest = digest(of: frames) else { return true }
        guard let received = Self.bytes(fromHex: signature), received.count == digest.count else { return false }
        var difference: UInt8 = 0
        for (expected, actual) in zip(digest, received) {
            difference |= expected ^ actual
        }
        return difference == 0
    }

    private func digest(of frames: [Data]) -> [UInt8]? {
        guard let keyBytes else { return nil }
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: keyBytes))
        for frame in frames { hmac.update(data: frame) }
        return Array(hmac.finalize())
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hex(_ bytes: [UInt8]) -> String {
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes hex text (either case); nil for odd length or a non-hex character.
    private static func bytes(fromHex text: Data) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var result = [UInt8]()
        result.reserveCapacity(text.count / 2)
        var iterator = text.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = nibble(high), let l = nibble(low) else { return nil }
            result.append(h << 4 | l)
        }
        return result
    }
}
