/// The fuzzing entry point for the safetensors reader. The libFuzzer binary
/// (`fuzz/`, `make fuzz-safetensors`) and the corpus replay in `swift test`
/// (FuzzingTests) both call `check` (fuzz/README.md).
///
/// Invariants, each reported as a sentence when broken:
/// - a refused file says why (a non-empty message);
/// - an accepted file has, for every tensor, as many values as its shape
///   holds and a dtype;
/// - what was accepted, written again by `SafeTensorsWriter` (F32) and read
///   back, is the same: names, shapes, every value's bits, the metadata.
public enum SafeTensorsFuzzing {
    public static func check(_ bytes: [UInt8]) -> [String] {
        let contents: SafeTensorsContents
        switch read(bytes) {
        case .success(let read): contents = read
        case .failure(let error): return error.description.isEmpty ? ["a refusal without a message: \(error)"] : []
        }
        var violations: [String] = []
        for (name, tensor) in contents.tensors {
            if tensor.values.count != tensor.shape.reduce(1, *) {
                violations.append("'\(name)' has \(tensor.values.count) values for shape \(tensor.shape)")
            }
            if contents.dtypes[name] == nil { violations.append("'\(name)' has no dtype") }
        }
        let written = SafeTensorsWriter.encode(contents.tensors, metadata: contents.metadata)
        let reread: SafeTensorsContents
        switch read(written) {
        case .success(let read): reread = read
        case .failure(let error): return violations + ["the writer's copy of an accepted file is refused: \(error)"]
        }
        if Set(reread.tensors.keys) != Set(contents.tensors.keys) {
            violations.append("the copy has tensors \(reread.tensors.keys.sorted()), not \(contents.tensors.keys.sorted())")
        }
        for (name, tensor) in contents.tensors {
            guard let copy = reread.tensors[name] else { continue }
            if copy.shape != tensor.shape || copy.values.map(\.bitPattern) != tensor.values.map(\.bitPattern) {
                violations.append("'\(name)' changes when written and read again")
            }
        }
        var metadata = contents.metadata
        metadata["format"] = metadata["format"] ?? "pt"
        if reread.metadata != metadata { violations.append("the metadata changes when written and read again") }
        return violations
    }

    private static func read(_ bytes: [UInt8]) -> Result<SafeTensorsContents, SafeTensorsError> {
        bytes.withUnsafeBytes { buffer in Result { () throws(SafeTensorsError) in try SafeTensorsReader.read(buffer) } }
    }
}
