/// Losses one sequence at a time, for a standard error that treats each
/// sequence (not each token: tokens of one text are correlated) as one draw.
extension Model {
    /// One forward pass over the batch; the summed loss and counted targets of each row.
    public func lossSumsPerRow(tokens: [Int32], targets: [Int32], batch: Int, seqLen: Int) -> [(sum: Double, count: Int)] {
        precondition(tokens.count == batch * seqLen && targets.count == batch * seqLen,
                     "expected \(batch)×\(seqLen) tokens and targets")
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < config.vocabSize }, "token id outside the vocabulary")
        precondition(targets.allSatisfy { Int($0) < config.vocabSize }, "target id outside the vocabulary")
        return tokens.withUnsafeBufferPointer { tok in
            targets.withUnsafeBufferPointer { tgt in
                let acts = forward(tokens: tok.baseAddress!, batch: batch, seqLen: seqLen, training: false)
                let losses = rowLosses(acts, targets: tgt.baseAddress!)
                return losses.withUnsafeBufferPointer { losses in
                    (0..<batch).map { row in
                        CrossEntropy.sum(losses.baseAddress! + row * seqLen, targets: tgt.baseAddress! + row * seqLen,
                                         rows: seqLen)
                    }
                }
            }
        }
    }
}
