import Testing
import LinearAlgebra

@Suite struct MatrixTests {
    @Test func productMatchesHandComputation() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        let b = Matrix([[7, 8], [9, 10], [11, 12]])
        #expect(matmul(a, b) == Matrix([[58, 64], [139, 154]]))
    }

    @Test func transposeFlagsAgreeWithExplicitTranspose() {
        var rng = SeededGenerator(seed: 3)
        let a = rng.normalMatrix(rows: 5, cols: 7, std: 1)
        let b = rng.normalMatrix(rows: 4, cols: 7, std: 1)
        let viaFlag = matmul(a, b, transposeB: true)
        let viaCopy = matmul(a, b.transposed())
        #expect(viaFlag.maxAbsDifference(viaCopy) < 1e-5)
        let c = rng.normalMatrix(rows: 5, cols: 3, std: 1)
        #expect(matmul(a, c, transposeA: true).maxAbsDifference(matmul(a.transposed(), c)) < 1e-5)
    }

    @Test func generatorIsDeterministicPerSeed() {
        var g1 = SeededGenerator(seed: 42), g2 = SeededGenerator(seed: 42), g3 = SeededGenerator(seed: 43)
        let a = (0..<100).map { _ in g1.normal() }
        let b = (0..<100).map { _ in g2.normal() }
        let c = (0..<100).map { _ in g3.normal() }
        #expect(a == b)
        #expect(a != c)
    }

    @Test func normalDrawsHaveUnitMomentsAndUniformStaysInRange() {
        var g = SeededGenerator(seed: 7)
        let n = 200_000
        var sum = 0.0, sumSq = 0.0
        for _ in 0..<n { let x = Double(g.normal()); sum += x; sumSq += x * x }
        let mean = sum / Double(n), variance = sumSq / Double(n) - mean * mean
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.02)
        for _ in 0..<10_000 { let u = g.uniform(); #expect(u >= 0 && u < 1) }
    }
}

@Suite struct BLASKernelSelectionTests {
    @Test func namesTheFamilyFromTheFeaturesWhateverOpenBLASDetected() {
        let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]
        let avx512 = avx2.union(["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"])
        let bf16 = avx512.union(["avx512_bf16"])
        // Processors with the same features get the same family.
        for (flags, family) in [(bf16, "Cooperlake"), (avx512, "SkylakeX"), (avx2, "Haswell")] {
            for detected in ["Prescott", "Zen", "Haswell", "SkylakeX", "Cooperlake", "unknown"] where detected != family {
                #expect(BLASKernelSelection.betterCoreType(currentCore: detected, cpuFlags: flags) == family, "\(detected)")
            }
            #expect(BLASKernelSelection.betterCoreType(currentCore: family, cpuFlags: flags) == nil)
            #expect(BLASKernelSelection.betterCoreType(currentCore: family.uppercased(), cpuFlags: flags) == nil)
        }
        // Without AVX2 and FMA, OpenBLAS's own choice stands.
        #expect(BLASKernelSelection.betterCoreType(currentCore: "Prescott", cpuFlags: ["sse3"]) == nil)
        #expect(BLASKernelSelection.betterCoreType(currentCore: "Sandybridge", cpuFlags: ["sse3", "avx"]) == nil)
        #expect(BLASKernelSelection.betterCoreType(currentCore: "Prescott", cpuFlags: ["avx2"]) == nil)
    }
}
