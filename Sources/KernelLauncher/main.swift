// loralab-kernel -f CONNECTION_FILE: what the kernelspec launches. It binds
// the connection file's five TCP ports and starts listening on them, then
// replaces itself with `loralab kernel`, which hands the listening sockets
// to ZeroMQ (ZMQ_USE_FD) instead of binding again.
//
// Why: a frontend connects within a few milliseconds of launching the
// kernel, before `loralab` (Foundation, OpenBLAS, ZeroMQ) has even reached
// main. A connection refused then costs it ZeroMQ's reconnect interval,
// 100 ms, which is most of the time to a first reply (docs/protocol.md,
// "Start-up"). This program loads nothing but the C library and listens
// about 2 ms after launch; the kernel accepts the waiting connections when
// it is ready.
//
// It never fails on its own account: when the file cannot be read, is not
// TCP on an IPv4 address, or a port cannot be bound, it passes no sockets
// and `loralab kernel` binds (and reports) as it always does. It reads only
// the keys it needs; the kernel parses and checks the whole file, and
// ignores a socket whose port is not the one the file names.
import Glibc

/// The channels in the order of the sockets' descriptors, with their connection-file keys.
let channels = [("shell", "shell_port"), ("control", "control_port"), ("stdin", "stdin_port"),
                ("iopub", "iopub_port"), ("heartbeat", "hb_port")]

func fail(_ message: String) -> Never {
    let line = Array("loralab-kernel: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(2)
}

/// The directory this executable is in (loralab is beside it).
func ownDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
    guard length > 0 else { fail("cannot read /proc/self/exe: \(String(cString: strerror(errno)))") }
    let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return String(path[..<slash])
}

/// The file's bytes, or nil (a connection file is a few hundred bytes; more than 64 KiB is not one).
func contents(of path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes = [UInt8](repeating: 0, count: 65536)
    let count = fread(&bytes, 1, bytes.count, file)
    guard count < bytes.count, ferror(file) == 0 else { return nil }
    return Array(bytes[0..<count])
}

/// The scalar after `"key":` in a flat JSON object: a string's characters
/// (without escapes: ports, addresses and transports have none) or a number's
/// digits. Nil when the key is absent or its value is anything else.
func value(of key: String, in json: [UInt8]) -> String? {
    let quoted = Array("\"\(key)\"".utf8)
    var index = 0
    while index + quoted.count <= json.count {
        guard Array(json[index..<index + quoted.count]) == quoted else { index += 1; continue }
        var cursor = index + quoted.count
        func skipSpace() { while cursor < json.count, [0x20, 0x09, 0x0A, 0x0D].contains(json[cursor]) { cursor += 1 } }
        skipSpace()
        // A key is followed by a colon; the same text as a value is followed by , or }.
        guard cursor < json.count, json[cursor] == UInt8(ascii: ":") else { index += 1; continue }
        cursor += 1
        skipSpace()
        guard cursor < json.count else { return nil }
        if json[cursor] == UInt8(ascii: "\"") {
            let start = cursor + 1
            guard let end = json[start...].firstIndex(of: UInt8(ascii: "\"")),
                  !json[start..<end].contains(UInt8(ascii: "\\")) else { return nil }
            return String(decoding: json[start..<end], as: UTF8.self)
        }
        let start = cursor
        while cursor < json.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(json[cursor]) { cursor += 1 }
        return cursor > start ? String(decoding: json[start..<cursor], as: UTF8.self) : nil
    }
    return nil
}

/// A socket listening on ip:port, inherited by the program exec'd next; nil when it cannot be made.
func listeningSocket(ip: in_addr, port: UInt16) -> Int32? {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return nil }
    // As libzmq's own TCP listener does, so that a port in TIME_WAIT can be bound again.
    var on: Int32 = 1
    setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr = ip
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    // libzmq's default backlog (ZMQ_BACKLOG).
    guard bound == 0, listen(descriptor, 100) == 0 else {
        close(descriptor)
        return nil
    }
    return descriptor
}

/// `name=fd,…` for every channel, or "" when any of them cannot listen (then none does).
func listenOnEveryPort(connectionFile: String) -> String {
    guard let json = contents(of: connectionFile) else { return "" }
    let transport = value(of: "transport", in: json) ?? "tcp"
    var ip = in_addr()
    guard transport == "tcp", inet_pton(AF_INET, value(of: "ip", in: json) ?? "127.0.0.1", &ip) == 1 else { return "" }
    var opened: [(String, Int32)] = []
    for (channel, key) in channels {
        guard let digits = value(of: key, in: json), let port = UInt16(digits), port > 0,
              let descriptor = listeningSocket(ip: ip, port: port) else {
            for (_, descriptor) in opened { close(descriptor) }
            return ""
        }
        opened.append((channel, descriptor))
    }
    return opened.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
}

let arguments = CommandLine.arguments
guard arguments.count == 3, arguments[1] == "-f" else {
    fail("usage: loralab-kernel -f CONNECTION_FILE (Jupyter runs this through the kernelspec `loralab install` writes)")
}
let connectionFile = arguments[2]
let kernel = ownDirectory() + "/loralab"
var kernelArguments = [kernel, "kernel", "-f", connectionFile]
let sockets = listenOnEveryPort(connectionFile: connectionFile)
if !sockets.isEmpty { kernelArguments += ["--listening-sockets", sockets] }

let argv = kernelArguments.map { strdup($0) } + [nil]
execv(kernel, argv)
fail("cannot start \(kernel): \(String(cString: strerror(errno)))")
