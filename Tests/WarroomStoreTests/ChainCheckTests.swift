import Foundation
import GRDB
import Testing
import WarroomCore
import WarroomTestSupport

@testable import WarroomStore

/// `verify` hashes rows in place in SQLite's buffers; these tests hold it to the answer
/// of the usual reading (each column turned into a `String` through GRDB, then hashed)
/// on rows planted by hand in every shape the in-place reading refuses.
@Suite("Checking the chain in place")
struct ChainCheckTests {
  let folder: TemporaryFolder
  let clock = Date(timeIntervalSince1970: 1_798_000_000)

  init() throws { folder = try TemporaryFolder() }

  /// Hand edits, each as SQL on one row (`?` is its number).
  static let edits = [
    "UPDATE events SET payload = CAST(payload AS BLOB) WHERE seq = ?",
    "UPDATE events SET actor = actor || char(0) || 'mallory' WHERE seq = ?",
    "UPDATE events SET at_ms = CAST(at_ms AS TEXT) WHERE seq = ?",
    "UPDATE events SET at_ms = at_ms + 0.5 WHERE seq = ?",
    "UPDATE events SET payload = CAST(X'7B22C328' AS TEXT) WHERE seq = ?",
    "UPDATE events SET payload = CAST(X'7BF09F9A927D' AS TEXT) WHERE seq = ?",
    "UPDATE events SET os_user = 42 WHERE seq = ?",
    "UPDATE events SET os_user = NULL WHERE seq = ?",
    "UPDATE events SET hash = hash || char(0) || 'junk' WHERE seq = ?",
    "UPDATE events SET hash = upper(hash) WHERE seq = ?",
    "UPDATE events SET hash = NULL WHERE seq = ?",
    "UPDATE events SET hash = CAST(hash AS BLOB) WHERE seq = ?",
    "UPDATE events SET incident = 7 WHERE seq = ?",
    "UPDATE events SET type = '' WHERE seq = ?",
    "UPDATE events SET payload = 'tweaked ' || payload WHERE seq = ?",
  ]

  @Test(arguments: 0..<40)
  func aHandEditedStoreGetsTheAnswerTheUsualReadingGives(seed: Int) throws {
    var random = SplitMix(UInt64(seed) &* 7919 &+ 1)
    let path = folder.path("store-\(seed).db")
    let store = try SQLiteEventStore(path: path)
    let id = try store.declare(Declared(title: "chain"), actor: "alice", at: clock)
    for n in 0..<10 {
      let text = n % 3 == 0 ? "naïve \"quote\" \\ tab\t🚒 \(n)" : "note \(n)"
      try store.append([
        NewEvent(
          incident: id, at: clock.addingTimeInterval(Double(n)), actor: "bob",
          event: .logged(LogAdded(kind: .note, text: text)))
      ])
    }
    let queue = try DatabaseQueue(path: path)
    let edited = Int64(random.below(11) + 1)
    let edit = Self.edits[random.below(Self.edits.count)]
    let rechain = random.below(2) == 0
    try queue.write { db in
      try db.execute(sql: "DROP TRIGGER events_are_immutable")
      try db.execute(sql: edit, arguments: [edited])
      // An attacker who knows the rule hashes again every row from the edit onward.
      if rechain { try Self.rechain(db, from: edited) }
    }
    let expected = try queue.read { db in
      EventChain.verify(try Self.usualReading(db))
    }
    #expect(try store.verify().report == expected, "\(edit) on #\(edited), rechained: \(rechain)")
  }

  @Test func anUntouchedStoreIsIntactWithItsHead() throws {
    let path = folder.path("store.db")
    let store = try SQLiteEventStore(path: path)
    let id = try store.declare(Declared(title: "chain"), actor: "alice", at: clock)
    let written = try store.append([
      NewEvent(
        incident: id, at: clock, actor: "bob", event: .logged(LogAdded(kind: .note, text: "é")))
    ])
    let head = try store.chainHead()
    #expect(try store.verify().report == .intact(events: 2, head: head?.hash ?? "?"))
    #expect(written.count == 1)
  }

  @Test func plainUTF8MeansValidAndWithoutNUL() {
    func plain(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer(ChainCheck.isPlainUTF8) }
    #expect(plain(Array("naïve 🚒".utf8)))
    #expect(plain([]))
    #expect(!plain([0x61, 0x00, 0x62]))
    #expect(!plain([0xC3, 0x28]))
    #expect(!plain([0xED, 0xA0, 0x80]), "a surrogate")
    #expect(!plain([0xF0, 0x9F, 0x9A]), "cut short")
    #expect(!plain([0xC0, 0xAF]), "overlong")
  }

  /// Rows read the way every other read turns columns into values.
  static func usualReading(_ db: Database) throws -> [(event: StoredEvent, hash: String?)] {
    try Row.fetchAll(
      db,
      sql:
        "SELECT seq, incident, at_ms, actor, type, payload, os_user, hash FROM events ORDER BY seq"
    ).map { row in
      let osUser: DatabaseValue = row[6]
      let hash: DatabaseValue = row[7]
      return (
        StoredEvent(
          seq: row.storedNumber(0), incident: row.storedText(1),
          atMilliseconds: row.storedNumber(2), actor: row.storedText(3),
          type: row.storedText(4), payload: row.storedText(5),
          osUser: osUser.isNull ? nil : row.storedText(6)),
        hash.isNull ? nil : row.storedText(7)
      )
    }
  }

  static func rechain(_ db: Database, from seq: Int64) throws {
    var previous = ""
    for (event, hash) in try usualReading(db) {
      if event.seq >= seq {
        let fresh = EventChain.hash(previous: previous, event)
        try db.execute(
          sql: "UPDATE events SET hash = ? WHERE seq = ?", arguments: [fresh, event.seq])
        previous = fresh
      } else {
        previous = hash ?? ""
      }
    }
  }
}
