import Foundation
import Testing
import WarroomTestSupport

@Suite("Many processes share one store")
struct ConcurrentWritersTests {
  /// Eight real processes × 100 `warroom log` each, all started together on a store that
  /// does not exist yet: every entry lands once, each writer's entries in its own order.
  @Test func eightWritersOnABrandNewStoreLoseNothing() throws {
    let folder = try TemporaryFolder()
    try eightWriters(store: folder.path("shared/warroom.db"), folder: folder)
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func eightWritersOnPostgreSQLLoseNothing() throws {
    let folder = try TemporaryFolder()
    let url = try #require(PostgresTestServer.url)
    try eightWriters(store: PostgresTestServer.isolated(url, folder.url.path), folder: folder)
  }

  func eightWriters(store: String, folder: TemporaryFolder) throws {
    let writers = 8
    let perWriter = 100
    let script = """
      set -e
      W="$1"; STORE="$2"; ME="$3"; N="$4"
      for i in $(seq 1 "$N"); do "$W" log --store "$STORE" --as "$ME" --incident 1 "$ME entry $i" ; done
      """
    // First race: 8 processes create the brand-new store at the same moment, each
    // declaring an incident (`log` needs one to exist).
    let declarations = try (0..<writers).map { n in
      try WarroomBinary.start(["declare", "--store", store, "--as", "w\(n)", "race \(n)"])
    }
    for process in declarations { process.waitUntilExit() }
    #expect(declarations.allSatisfy { $0.terminationStatus == 0 })
    let list = try WarroomBinary.run(["list", "--store", store])
    #expect(list.stdout.split(separator: "\n").count == writers)

    // Second race: 8 writers × 100 appends to INC-1, each a separate process.
    let scriptPath = folder.path("writer.sh")
    try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    let processes = try (0..<writers).map { n -> Process in
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = [scriptPath, WarroomBinary.path, store, "w\(n)", String(perWriter)]
      process.standardError = Pipe()
      try process.run()
      return process
    }
    for process in processes { process.waitUntilExit() }
    #expect(processes.allSatisfy { $0.terminationStatus == 0 })

    let export = try WarroomBinary.run([
      "export", "--store", store, "--incident", "1", "--format", "json",
    ])
    #expect(export.status == 0)
    let json = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as! [String: Any]
    let log = json["log"] as! [[String: String]]
    let entries = log
    #expect(entries.count == writers * perWriter)
    for n in 0..<writers {
      let mine = entries.filter { $0["by"] == "w\(n)" }.map { $0["text"]! }
      #expect(mine == (1...perWriter).map { "w\(n) entry \($0)" })
    }
  }
}
