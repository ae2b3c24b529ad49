import CZeroMQ
import Foundation

/// Writes a Jupyter kernelspec for this binary: `kernel.json` (from the
/// template in the repository's `kernelspec/` folder, with the absolute path
/// of the running executable) and the logos beside it.
public struct KernelSpecInstaller {
    /// Where the kernelspec goes, as `jupyter kernelspec install` names the choices.
    public enum Destination: Sendable, Equatable {
        /// The user's Jupyter data directory (`JUPYTER_DATA_DIR`, or the platform default).
        case user
        /// The prefix of the Python environment that runs `jupyter`.
        case sysPrefix
        /// `DIR/share/jupyter/kernels/NAME`.
        case prefix(String)
    }

    public static let defaultName = "loralab"
    public static let logoFiles = ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]

    public var name: String
    public var displayName: String?
    public var destination: Destination
    /// Variables for the kernel's process (kernel.json's `env`); empty writes none.
    public var environment: [String: String] = [:]

    public init(name: String = defaultName, displayName: String? = nil, destination: Destination = .user) {
        self.name = name
        self.displayName = displayName
        self.destination = destination
    }

    /// Installs and returns the kernelspec directory.
    public func install(executable: URL, templateDirectory: URL) throws -> URL {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw InstallError("kernel name '\(name)' may only contain ASCII letters, digits, '.', '_' and '-'")
        }
        let kernelsDirectory = try destinationKernelsDirectory()
        let target = kernelsDirectory.appendingPathComponent(name.lowercased(), isDirectory: true)
        let files = FileManager.default
        do {
            try files.createDirectory(at: target, withIntermediateDirectories: true)
        } catch {
            throw InstallError("cannot create \(target.path): \(error.localizedDescription)")
        }

        let spec = try kernelJSON(executable: executable, templateDirectory: templateDirectory)
        // Every file is written beside its final name and renamed over it, so
        // a frontend reading the kernelspec during a reinstall sees the old
        // file or the new one, never half of one.
        do {
            try spec.write(to: target.appendingPathComponent("kernel.json"), options: .atomic)
        } catch {
            throw InstallError("cannot write \(target.path)/kernel.json: \(error.localizedDescription)")
        }
        for logo in Self.logoFiles {
            let source = templateDirectory.appendingPathComponent(logo)
            let destination = target.appendingPathComponent(logo)
            do {
                try Data(contentsOf: source).write(to: destination, options: .atomic)
            } catch {
                throw InstallError("cannot copy \(source.path) to \(destination.path): \(error.localizedDescription)")
            }
        }
        return target
    }

    /// The name of the launcher built beside `loralab` (Sources/KernelLauncher).
    public static let launcherName = "loralab-kernel"

    /// The template's kernel.json with argv[0] set to the executable and the
    /// display name applied. When the launcher is beside the executable, the
    /// kernelspec starts it instead (`loralab-kernel -f …` for `loralab
    /// kernel -f …`): it listens on the ports before `loralab` has loaded.
    func kernelJSON(executable: URL, templateDirectory: URL) throws -> Data {
        let templateURL = templateDirectory.appendingPathComponent("kernel.json")
        guard let bytes = try? Data(contentsOf: templateURL),
              var spec = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any],
              var argv = spec["argv"] as? [String], !argv.isEmpty else {
            throw InstallError("\(templateURL.path) is missing or is not a kernelspec with an argv list")
        }
        argv[0] = executable.path
        let launcher = executable.deletingLastPathComponent().appendingPathComponent(Self.launcherName)
        if argv.count > 1, argv[1] == "kernel", FileManager.default.isExecutableFile(atPath: launcher.path) {
            argv = [launcher.path] + argv.dropFirst(2)
        }
        spec["argv"] = argv
        if let displayName { spec["display_name"] = displayName }
        if !environment.isEmpty { spec["env"] = environment }
        // Declaring CurveZMQ makes jupyter_client provision keys the kernel
        // must then use: only declare it when this libzmq can.
        if zmq_has("curve") == 0, var metadata = spec["metadata"] as? [String: Any] {
            metadata["supported_encryption"] = (metadata["supported_encryption"] as? [String])?.filter { $0 != "curve" }
            spec["metadata"] = metadata
        }
        return try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    private func destinationKernelsDirectory() throws -> URL {
        switch destination {
        case .prefix(let directory):
            let prefix = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
            return prefix.appendingPathComponent("share/jupyter/kernels", isDirectory: true)
        case .user:
            return Self.userDataDirectory().appendingPathComponent("kernels", isDirectory: true)
        case .sysPrefix:
            let prefix = try Self.pythonPrefixOfJupyter()
            return URL(fileURLWithPath: prefix, isDirectory: true)
                .appendingPathComponent("share/jupyter/kernels", isDirectory: true)
        }
    }

    /// Jupyter's per-user data directory, as jupyter_core computes it.
    static func userDataDirectory() -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["JUPYTER_DATA_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        let home = FileManager.default.homeDirectoryForCurrentUser
        #if os(macOS)
        return home.appendingPathComponent("Library/Jupyter", isDirectory: true)
        #else
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("jupyter", isDirectory: true)
        }
        return home.appendingPathComponent(".local/share/jupyter", isDirectory: true)
        #endif
    }

    /// `sys.prefix` of the Python that runs the `jupyter` found on PATH: the
    /// interpreter named by the script's `#!` line is asked directly.
    static func pythonPrefixOfJupyter() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/jupyter" }
        guard let jupyter = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw InstallError("--sys-prefix: no 'jupyter' on PATH; activate the environment that has Jupyter, or use --prefix DIR")
        }
        guard let script = FileManager.default.contents(atPath: jupyter),
              let firstLine = String(decoding: script.prefix(512), as: UTF8.self).split(separator: "\n").first,
              firstLine.hasPrefix("#!") else {
            throw InstallError("--sys-prefix: \(jupyter) is not a Python script with a #! line; use --prefix DIR")
        }
        let interpreter = firstLine.dropFirst(2).split(separator: " ").map(String.init)
        guard let program = interpreter.first else {
            throw InstallError("--sys-prefix: \(jupyter) has an empty #! line; use --prefix DIR")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(interpreter.dropFirst()) + ["-c", "import sys; print(sys.prefix)"]
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw InstallError("--sys-prefix: cannot run \(program): \(error.localizedDescription)")
        }
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let prefix = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !prefix.isEmpty else {
            throw InstallError("--sys-prefix: \(program) did not report its sys.prefix; use --prefix DIR")
        }
        return prefix
    }

    /// The `kernelspec/` folder of the source tree this binary was built in:
    /// the nearest ancestor of the executable that holds `kernelspec/kernel.json`.
    public static func templateDirectory(near executable: URL) -> URL? {
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" && !directory.path.isEmpty {
            let candidate = directory.appendingPathComponent("kernelspec", isDirectory: true)
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("kernel.json").path) {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}

public struct InstallError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
