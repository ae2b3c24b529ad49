/// Element types of the safetensors format. Only the floating-point ones
/// become weights; the rest are named so that a file holding them is refused
/// as "unsupported", not "unknown".
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    /// Every dtype name the reference library defines.
    static let formatNames: Set<String> = [
        "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2",
        "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64", "C64",
    ]

    public var byteSize: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        }
    }
}

/// Float conversions for the 16-bit formats.
enum HalfPrecision {
    static func float(fromHalf bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

    /// bfloat16 is the top half of a Float32.
    static func float(fromBFloat16 bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Round to nearest even, as PyTorch does; NaN stays a (quiet) NaN.
    static func bfloat16(from value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        let rounding = ((bits >> 16) & 1) &+ 0x7FFF
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
