import Foundation
import GRDB
import Testing
import WarroomTestSupport

/// Snapshots through the real binary: commands save them and start from them, the record
/// is never made from one, and `store verify` finds and removes one planted by hand.
@Suite("Snapshots end to end", .serialized)
struct SnapshotEndToEndTests {
  let folder: TemporaryFolder
  let store: String
  /// Small, so that a few commands make a snapshot.
  let environment = ["WARROOM_SNAPSHOT_AFTER": "3", "WARROOM_USER": "ann"]

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("w.db")
  }

  @discardableResult
  func warroom(_ arguments: String...) throws -> WarroomBinary.Result {
    try WarroomBinary.run(arguments + ["--store", store], environment: environment, timeout: 60)
  }

  func snapshots() throws -> [Row] {
    let queue = try DatabaseQueue(path: store)
    defer { try? queue.close() }
    return try queue.read {
      try Row.fetchAll($0, sql: "SELECT incident, seq, state FROM snapshots")
    }
  }

  /// `status` and plain entries read the snapshot as a summary, leaving the log's text
  /// unread; commands that name an entry from before it, or take one back, read it whole.
  @Test func entriesFromBeforeTheSnapshotCanBeTakenBackCorrectedAndStruck() throws {
    try warroom("declare", "Checkout down")
    try warroom("log", "add", "restarted db-1", "--manual-change")
    for text in ["a", "b", "c", "d", "e"] { try warroom("log", text, "--as", "bob") }
    #expect(try !snapshots().isEmpty, "a command that folded enough events saved one")
    let undone = try warroom("undo")
    #expect(undone.status == 0, "\(undone.stderr)")
    #expect(undone.stdout.contains("Took back: [MANUAL CHANGE] restarted db-1"), "\(undone.stdout)")
    #expect(undone.stdout.contains("Struck log #1: taken back by its author"), "\(undone.stdout)")
    #expect(try warroom("log", "edit", "2", "a, corrected").stdout.contains("Corrected log #2"))
    #expect(try warroom("log", "strike", "3", "wrong host").stdout.contains("Struck log #3"))
    #expect(try warroom("log", "f").stdout.contains("INC-1 #7 note: f"))
    let json = try warroom("export", "--format", "json").stdout
    let export = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let log = try #require(export["log"] as? [[String: Any]])
    #expect(
      log.map { $0["text"] as? String } == [
        "restarted db-1", "a, corrected", "b", "c", "d", "e", "f",
      ])
    #expect(log.map { $0["struckBy"] != nil } == [true, false, true, false, false, false, false])
    #expect(try warroom("store", "verify").status == 0)
  }

  @Test func aPlantedSnapshotNeverReachesTheRecordAndVerifyRemovesIt() throws {
    try warroom("declare", "Checkout down")
    for text in ["rolled back", "cache flushed", "errors falling", "all green"] {
      try warroom("log", text)
    }
    #expect(try warroom("status").stdout.contains("Checkout down"))
    let saved = try snapshots()
    try #require(saved.count == 1, "a command that folded enough events saved one")
    #expect(try warroom("store", "verify").status == 0)

    // Someone who can write the file rewrites the title inside the snapshot's bytes.
    var bytes: Data = saved[0]["state"]
    let real = Data("Checkout down".utf8)
    let forged = Data("All is well!!".utf8)
    while let range = bytes.range(of: real) { bytes.replaceSubrange(range, with: forged) }
    let queue = try DatabaseQueue(path: store)
    try queue.write { try $0.execute(sql: "UPDATE snapshots SET state = ?", arguments: [bytes]) }
    try queue.close()

    // The cache shows it; the post-mortem, made from the events, does not.
    #expect(try warroom("status").stdout.contains("All is well!!"))
    let postMortem = try warroom("export").stdout
    #expect(postMortem.contains("Checkout down"))
    #expect(!postMortem.contains("All is well!!"))
    let verify = try warroom("store", "verify")
    #expect(verify.status == 1)
    #expect(
      verify.stderr.contains(
        "the snapshot of INC-1 through event #\(saved[0]["seq"] as Int64) disagrees with its events; removed"
      ),
      "\(verify.stderr)")
    #expect(try snapshots().isEmpty)
    #expect(try warroom("store", "verify").status == 0)
    let status = try warroom("status").stdout
    #expect(status.contains("Checkout down"))
    #expect(!status.contains("All is well!!"))
  }

  /// On PostgreSQL the snapshot stays with the user who folded the events, in a folder
  /// of their own; the same rules hold for it as for the SQLite store's.
  @Test(.enabled(if: PostgresTestServer.url != nil))
  func onPostgreSQLTheSnapshotIsTheUsersOwnAndVerifyRemovesAPlantedOne() throws {
    let url = PostgresTestServer.isolated(try #require(PostgresTestServer.url), folder.url.path)
    let cache = folder.path("home/cache")
    var environment = environment
    environment["WARROOM_CACHE_DIR"] = cache
    @discardableResult
    func warroom(_ arguments: String...) throws -> WarroomBinary.Result {
      try WarroomBinary.run(arguments + ["--store", url], environment: environment, timeout: 60)
    }
    try warroom("declare", "Checkout down")
    for text in ["rolled back", "cache flushed", "errors falling", "all green"] {
      try warroom("log", text)
    }
    #expect(try warroom("status").stdout.contains("Checkout down"))
    let files = try FileManager.default.contentsOfDirectory(atPath: cache)
    try #require(files.count == 1 && files[0].hasSuffix(".snapshot"), "\(files)")
    let file = cache + "/" + files[0]
    let header = String(
      decoding: try Data(contentsOf: URL(fileURLWithPath: file)).prefix(200), as: UTF8.self)
    let covered = try #require(
      header.split(separator: "\n").dropFirst().first?.split(separator: " ").dropFirst().first)
    let attributes = try FileManager.default.attributesOfItem(atPath: cache)
    #expect((attributes[.posixPermissions] as? Int) == 0o700)

    // The user's own file rewritten: their status shows it, the post-mortem does not.
    var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
    while let range = bytes.range(of: Data("Checkout down".utf8)) {
      bytes.replaceSubrange(range, with: Data("All is well!!".utf8))
    }
    try bytes.write(to: URL(fileURLWithPath: file))
    #expect(try warroom("status").stdout.contains("All is well!!"))
    #expect(!(try warroom("export").stdout.contains("All is well!!")))
    // Another user (another cache) never sees it.
    var other = environment
    other["WARROOM_CACHE_DIR"] = folder.path("home/other")
    let theirs = try WarroomBinary.run(["status", "--store", url], environment: other)
    #expect(theirs.stdout.contains("Checkout down"))
    let verify = try warroom("store", "verify")
    #expect(verify.status == 1)
    #expect(
      verify.stderr.contains(
        "the snapshot of INC-1 through event #\(covered) disagrees with its events"),
      "\(verify.stderr)")
    #expect(!FileManager.default.fileExists(atPath: file))
    #expect(try warroom("store", "verify").status == 0)
    #expect(try warroom("status").stdout.contains("Checkout down"))
  }

  /// A cache that cannot be written (a full disk, here a file size limit that makes
  /// every write past 20 KB fail) costs the command nothing but the save, and leaves no
  /// partial file behind.
  @Test(.enabled(if: PostgresTestServer.url != nil))
  func aSnapshotThatCannotBeWrittenIsPassedOver() throws {
    let url = PostgresTestServer.isolated(try #require(PostgresTestServer.url), folder.url.path)
    // Written with no cache (the harness's default): the snapshot's 30 KB of text is
    // first saved by the command under the limit.
    try #require(try WarroomBinary.run(["declare", "--store", url, "Checkout down"]).status == 0)
    for n in 1...3 {
      let text = "entry \(n): " + String(repeating: "x", count: 10_000)
      try #require(try WarroomBinary.run(["log", "--store", url, text]).status == 0)
    }
    let cache = folder.path("cache")
    var environment = ProcessInfo.processInfo.environment
    environment["WARROOM_CACHE_DIR"] = cache
    environment["WARROOM_USER"] = "ann"
    environment["WARROOM_SNAPSHOT_AFTER"] = "3"
    // Ignored, SIGXFSZ is ignored in the command too: its writes fail with EFBIG instead.
    let limited = try Spawn.capture(
      [
        "/bin/sh", "-c", "trap '' XFSZ; ulimit -f 40; exec \"$0\" \"$@\"", WarroomBinary.path,
        "status", "--store", url,
      ], environment: environment)
    #expect(limited.status == 0, "\(String(decoding: limited.stderr, as: UTF8.self))")
    #expect(String(decoding: limited.stdout, as: UTF8.self).contains("Checkout down"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: cache).isEmpty)
    let status = try WarroomBinary.run(
      ["status", "--store", url],
      environment: ["WARROOM_CACHE_DIR": cache, "WARROOM_SNAPSHOT_AFTER": "3"])
    #expect(status.status == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: cache).count == 1)
  }
}
