import Crypto
import Foundation

/// The fuzzing entry point for the wire-message decoder. The libFuzzer binary
/// (`fuzz/`, `make fuzz-wire`) and the corpus replay in `swift test`
/// (FuzzingTests) both call `check`.
///
/// An input is a set of frames, one per line (`\n` separates them; a frame
/// holds any other bytes). When the first line is exactly `#sign`, it is
/// dropped and the frame after `<IDS|MSG>` is replaced by the correct
/// signature of the four frames after it, so that the fuzzer reaches the
/// JSON checks behind the signature as easily as the signature check itself.
///
/// Invariants, each reported as a sentence when broken:
/// - a keyed decoder accepts a message only when its signature frame is the
///   HMAC-SHA256 (hex) of header, parent_header, metadata and content under
///   the key, computed here independently of the kernel's signer;
/// - an accepted message, with any one byte of a signed frame changed, is
///   rejected as badly signed;
/// - an accepted message has a msg_type, the identities before the first
///   delimiter and the header frame exactly as received.
public enum WireFuzzing {
    static let key = "fuzz-key-3a1f"
    static let signDirective = Data("#sign".utf8)

    public static func check(_ bytes: [UInt8]) -> [String] {
        var frames = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Data($0) }
        if frames.first == signDirective {
            frames.removeFirst()
            frames = signed(frames)
        }
        return check(frames: frames)
    }

    public static func check(frames: [Data]) -> [String] {
        var violations: [String] = []
        let keyed = WireCodec(key: key, session: "fuzz")
        let unsigned = WireCodec(key: "", session: "fuzz")

        // Without a key every well-formed message is accepted; only its shape is checked.
        if let message = try? unsigned.decode(frames) {
            violations += shapeViolations(message, frames: frames)
        }

        guard let message = try? keyed.decode(frames) else { return violations }
        violations += shapeViolations(message, frames: frames)
        guard let delimiter = frames.firstIndex(of: WireCodec.delimiter) else {
            return violations + ["accepted frames without a delimiter"]
        }
        let signedFrames = Array(frames[(delimiter + 2)...(delimiter + 5)])
        let expected = hexSignature(of: signedFrames)
        if frames[delimiter + 1].lowercased() != expected {
            violations.append("accepted the signature '\(String(decoding: frames[delimiter + 1], as: UTF8.self))', "
                              + "expected '\(String(decoding: expected, as: UTF8.self))'")
        }
        // Tamper with one byte of each signed frame in turn: each must be refused.
        for (position, frame) in signedFrames.enumerated() {
            var tampered = frames
            var changed = frame
            if changed.isEmpty {
                changed = Data(" ".utf8)
            } else {
                let index = changed.startIndex + (frame.count / 2)
                changed[index] ^= 0x01
            }
            tampered[delimiter + 2 + position] = changed
            do {
                _ = try keyed.decode(tampered)
                violations.append("accepted a message whose signed frame \(position + 1) was changed after signing")
            } catch .badSignature {
            } catch {
                violations.append("a tampered frame \(position + 1) was refused for '\(error)', not for its signature")
            }
        }
        return violations
    }

    private static func shapeViolations(_ message: IncomingMessage, frames: [Data]) -> [String] {
        var violations: [String] = []
        guard let delimiter = frames.firstIndex(of: WireCodec.delimiter) else {
            return ["accepted frames without a delimiter"]
        }
        if message.msgType.isEmpty { violations.append("accepted a message with an empty msg_type") }
        if message.identities != Array(frames[..<delimiter]) {
            violations.append("identities differ from the frames before the delimiter")
        }
        if message.headerFrame != frames[delimiter + 2] {
            violations.append("the header frame was not kept byte for byte")
        }
        return violations
    }

    /// The frames with the signature slot (after the first delimiter) filled in correctly.
    public static func signed(_ frames: [Data]) -> [Data] {
        guard let delimiter = frames.firstIndex(of: WireCodec.delimiter), frames.count >= delimiter + 6 else {
            return frames
        }
        var result = frames
        result[delimiter + 1] = hexSignature(of: Array(frames[(delimiter + 2)...(delimiter + 5)]))
        return result
    }

    static func hexSignature(of frames: [Data]) -> Data {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Data(key.utf8)))
        for frame in frames { hmac.update(data: frame) }
        let hex = hmac.finalize().map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
        }
        return Data(hex.joined())
    }
}

private extension Data {
    /// ASCII lowercase, so a valid signature written in capitals compares equal.
    func lowercased() -> Data {
        Data(map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 })
    }
}

extension WireFuzzing {
    /// Whether the kernel's keyed decoder accepts `frames` (for property tests that count acceptances).
    public static func accepts(_ frames: [Data]) -> Bool {
        (try? WireCodec(key: key, session: "fuzz").decode(frames)) != nil
    }
}
