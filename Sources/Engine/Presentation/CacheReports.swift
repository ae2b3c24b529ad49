/// Text for `cache` and `cache check`.
enum CacheReports {
    static func summary(_ summary: CacheSummary) -> MimeBundle {
        MimeBundle(plain: "run cache \(summary.written) (\(summary.folder)): \(summary.entries) entr\(summary.entries == 1 ? "y" : "ies"), numerics version \(summary.numericsVersion)")
    }

    /// One row per compared number, then what was checked and skipped.
    static func check(_ result: CacheCheckResult) -> MimeBundle {
        var table = ResultTable(["entry", "what", "cached", "recomputed", "difference", "ok"], numericColumns: [2, 3, 4])
        for row in result.rows {
            table.append([row.entry, row.what, row.cached, row.recomputed, row.difference, row.ok ? "yes" : "NO"])
        }
        var footer = "\(result.checked) of \(result.entries) entr\(result.entries == 1 ? "y" : "ies") of \(result.written) re-trained under the \(result.kernels) kernels, "
            + "\(result.failures == 0 ? "all agree" : "\(result.failures) number\(result.failures == 1 ? "" : "s") differ")"
            + " (losses within 0.005 + 2%, a train's tensors within \(Int(Lab.tensorTolerance * 100))% of their change, counts exactly)"
        if !result.skipped.isEmpty {
            var reasons: [String: Int] = [:]
            for item in result.skipped { reasons[item.reason, default: 0] += 1 }
            footer += "; \(result.skipped.count) skipped: " + reasons.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: "; ")
        }
        table.footer = footer
        return table.bundle
    }
}
