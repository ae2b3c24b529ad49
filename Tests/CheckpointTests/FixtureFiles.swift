import Foundation

/// The committed fixture files (Tests/CheckpointTests/Fixtures), made once by
/// the scripts in tools/ with the reference libraries.
enum FixtureFiles {
    static func path(_ relative: String) -> String {
        let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        return root.appendingPathComponent(relative).path
    }

    /// A JSON file the fixture script wrote beside a fixture.
    static func json(_ relative: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }
}
