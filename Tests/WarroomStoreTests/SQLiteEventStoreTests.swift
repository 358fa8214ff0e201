import Foundation
import GRDB
import Testing
import WarroomCore
import WarroomTestSupport

@testable import WarroomStore

@Suite("SQLite event store")
struct SQLiteEventStoreTests {
  let folder: TemporaryFolder
  let clock = Date(timeIntervalSince1970: 1_798_000_000)

  init() throws { folder = try TemporaryFolder() }

  @Test func createsTheStoreAndItsFolderPrivately() throws {
    let path = folder.path("nested/deeper/warroom.db")
    _ = try SQLiteEventStore(path: path)
    let file = try FileManager.default.attributesOfItem(atPath: path)
    let dir = try FileManager.default.attributesOfItem(atPath: folder.path("nested/deeper"))
    #expect((file[.posixPermissions] as? Int) == 0o600)
    #expect((dir[.posixPermissions] as? Int) == 0o700)
  }

  /// A commit wakes a reader watching the folder through its own write to the log, and
  /// by then the reader finds it: warroom's writers do not sync at commit, so the commit
  /// is visible a moment after that write (no separate mark is needed).
  @Test func aCommitWakesReadersWhoThenFindIt() throws {
    let path = folder.path("w.db")
    let writer = try SQLiteEventStore(path: path)
    let id = try writer.declare(Declared(title: "x"), actor: "a", at: clock)
    let reader = try SQLiteEventStore(path: path)
    let seen = try reader.latestSequence()
    let signal = try SQLiteEventStore.folderSignal(watching: path)
    _ = signal.drain()
    try writer.append([NewEvent(incident: id, at: clock, actor: "a", event: .mitigated())])
    #expect(waitReadable(signal.fileDescriptor, milliseconds: 2000))
    #expect(signal.drain(), "the log's write names the store")
    #expect(try reader.events(after: seen, incident: nil, limit: nil).count == 1)
    // Reads alone wake nobody: an idle store lets its readers sleep.
    _ = try reader.events(after: 0, incident: nil, limit: nil)
    _ = try reader.load(id)
    #expect(!waitReadable(signal.fileDescriptor, milliseconds: 50) || !signal.drain())
  }

