import Foundation
import JupyterKernel
import Testing

/// Random and mutated frames never crash the kernel's decoder, and it never
/// accepts a message whose signature is not the HMAC of its frames.
@Suite struct WirePropertyTests {
    static let delimiter = Data("<IDS|MSG>".utf8)

    /// A request as a frontend sends it (signature slot empty).
    static func request(_ random: inout SeededGenerator) -> [Data] {
        let type = random.pick(["execute_request", "kernel_info_request", "complete_request", "shutdown_request", ""])
        let header = "{\"msg_id\":\"\(random.next())\",\"session\":\"s\",\"username\":\"u\",\"msg_type\":\"\(type)\",\"version\":\"5.3\"}"
        let content = random.pick(["{\"code\":\"model tiny\"}", "{}", "{\"code\":5}", "[]", "{\"a\":{\"b\":[1,2,{\"c\":null}]}}"])
        let identities = (0..<Int.random(in: 0...2, using: &random)).map { _ in Data(random.bytes(4)) }
        return identities + [delimiter, Data(), Data(header.utf8), Data("{}".utf8), Data("{}".utf8), Data(content.utf8)]
    }

    /// One random edit: a byte flipped, inserted or removed, a frame dropped, duplicated or replaced.
    static func mutate(_ frames: [Data], _ random: inout SeededGenerator) -> [Data] {
        var frames = frames
        guard !frames.isEmpty else { return [Data(random.bytes(3))] }
        let index = Int.random(in: 0..<frames.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0 where !frames[index].isEmpty:
            let at = frames[index].startIndex + Int.random(in: 0..<frames[index].count, using: &random)
            frames[index][at] = UInt8.random(in: 0...255, using: &random)
        case 1:
            frames[index].insert(UInt8.random(in: 0...255, using: &random),
                                 at: frames[index].startIndex + Int.random(in: 0...frames[index].count, using: &random))
        case 2 where !frames[index].isEmpty:
            frames[index].removeLast()
        case 3:
            frames.remove(at: index)
        case 4:
            frames.insert(frames[index], at: index)
        default:
            frames[index] = Data(random.bytes(Int.random(in: 0...12, using: &random)))
        }
        return frames
    }

    @Test func signedRequestsAreAcceptedAndEveryMutationIsChecked() {
        var random = SeededGenerator(seed: 5)
        var accepted = 0
        for index in 0..<2000 {
            var frames = WireFuzzing.signed(Self.request(&random))
            // Mutations after signing must all be refused unless they leave the signed part as it was.
            for _ in 0..<Int.random(in: 0...3, using: &random) { frames = Self.mutate(frames, &random) }
            let violations = WireFuzzing.check(frames: frames)
            #expect(violations.isEmpty, "case \(index): \(violations)")
            if WireFuzzing.accepts(frames) { accepted += 1 }
        }
        // Unmutated signed requests with a msg_type are accepted, so acceptance happens.
        #expect(accepted > 300, "only \(accepted) of 2000 accepted")
    }

    @Test func randomSignaturesAreNeverAccepted() {
        var random = SeededGenerator(seed: 6)
        for index in 0..<2000 {
            var frames = Self.request(&random)
            let slot = frames.firstIndex(of: Self.delimiter)! + 1
            let hexDigits = Array("0123456789abcdef".utf8)
            frames[slot] = random.chance(0.5)
                ? Data((0..<64).map { _ in random.pick(hexDigits) })
                : Data(random.bytes(Int.random(in: 0...70, using: &random)))
            #expect(!WireFuzzing.accepts(frames), "case \(index): accepted a random signature")
            #expect(WireFuzzing.check(frames: frames).isEmpty, "case \(index)")
        }
    }

    @Test func randomFramesNeverCrashTheDecoder() {
        var random = SeededGenerator(seed: 8)
        for index in 0..<3000 {
            var frames = (0..<Int.random(in: 0...9, using: &random)).map { _ in
                Data(random.bytes(Int.random(in: 0...24, using: &random)))
            }
            if random.chance(0.7) {
                frames.insert(Self.delimiter, at: Int.random(in: 0...frames.count, using: &random))
            }
            if random.chance(0.5) { frames = WireFuzzing.signed(frames) }
            #expect(WireFuzzing.check(frames: frames).isEmpty, "case \(index)")
        }
    }
}
