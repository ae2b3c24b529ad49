import Foundation
import Testing
@testable import Checkpoint

/// The unpickler on hand-written opcode streams: what a hostile or damaged
/// data.pkl could contain beyond what torch writes.
@Suite struct RestrictedUnpicklerTests {
    private func failure(_ bytes: [UInt8]) -> TorchCheckpointError? {
        do {
            _ = try RestrictedUnpickler.load(Data(bytes))
            return nil
        } catch {
            return error
        }
    }

    private func global(_ module: String, _ name: String) -> [UInt8] {
        [0x63] + Array("\(module)\n\(name)\n".utf8)
    }

    @Test func refusesEveryGlobalOutsideTheAllowedFew() {
        for (module, name) in [("builtins", "eval"), ("os", "system"), ("subprocess", "Popen"),
                               ("torch", "load"), ("torch._utils", "_rebuild_qtensor"), ("collections", "defaultdict")] {
            // PROTO 2, GLOBAL, EMPTY_TUPLE, REDUCE, STOP: refused at the GLOBAL, before any REDUCE.
            let error = failure([0x80, 0x02] + global(module, name) + [0x29, 0x52, 0x2E])
            #expect(error?.problem == .forbiddenGlobal)
            #expect(error?.message.contains("\(module).\(name)") == true)
        }
    }

    @Test func refusesStackGlobalToo() {
        // SHORT_BINUNICODE "os", SHORT_BINUNICODE "system", STACK_GLOBAL
        let error = failure([0x80, 0x04, 0x8C, 2] + Array("os".utf8) + [0x8C, 6] + Array("system".utf8) + [0x93, 0x2E])
        #expect(error?.problem == .forbiddenGlobal)
        #expect(error?.message.contains("os.system") == true)
    }

    @Test func refusesObjectBuildingOpcodesByName() {
        let error = failure([0x80, 0x02, 0x28, 0x81, 0x2E])  // MARK, NEWOBJ
        #expect(error?.problem == .forbiddenOpcode)
        #expect(error?.message.contains("NEWOBJ") == true)
    }

    @Test func malformedStreamsAreErrorsNotCrashes() {
        #expect(failure([0x80, 0x02, 0x7D])?.problem == .malformedPickle)               // no STOP
        #expect(failure([0x80, 0x02, 0x52, 0x2E])?.problem == .malformedPickle)         // REDUCE on an empty stack
        #expect(failure([0x80, 0x02, 0x68, 0x05, 0x2E])?.problem == .malformedPickle)   // BINGET of nothing
        #expect(failure([0x80, 0x02, 0x74, 0x2E])?.problem == .malformedPickle)         // TUPLE without MARK
        #expect(failure([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F])?.problem == .malformedPickle)  // string past the end
        #expect(failure([0x80, 0x02, 0x28, 0x85, 0x2E])?.problem == .malformedPickle)   // TUPLE1 reaching under a MARK
        #expect(failure([0x80, 0x09, 0x2E])?.problem == .malformedPickle)               // protocol 9
    }

    @Test func buildsADictOfTensorDescriptions() throws {
        // {"w": _rebuild_tensor_v2(persistent ('storage', FloatStorage, '0', 'cpu', 6), 0, (2, 3), (3, 1), False, OrderedDict())}
        var bytes: [UInt8] = [0x80, 0x02, 0x7D, 0x28, 0x58, 1, 0, 0, 0] + Array("w".utf8)
        bytes += global("torch._utils", "_rebuild_tensor_v2")
        bytes += [0x28, 0x28, 0x58, 7, 0, 0, 0] + Array("storage".utf8) + global("torch", "FloatStorage")
        bytes += [0x58, 1, 0, 0, 0] + Array("0".utf8) + [0x58, 3, 0, 0, 0] + Array("cpu".utf8) + [0x4B, 6, 0x74, 0x51]
        bytes += [0x4B, 0, 0x4B, 2, 0x4B, 3, 0x86, 0x4B, 3, 0x4B, 1, 0x86, 0x89]
        bytes += global("collections", "OrderedDict") + [0x29, 0x52, 0x74, 0x52, 0x75, 0x2E]
        let value = try RestrictedUnpickler.load(Data(bytes))
        guard case let .dictionary(dictionary) = value else { Issue.record("not a dict: \(value.kind)"); return }
        #expect(dictionary.keys == [.string("w")])
        let storage = RestrictedUnpickler.StorageReference(type: .float32, key: "0")
        #expect(dictionary.values == [.tensor(.init(storage: storage, storageOffset: 0, shape: [2, 3], strides: [3, 1]))])
    }

    @Test func halfPrecisionWidensExactly() {
        #expect(HalfPrecision.float(fromHalf: 0x3C00) == 1)
        #expect(HalfPrecision.float(fromHalf: 0xC000) == -2)
        #expect(HalfPrecision.float(fromHalf: 0x7BFF) == 65504)
        #expect(HalfPrecision.float(fromHalf: 0x0001) == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(HalfPrecision.float(fromHalf: 0x7C00) == .infinity)
        #expect(HalfPrecision.float(fromHalf: 0x7E00).isNaN)
        #expect(HalfPrecision.float(fromHalf: 0x8000).sign == .minus)
    }
}