  /// An append remembers the chain's tail for the next one; whatever else writes between
  /// them — another connection, a row planted by hand, a transaction that failed after
  /// an insert, then a write of another kind — the next append still follows the real
  /// tail. (Without forgetting on failure, the rolled-back event's tail is taken for the
  /// real one and the chain breaks; without the version check, another writer's rows are.)
  @Test func aRememberedTailGivesWayToEveryOtherWrite() throws {
    let path = folder.path("tail.db")
    let mine = try SQLiteEventStore(path: path)
    let theirs = try SQLiteEventStore(path: path)
    let id = try mine.declare(Declared(title: "x"), actor: "a", at: clock)
    func note(_ text: String, by actor: String = "a") -> NewEvent {
      NewEvent(
        incident: id, at: clock, actor: actor, event: .logged(LogAdded(kind: .note, text: text)))
    }
    try mine.append([note("one")])
    try theirs.append([note("from another connection")])
    try mine.append([note("two")])
    // A row written by hand, chained properly, by a third connection.
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
      let tail = try Row.fetchOne(db, sql: "SELECT seq, hash FROM events ORDER BY seq DESC")!
      let planted = StoredEvent(
        seq: tail["seq"] + 1, incident: id.rawValue, atMilliseconds: 0, actor: "hand",
        type: "logged", payload: #"{"kind":"note","text":"by hand"}"#)
      try db.execute(
        sql: """
          INSERT INTO events (seq, incident, at_ms, actor, type, payload, hash)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          planted.seq, planted.incident, planted.atMilliseconds, planted.actor, planted.type,
          planted.payload, EventChain.hash(previous: tail["hash"], planted),
        ])
      // Any insert by this actor fails: the transaction below rolls back after an insert.
      try db.execute(
        sql: """
          CREATE TRIGGER refuse_boom BEFORE INSERT ON events WHEN NEW.actor = 'boom'
          BEGIN SELECT RAISE(ABORT, 'refused'); END
          """)
    }
    try mine.append([note("three")])
    #expect(throws: (any Error).self) {
      try mine.append([note("written, then rolled back"), note("refused", by: "boom")])
    }
    try mine.appendSamples([
      ProbeSample(
        incident: id, probe: "p", atMs: 1, value: 1, latencyMs: 1, state: .passing)
    ])
    try mine.append([note("four")])
    try theirs.append([note("five, from the other connection")])
    try mine.append([note("six")])
    let report = try mine.verify().report
    guard case .intact(let count, _) = report else {
      Issue.record("the chain broke: \(report)")
      return
    }
    #expect(count == 9)
    let texts = try mine.load(id).log.map(\.text)
    #expect(texts.contains("four") && !texts.contains("written, then rolled back"))
  }

  @Test func unknownEventTypesAreKeptAndSkipped() throws {
    let path = folder.path("w.db")
    let store = try SQLiteEventStore(path: path)
    let id = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    // A newer warroom wrote an event type this one does not know.
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
      try db.execute(
        sql:
          "INSERT INTO events (incident, at_ms, actor, type, payload) VALUES (?, 0, 'bot', 'pager-escalated', '{\"level\":2}')",
        arguments: [id.rawValue])
    }
    try queue.close()
    try store.append([NewEvent(incident: id, at: clock, actor: "a", event: .mitigated())])
    let state = try store.load(id)
    #expect(state.skipped.map(\.type) == ["pager-escalated"])
    #expect(state.status == .mitigated)
    let kept = try store.events(after: 0, incident: id, limit: nil)[1]
    #expect(kept.event == .unknown(type: "pager-escalated", payload: "{\"level\":2}"))
  }

  @Test func eventsCannotBeChangedOrDeleted() throws {
    let path = folder.path("w.db")
    let store = try SQLiteEventStore(path: path)
    _ = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    let queue = try DatabaseQueue(path: path)
    #expect(throws: DatabaseError.self) {
      try queue.write { try $0.execute(sql: "UPDATE events SET actor = 'mallory'") }
    }
    #expect(throws: DatabaseError.self) {
      try queue.write { try $0.execute(sql: "DELETE FROM events") }
    }
  }

  // MARK: - Bad files are refused and left byte-identical

  @Test func aGarbageFileIsRefusedUntouched() throws {
    let path = folder.path("garbage.db")
    let bytes = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    try bytes.write(to: URL(fileURLWithPath: path))
    #expect(throws: StoreError.notAStore(path: path, reason: "not an SQLite database")) {
      try SQLiteEventStore(path: path)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
  }

  @Test func aTextFileIsRefusedUntouched() throws {
    let path = folder.path("notes.txt")
    try Data("my notes\n".utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: StoreError.self) { try SQLiteEventStore(path: path) }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "my notes\n")
  }

  @Test func anotherApplicationsDatabaseIsRefusedUntouched() throws {
    let path = folder.path("other.db")
    let queue = try DatabaseQueue(path: path)
    try queue.write {
      try $0.execute(sql: "CREATE TABLE events (x); INSERT INTO events VALUES (1)")
    }
    try queue.close()
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(
      throws: StoreError.notAStore(path: path, reason: "an SQLite database of another application")
    ) { try SQLiteEventStore(path: path) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }

  @Test func aStoreOfTheFirstSchemaIsUpgradedAndKeepsItsEvents() throws {
    // Written by the warroom before request ids: schema 1, one incident.
    let path = folder.path("old.db")
    let queue = try DatabaseQueue(path: path)
    try Schema.migrator.migrate(queue, upTo: "v1: events")
    try queue.write { db in
      try db.execute(
        sql: """
          INSERT INTO events (incident, at_ms, actor, type, payload)
          VALUES ('INC-1', 1798000000000, 'a', 'declared', ?)
          """, arguments: [Event.declared(Declared(title: "old")).payloadJSON()])
    }
    try queue.close()
    #expect(try StoreFile.inspect(path) == .warroom(schema: 1))

    let store = try SQLiteEventStore(path: path)
    #expect(try StoreFile.inspect(path) == .warroom(schema: Schema.version))
    var state = try store.load(IncidentID(number: 1))
    #expect(state.title == "old")
    let request = RequestID()
    for _ in 1...2 {
      try store.write(to: &state, actor: "r", at: clock, request: request) {
        try Rules.decide(.log(.note, "after the upgrade"), in: $0)
      }
    }
    #expect(try store.load(state.id).log.map(\.text) == ["after the upgrade"])
  }

  /// POSIX locks belong to the process: closing any descriptor of a file drops them all.
  /// A second store on the same file in one process (the dashboard's deliverer beside its
  /// screen) once opened and closed the file to read its header, which dropped the first
  /// connection's locks; another process then thought nobody read the store, deleted its
  /// write-ahead log on closing, and what the first connection wrote next was lost.
  @Test func aSecondOpenInOneProcessKeepsTheFirstConnectionsWritesSafe() throws {
    let path = folder.path("shared.db")
    let first = try SQLiteEventStore(path: path)
    let id = try first.declare(Declared(title: "x"), actor: "a", at: Date())
    var state = try first.load(id)
    let second = try SQLiteEventStore(path: path)
    _ = try second.load(id)
    let other = try WarroomBinary.run(["log", "from another process", "--store", path])
    #expect(other.status == 0, "\(other.stderr)")
    try first.write(to: &state, actor: "a", at: Date()) {
      try Rules.decide(.log(.note, "written after the other process closed"), in: $0)
    }
    #expect(FileManager.default.fileExists(atPath: path + "-wal"))
    let reread = try WarroomBinary.run(["export", "--format", "json", "--store", path])
    #expect(reread.stdout.contains("written after the other process closed"))
    withExtendedLifetime(second) {}
  }

  @Test func aStoreOfANewerSchemaIsRefusedUntouched() throws {
    let path = folder.path("newer.db")
    _ = try SQLiteEventStore(path: path)
    let queue = try DatabaseQueue(path: path)
    try queue.write { try $0.execute(sql: "PRAGMA user_version = 99") }
    try queue.close()
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(throws: StoreError.newerSchema(path: path, version: 99, supported: Schema.version)) {
      try SQLiteEventStore(path: path)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }

  @Test func aReadOnlyStoreCanBeReadButNotWritten() throws {
    let path = folder.path("frozen.db")
    let id: IncidentID
    do {
      let store = try SQLiteEventStore(path: path)
      id = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    }
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let store = try SQLiteEventStore(path: path)
    #expect(store.isReadOnly)
    #expect(try store.load(id).title == "x")
    var state = try store.load(id)
    #expect(throws: StoreError.readOnly(path: path)) {
      try store.write(to: &state, actor: "a", at: clock) { _ in [.mitigated()] }
    }
    #expect(throws: StoreError.readOnly(path: path)) {
      try store.declare(Declared(title: "y"), actor: "a", at: clock)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }

  @Test func storeLocationFollowsOptionThenEnvironmentThenXDG() {
    #expect(
      StoreLocation.resolve(explicit: "/x.db", environment: ["WARROOM_STORE": "/y.db"]) == "/x.db")
    #expect(
      StoreLocation.resolve(explicit: nil, environment: ["WARROOM_STORE": "/y.db"]) == "/y.db")
    #expect(
      StoreLocation.resolve(explicit: nil, environment: ["XDG_DATA_HOME": "/data", "HOME": "/h"])
        == "/data/warroom/warroom.db")
    #expect(
      StoreLocation.resolve(explicit: nil, environment: ["HOME": "/h"])
        == "/h/.local/share/warroom/warroom.db")
    #expect(StoreLocation.resolve(explicit: "~/w.db", environment: ["HOME": "/h"]) == "/h/w.db")
  }
}

/// Waits until `fd` is readable, up to a limit.
func waitReadable(_ fd: Int32, milliseconds: Int32) -> Bool {
  var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
  return poll(&entry, 1, milliseconds) > 0
}
