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
}
