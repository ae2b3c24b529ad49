import Testing
@testable import Checkpoint

@Suite struct StoredTensorTests {
    @Test func elementCountIsTheProductOfTheShape() {
        #expect(StoredTensor(shape: [2, 3], values: Array(repeating: 0, count: 6)).elementCount == 6)
        #expect(StoredTensor(shape: [0, 4], values: []).elementCount == 0)
        #expect(StoredTensor(shape: [], values: [1]).elementCount == 1)
    }
}
