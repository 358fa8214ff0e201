import Foundation
import Testing
import WarroomTestSupport

@Suite("The command line contract")
struct CommandLineTests {
  let folder: TemporaryFolder
  let store: String

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("w.db")
  }

  @discardableResult
  func warroom(_ arguments: String..., stdin: String? = nil) throws -> WarroomBinary.Result {
    // Options go after the (sub)command's name: at the end is always right.
    try WarroomBinary.run(arguments + ["--store", store], stdin: stdin)
  }

  @Test func declarePrintsTheNewIncidentsID() throws {
    let result = try warroom("declare", "Checkout is down", "--ticket", "IM-1")
    #expect(result.status == 0)
    #expect(result.stdout == "INC-1\n")
    #expect(try warroom("declare", "Second").stdout == "INC-2\n")
  }

  @Test func aWholeIncidentFromTheCommandLine() throws {
    try warroom("declare", "Checkout is down", "--channel", "#inc")
    #expect(try warroom("role", "assign", "lead", "alice").status == 0)
    #expect(
      try warroom("experiment", "add", "Pool exhausted", "--owner", "dan", "--target", "db").stdout
        == "1\n")
    #expect(try warroom("experiment", "add", "Disk full", "--target", "db").stdout == "2\n")
    try warroom("experiment", "start", "1")
    let start = try warroom("experiment", "start", "2")
    #expect(start.stderr.contains("may interfere"))
    let status = try warroom("status")
    #expect(status.stdout.contains("CONFLICT   #1 and #2 both run on db"))
    #expect(status.stdout.contains("communicator UNFILLED"))
    try warroom("experiment", "conclude", "1", "--refuted", "pool at 40%")
    try warroom("log", "--manual-change", "restarted db-1")
    try warroom("update", "Still investigating")
    try warroom("why", "Why down?", "Disk full")
    #expect(try warroom("followup", "add", "Alert on disk", "--owner", "dan").stdout == "1\n")
    try warroom("mitigate")
    let refused = try warroom("resolve")
    #expect(refused.status == 1)
    #expect(refused.stderr.hasPrefix("warroom: cannot announce green"))
    try warroom("verify", "Customer confirms")
    try warroom("followup", "done", "1")
    #expect(try warroom("resolve").status == 0)
    let json = try warroom("status", "--json")
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
    #expect(object["colour"] as? String == "green")
    let markdown = try warroom("export")
    #expect(markdown.stdout.contains("## Manual changes\n\n- "))
    #expect(markdown.stdout.contains("restarted db-1"))
    #expect(try warroom("reopen", "--reason", "errors again").status == 0)
    #expect(try warroom("status", "--json").stdout.contains("\"colour\" : \"red\""))
  }

  @Test func exportWritesAFile() throws {
    try warroom("declare", "X")
    let output = folder.path("pm.md")
    #expect(try warroom("export", "--output", output).status == 0)
    #expect(
      try String(contentsOfFile: output, encoding: .utf8).hasPrefix("# Post-mortem: X (INC-1)"))
  }

  @Test func refusalsExitOneWithOneLine() throws {
    try warroom("declare", "X")
    for arguments in [
      ["status", "--incident", "9"], ["experiment", "start", "4"], ["step", "done", "14"],
      ["role", "release", "lead", "nobody"], ["cadence", "50m"], ["followup", "done", "3"],
    ] {
      let result = try WarroomBinary.run(arguments + ["--store", store])
      #expect(result.status == 1, "\(arguments)")
      #expect(result.stderr.hasPrefix("warroom: "), "\(arguments)")
      #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
    }
  }

  @Test func badUsageExitsSixtyFourWithOneLine() throws {
    try warroom("declare", "X")
    for arguments in [
      ["log", ""], ["log"], ["cadence", "soon"], ["role", "assign", "chef", "bob"],
      ["experiment", "conclude", "1", "result without outcome"], ["declare", "  "],
      ["step", "done", "two"], ["update", " "],
    ] {
      let result = try WarroomBinary.run(arguments + ["--store", store])
      #expect(result.status == 64, "\(arguments)")
      #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
    }
  }

  @Test func noOpenIncidentIsAClearError() throws {
    try warroom("declare", "Old")
    try warroom("resolve", "--force", "test")
    let result = try warroom("log", "hello")
    #expect(result.status == 1)
    #expect(result.stderr.contains("no open incident"))
  }

  @Test func badFilesAreRefusedByteIdentical() throws {
    let garbage = folder.path("garbage.db")
    let bytes = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
    try bytes.write(to: URL(fileURLWithPath: garbage))
    let result = try WarroomBinary.run(["log", "--store", garbage, "x"])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "warroom: \(garbage) is not a warroom store (not an SQLite database); it was left untouched\n"
    )
    #expect(try Data(contentsOf: URL(fileURLWithPath: garbage)) == bytes)
  }

  @Test func aReadOnlyStoreRefusesWritesButShowsStatus() throws {
    try warroom("declare", "Frozen")
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: store)
    let before = try Data(contentsOf: URL(fileURLWithPath: store))
    let write = try warroom("log", "x")
    #expect(write.status == 1)
    #expect(write.stderr == "warroom: \(store) is read-only: nothing was written\n")
    #expect(try warroom("status").status == 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)
  }

  @Test func escapeSequencesNeverReachTheTerminal() throws {
    try warroom("declare", "evil \u{1B}]0;owned\u{07}")
    try warroom("log", "\u{1B}[2J\u{1B}[31mred")
    let status = try warroom("status")
    #expect(!status.stdout.contains("\u{1B}"))
    #expect(status.stdout.contains("evil ^[]0;owned^G"))
    #expect(!(try warroom("export").stdout.contains("\u{1B}")))
  }

  @Test func storeCopyIsWholeAndIdempotent() throws {
    try warroom("declare", "Copied")
    try warroom("log", "first", "--as", "carol")
    let copy = folder.path("backup/copy.db")
    let first = try WarroomBinary.run(["store", "copy", "--from", store, "--to", copy])
    #expect(first.status == 0)
    #expect(first.stderr.hasPrefix("copied 2 events"))
    let second = try WarroomBinary.run(["store", "copy", "--from", store, "--to", copy])
    #expect(
      second.stderr.contains("copied 0 events") && second.stderr.contains("2 were already there"))
    let original = try warroom("export", "--format", "json").stdout
    let copied = try WarroomBinary.run(["export", "--store", copy, "--format", "json"]).stdout
    func events(_ json: String) throws -> NSArray {
      let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
      return object["events"] as! NSArray
    }
    #expect(try events(original) == events(copied))
    let missing = try WarroomBinary.run([
      "store", "copy", "--from", folder.path("none.db"), "--to", copy,
    ])
    #expect(missing.status == 1)
    #expect(!FileManager.default.fileExists(atPath: folder.path("none.db")))
  }

  @Test func helpWorksEverywhere() throws {
    for command in ["declare", "log", "role", "experiment", "status", "export", "resolve"] {
      let result = try WarroomBinary.run([command, "--help"])
      #expect(result.status == 0)
      #expect(result.stdout.contains("USAGE"))
    }
  }
}
