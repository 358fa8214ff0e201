import Foundation

/// A PostgreSQL server of a test's own, for tests that stop and start it (the shared
/// server of `PostgresTestServer` must stay up for everyone else). Made with `initdb` in a
/// temporary folder, run as the `postgres` user when the tests run as root, and removed
/// when the test is done.
public final class PostgresCluster {
  public let port: Int
  private let bin: String
  private let folder: TemporaryFolder
  private var data: String { folder.path("data") }

  /// The server programs: `$WARROOM_TEST_PG_BINDIR`, else the newest Debian install.
  public static var binDirectory: String? {
    if let dir = ProcessInfo.processInfo.environment["WARROOM_TEST_PG_BINDIR"], !dir.isEmpty {
      return dir
    }
    let root = "/usr/lib/postgresql"
    let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    return versions.compactMap(Int.init).sorted().last.map { "\(root)/\($0)/bin" }
      .flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") ? $0 : nil }
  }

  public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

  public init() throws {
    guard let bin = Self.binDirectory else { throw ClusterError("no PostgreSQL server found") }
    self.bin = bin
    folder = try TemporaryFolder()
    port = try Self.freePort()
    if getuid() == 0 { chmod(folder.url.path, 0o777) }  // for the postgres user
    try postgres(["\(bin)/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
    try start()
  }

  deinit {
    _ = try? postgres(["\(bin)/pg_ctl", "-D", data, "-m", "immediate", "stop"])
  }

  public func start() throws {
    try postgres([
      "\(bin)/pg_ctl", "-D", data, "-l", folder.path("log"), "-w", "-o",
      "-p \(port) -k \(folder.url.path) -c listen_addresses=127.0.0.1 -c fsync=on", "start",
    ])
  }

  /// Runs SQL with `psql` as the superuser and returns what it printed (unaligned, bare).
  @discardableResult
  public func sql(_ statement: String) throws -> String {
    let result = try Spawn.run([
      "\(bin)/psql", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-At", "-c",
      statement, "postgres",
    ])
    guard result.status == 0 else { throw ClusterError("psql exited \(result.status)") }
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// `psql` running `statement` in the background, for holding locks while a test acts.
  public func sqlInBackground(_ statement: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "\(bin)/psql")
    process.arguments = [
      "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-q", "-c", statement, "postgres",
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Kills the server as a crash would: no checkpoint, clients cut off mid-sentence.
  public func stopImmediately() throws {
    try postgres(["\(bin)/pg_ctl", "-D", data, "-m", "immediate", "stop"])
  }

  private func postgres(_ arguments: [String]) throws {
    // The server refuses to run as root.
    let argv = getuid() == 0 ? ["runuser", "-u", "postgres", "--"] + arguments : arguments
    let status = try Spawn.run(argv).status
    guard status == 0 else { throw ClusterError("\(arguments[0]) exited \(status)") }
  }

  private static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard bound else { throw ClusterError("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  public struct ClusterError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
  }
}
