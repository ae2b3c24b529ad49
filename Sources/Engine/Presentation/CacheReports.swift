/// Text for `cache`, `cache check` and `cache witness`.
enum CacheReports {
    static func summary(_ summary: CacheSummary) -> MimeBundle {
        let witnesses = summary.witnesses.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        return MimeBundle(plain: "run cache \(summary.written) (\(summary.folder)): \(summary.entries) entr\(summary.entries == 1 ? "y" : "ies")"
            + (witnesses.isEmpty ? "" : " (witnesses: \(witnesses.joined(separator: ", ")))")
            + ", numerics version \(summary.numericsVersion)")
    }

    /// One row per compared number, then what was checked and skipped.
    static func check(_ result: CacheCheckResult) -> MimeBundle {
        let recording = result.recordedWitnesses
        let headers = recording ? ["entry", "what", "entry's", "\(result.kernels)", "difference", "within"]
            : ["entry", "what", "cached", "recomputed", "difference", "ok"]
        var table = ResultTable(headers, numericColumns: [2, 3, 4])
        for row in result.rows {
            table.append([row.entry, row.what, row.cached, row.recomputed, row.difference, row.ok ? "yes" : (recording ? "no" : "NO")])
        }
        let tolerance = " (losses within 0.005 + 2%, a train's tensors within \(Int(Lab.tensorTolerance * 100))% of their change, counts exactly)"
        var footer = "\(result.checked) of \(result.entries) entr\(result.entries == 1 ? "y" : "ies") of \(result.written) re-trained under the \(result.kernels) kernels"
        if recording {
            footer += " and kept as their \(result.kernels) witnesses; beside the entries, "
                + "\(result.failures == 0 ? "every number within the tolerance" : "\(result.failures) number\(result.failures == 1 ? "" : "s") beyond the tolerance")"
                + tolerance
        } else {
            footer += (result.againstWitnesses == 0 ? "" : " (\(result.againstWitnesses) against their \(result.kernels) witnesses)")
                + ", \(result.failures == 0 ? "all agree" : "\(result.failures) number\(result.failures == 1 ? "" : "s") differ")" + tolerance
        }
        if !result.skipped.isEmpty {
            var reasons: [String: Int] = [:]
            for item in result.skipped { reasons[item.reason, default: 0] += 1 }
            footer += "; \(result.skipped.count) skipped: " + reasons.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: "; ")
        }
        table.footer = footer
        return table.bundle
    }
}
