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

  @Test func declaresIncidentsWithIncreasingIDs() throws {
    let store = try SQLiteEventStore(path: folder.path("w.db"))
    let first = try store.declare(Declared(title: "one"), actor: "a", at: clock)
    let second = try store.declare(Declared(title: "two"), actor: "a", at: clock)
    #expect(first == IncidentID(number: 1))
    #expect(second == IncidentID(number: 2))
    #expect(try store.incidentIDs() == [first, second])
    #expect(try store.load(second).title == "two")
    #expect(try store.currentIncident()?.id == second)
  }

  @Test func writesRunTheRulesAgainstTheLatestState() throws {
    let path = folder.path("w.db")
    let mine = try SQLiteEventStore(path: path)
    let theirs = try SQLiteEventStore(path: path)
    let id = try mine.declare(Declared(title: "x"), actor: "a", at: clock)
    var myView = try mine.load(id)
    var theirView = try theirs.load(id)
    try theirs.write(to: &theirView, actor: "b", at: clock) {
      try Rules.decide(
        .proposeExperiment(hypothesis: "h", change: nil, owner: nil, target: nil), in: $0)
    }
    // My view is stale, but the write sees their experiment and picks the next id.
    let written = try mine.write(to: &myView, actor: "a", at: clock) {
      try Rules.decide(
        .proposeExperiment(hypothesis: "h2", change: nil, owner: nil, target: nil), in: $0)
    }
    #expect(myView.experiments.map(\.id) == [1, 2])
    #expect(written.map(\.seq) == [3])
    #expect(myView.lastSeq == 3)
  }

  @Test func refusedWritesStoreNothing() throws {
    let store = try SQLiteEventStore(path: folder.path("w.db"))
    let id = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    var state = try store.load(id)
    #expect(throws: Refusal.self) {
      try store.write(to: &state, actor: "a", at: clock) {
        try Rules.decide(.startExperiment(9), in: $0)
      }
    }
    #expect(try store.latestSequence() == 1)
  }

  @Test func readsIncrementallyAfterASequenceNumber() throws {
    let store = try SQLiteEventStore(path: folder.path("w.db"))
    let id = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    let other = try store.declare(Declared(title: "y"), actor: "a", at: clock)
    try store.append(
      (1...5).map {
        NewEvent(
          incident: id, at: clock, actor: "r", event: .logged(LogAdded(kind: .note, text: "n\($0)"))
        )
      })
    #expect(try store.events(after: 0, incident: nil, limit: nil).count == 7)
    #expect(try store.events(after: 4, incident: id, limit: nil).map(\.seq) == [5, 6, 7])
    #expect(try store.events(after: 0, incident: other, limit: nil).map(\.seq) == [2])
    #expect(try store.events(after: 0, incident: nil, limit: 3).map(\.seq) == [1, 2, 3])
    var state = try store.load(id)
    #expect(state.log.count == 5)
    #expect(try store.refresh(&state) == false)
    try store.append([NewEvent(incident: id, at: clock, actor: "r", event: .mitigated)])
    #expect(try store.refresh(&state) == true)
    #expect(state.status == .mitigated)
  }

  @Test func timestampsKeepMilliseconds() throws {
    let store = try SQLiteEventStore(path: folder.path("w.db"))
    let at = Date(timeIntervalSince1970: 1_798_000_000.123)
    let id = try store.declare(Declared(title: "x"), actor: "a", at: at)
    #expect(try store.load(id).declaredAt == at)
  }

  @Test func theChangeSignalFiresOnAnotherConnectionsCommit() throws {
    let path = folder.path("w.db")
    let reader = try SQLiteEventStore(path: path)
    let writer = try SQLiteEventStore(path: path)
    let id = try writer.declare(Declared(title: "x"), actor: "a", at: clock)
    let signal = try reader.makeChangeSignal()
    _ = signal.drain()
    #expect(waitReadable(signal.fileDescriptor, milliseconds: 50) == false)
    _ = try reader.load(id)  // reading alone does not fire it
    #expect(waitReadable(signal.fileDescriptor, milliseconds: 50) == false)
    try writer.append([NewEvent(incident: id, at: clock, actor: "a", event: .mitigated)])
    #expect(waitReadable(signal.fileDescriptor, milliseconds: 2000))
    #expect(signal.drain())
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
    try store.append([NewEvent(incident: id, at: clock, actor: "a", event: .mitigated)])
    let state = try store.load(id)
    #expect(state.skippedEventTypes == ["pager-escalated": 1])
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

  @Test func aStoreOfANewerSchemaIsRefusedUntouched() throws {
    let path = folder.path("newer.db")
    _ = try SQLiteEventStore(path: path)
    let queue = try DatabaseQueue(path: path)
    try queue.write { try $0.execute(sql: "PRAGMA user_version = 99") }
    try queue.close()
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(throws: StoreError.newerSchema(path: path, version: 99, supported: 1)) {
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
      try store.write(to: &state, actor: "a", at: clock) { _ in [.mitigated] }
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
