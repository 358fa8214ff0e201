import Foundation
import GRDB
import Testing
import WarroomCore
import WarroomTestSupport

@testable import WarroomStore

/// The store keeps each incident's newest snapshot beside its events: readers start from
/// it and fold only what came after, and anything wrong with it sends them back to the
/// events.
@Suite("Snapshots in the SQLite store")
struct SnapshotStoreTests {
  let folder: TemporaryFolder
  let clock = Date(timeIntervalSince1970: 1_798_000_000)

  init() throws { folder = try TemporaryFolder() }

  /// A store with one incident of `entries` log entries (and a second incident), written
  /// by a store that snapshots after 5 events.
  func store(entries: Int) throws -> (path: String, id: IncidentID, other: IncidentID) {
    let path = folder.path("s.db")
    let store = try SQLiteEventStore(path: path, snapshotAfter: 5)
    let id = try store.declare(Declared(title: "Checkout down"), actor: "ann", at: clock)
    let other = try store.declare(Declared(title: "Search slow"), actor: "bob", at: clock)
    try store.append(StoreFixtures.notes(entries, in: id, from: clock))
    return (path, id, other)
  }

  /// The incident as its events alone say it.
  func folded(_ path: String, _ id: IncidentID) throws -> IncidentState {
    try SQLiteEventStore(path: path).foldedFromEvents(id)
  }

  func snapshotRows(_ path: String) throws -> [Row] {
    let queue = try DatabaseQueue(path: path)
    defer { try? queue.close() }
    return try queue.read { try Row.fetchAll($0, sql: "SELECT incident, seq FROM snapshots") }
  }

  func execute(_ path: String, _ sql: String, _ arguments: StatementArguments = []) throws {
    let queue = try DatabaseQueue(path: path)
    defer { try? queue.close() }
    try queue.write { try $0.execute(sql: sql, arguments: arguments) }
  }

  @Test func aReaderThatFoldedEnoughSavesASnapshotAndLaterReadersAgreeWithTheEvents() throws {
    let (path, id, _) = try store(entries: 20)
    #expect(try snapshotRows(path).isEmpty, "appending alone folds nothing")
    let first = try SQLiteEventStore(path: path, snapshotAfter: 5).load(id)
    let rows = try snapshotRows(path)
    #expect(rows.count == 1)
    #expect(rows.first?["seq"] == first.lastSeq)
    // More events after the snapshot: a new reader starts from it and folds the rest.
    let writer = try SQLiteEventStore(path: path, snapshotAfter: 1_000)
    var state = first
    try writer.write(to: &state, actor: "ann", at: clock) { _ in [.mitigated()] }
    let later = try SQLiteEventStore(path: path, snapshotAfter: 1_000).load(id)
    #expect(later == (try folded(path, id)))
    #expect(later.status == .mitigated)
    #expect(try SQLiteEventStore(path: path).checkSnapshots().isEmpty)
  }

  /// `status` and writes that name no entry read the snapshot as a summary: they agree with
  /// the events, never save what they did not read, and, as `warroom log` in a loop does,
  /// keep newer snapshots coming once enough events pass (each due one loads whole).
  @Test func summaryReadersAgreeWithTheEventsAndKeepSnapshotsComing() throws {
    let (path, id, _) = try store(entries: 20)
    _ = try SQLiteEventStore(path: path, snapshotAfter: 5).load(id)
    let first: Int64 = try #require(try snapshotRows(path).first?["seq"])
    for index in 0..<12 {
      let store = try SQLiteEventStore(path: path, snapshotAfter: 5)
      var state = try store.load(id, history: .summary)
      #expect(!state.holdsWholeHistory)
      try store.write(to: &state, actor: "ann", at: clock) { latest in
        try Rules.decide(.log(.note, "more \(index)"), in: latest)
      }
      #expect(state.log.last?.text == "more \(index)")
      #expect(state.log.total == 21 + index)
    }
    let rows = try snapshotRows(path).filter { $0["incident"] == id.rawValue }
    let newest: Int64 = try #require(rows.compactMap { $0["seq"] as Int64? }.max())
    #expect(newest > first, "a summary reader saved no newer snapshot")
    #expect(try SQLiteEventStore(path: path).checkSnapshots().isEmpty)
    let whole = try folded(path, id)
    #expect(try SQLiteEventStore(path: path, snapshotAfter: 1_000).load(id) == whole)
    var summary = try SQLiteEventStore(path: path, snapshotAfter: 1_000).load(
      id, history: .summary)
    #expect(summary.log.total == whole.log.total && !summary.holdsWholeHistory)
    summary.log = whole.log
    summary.timeline = whole.timeline
    #expect(summary == whole)
  }

  /// A sound snapshot that says something the events do not (planted by someone who can
  /// write the file) is what readers start from; `store verify` finds it and removes it,
  /// and readers then see the events again.
  /// An index of entries that lies (planted for summaries, which cannot check it) is
  /// passed over by whole readers and found and removed by `store verify`.
  @Test func verifyFindsAnIndexThatDisagreesWithItsEntries() throws {
    let (path, id, _) = try store(entries: 20)
    let state = try SQLiteEventStore(path: path, snapshotAfter: 5).load(id)
    var other = state
    other.log[0].kind = .manualChange
    let real = StateSnapshot.encode(state)
    let lying = StateSnapshot.encode(other)
    // The first byte that differs is the first entry's kind in the index.
    let at = try #require(real.indices.first { real[$0] != lying[$0] })
    var planted = real
    planted[at] = lying[at]
    try execute(
      path, "UPDATE snapshots SET state = ? WHERE incident = ?", [Data(planted), id.rawValue])
    #expect(try SQLiteEventStore(path: path, snapshotAfter: 1_000).load(id) == state)
    let findings = try SQLiteEventStore(path: path).checkSnapshots()
    #expect(findings.count == 1)
    #expect(findings.first?.problem.hasPrefix("malformed at byte") == true, "\(findings)")
    #expect(findings.first?.removed == true)
    #expect(try snapshotRows(path).isEmpty)
  }

  @Test func verifyFindsAndRemovesASnapshotThatDisagreesWithItsEvents() throws {
    let (path, id, _) = try store(entries: 20)
    var forged = try SQLiteEventStore(path: path, snapshotAfter: 5).load(id)
    forged.title = "All is well"
    try execute(
      path, "UPDATE snapshots SET state = ? WHERE incident = ?",
      [Data(StateSnapshot.encode(forged)), id.rawValue])
    #expect(try SQLiteEventStore(path: path).load(id).title == "All is well", "readers use it")
    #expect(try SQLiteEventStore(path: path).verify().isIntact, "the events were not touched")
    // A store frozen read-only keeps it, and says so.
    #expect(chmod(path, 0o444) == 0)
    #expect(
      try SQLiteEventStore(path: path, create: false).checkSnapshots()
        == [
          SnapshotFinding(
            incident: id, seq: forged.lastSeq, problem: "disagrees with its events",
            removed: false)
        ])
    #expect(try snapshotRows(path).count == 1)
    #expect(chmod(path, 0o644) == 0)
    #expect(
      try SQLiteEventStore(path: path).checkSnapshots()
        == [
          SnapshotFinding(
            incident: id, seq: forged.lastSeq, problem: "disagrees with its events",
            removed: true)
        ])
    #expect(try snapshotRows(path).isEmpty)
    #expect(
      try SQLiteEventStore(path: path, snapshotAfter: 1_000).load(id).title == "Checkout down")
  }

  /// Planted rows a reader must not start from: each is passed over, and the incident is
  /// folded from its events as if there were no snapshot.
  @Test(arguments: [
    "garbage", "text", "empty", "wrong head", "other incident's event", "no such event",
    "another format", "null seq", "truncated", "an earlier event of its incident",
  ])
  func aSnapshotRowThatIsNotSoundIsPassedOver(plant: String) throws {
    let (path, id, other) = try store(entries: 20)
    let store = try SQLiteEventStore(path: path, snapshotAfter: 5)
    let state = try store.load(id)
    let bytes = StateSnapshot.encode(state)
    let change: (String, StatementArguments) =
      switch plant {
      case "garbage": ("UPDATE snapshots SET state = ?", [Data([0x02, 0xFF, 0xFF, 0x7F])])
      case "text": ("UPDATE snapshots SET state = ?", [String(decoding: bytes, as: UTF8.self)])
      case "empty": ("UPDATE snapshots SET state = x''", [])
      case "wrong head": ("UPDATE snapshots SET head = ?", [String(repeating: "0", count: 64)])
      case "other incident's event":
        (
          "UPDATE snapshots SET seq = 2, head = (SELECT hash FROM events WHERE seq = 2)", []
        )
      case "no such event": ("UPDATE snapshots SET seq = 9999", [])
      case "an earlier event of its incident":
        ("UPDATE snapshots SET seq = 5, head = (SELECT hash FROM events WHERE seq = 5)", [])
      case "another format": ("UPDATE snapshots SET format = 99", [])
      case "null seq": ("UPDATE snapshots SET seq = 'x'", [])
      default: ("UPDATE snapshots SET state = ?", [Data(bytes.dropLast(3))])
      }
    // The planted state says something else, so using it would show.
    var forged = state
    forged.title = "forged"
    try execute(path, "UPDATE snapshots SET state = ?", [Data(StateSnapshot.encode(forged))])
    try execute(path, change.0, change.1)
    let read = try SQLiteEventStore(path: path, snapshotAfter: 1_000).load(id)
    #expect(read == (try folded(path, id)), "\(plant)")
    #expect(read.title == "Checkout down")
    #expect(try SQLiteEventStore(path: path).load(other).title == "Search slow")
  }

  /// Readers check the chain past the newest snapshot; an event changed by hand before it
  /// is found by `verify` at once, and by every reader once a process checks the whole
  /// chain to save the next snapshot: the snapshots go, and readers check it all again.
  @Test func readersCheckTheChainPastTheSnapshotAndAllOfItOnceOneIsDue() throws {
    let (path, id, _) = try store(entries: 20)
    _ = try SQLiteEventStore(path: path, snapshotAfter: 5).load(id)
    let covered = try #require(try snapshotRows(path).first?["seq"] as Int64?)
    #expect(try SQLiteEventStore(path: path).verifyRecent().isIntact)
    try execute(path, "DROP TRIGGER events_are_immutable")
    // After the snapshot: every reader sees it.
    try execute(path, "UPDATE events SET actor = 'mallory' WHERE seq = ?", [covered])
    #expect(try SQLiteEventStore(path: path).verifyRecent().report.brokenAt == covered)
    try execute(path, "UPDATE events SET actor = 'ann' WHERE seq = ?", [covered])
    #expect(try SQLiteEventStore(path: path).verifyRecent().isIntact)
    // Before it: the whole check sees it, readers not yet.
    try execute(path, "UPDATE events SET actor = 'mallory' WHERE seq = 5")
    #expect(try SQLiteEventStore(path: path).verify().report.brokenAt == 5)
    #expect(try SQLiteEventStore(path: path).verifyRecent().isIntact)
    // Enough new events for a new snapshot: the check made before saving it finds the
    // change, and no snapshot is left to stand for the events.
    let writer = try SQLiteEventStore(path: path, snapshotAfter: 5)
    var state = try writer.load(id)
    for text in ["a", "b", "c", "d", "e", "f"] {
      try writer.write(to: &state, actor: "ann", at: clock) { _ in
        [.logged(LogAdded(kind: .note, text: text))]
      }
    }
    #expect(try snapshotRows(path).isEmpty)
    #expect(try SQLiteEventStore(path: path).verifyRecent().report.brokenAt == 5)
  }

  /// Saving a snapshot never waits for another process's write lock: a reader due to
  /// save one while a long write holds the store loads at once (the lock would make it
  /// wait the 15 s busy timeout) and leaves the snapshot to a later reader.
  @Test func aSnapshotIsNotSavedWhileAnotherProcessHoldsTheWriteLock() throws {
    let (path, id, _) = try store(entries: 20)
    let holder = try DatabaseQueue(path: path)
    defer { try? holder.close() }
    // The lock is held for the whole wait, inside one access of the holder's.
    let (loaded, finished) = try holder.writeWithoutTransaction { db in
      try db.execute(sql: "BEGIN IMMEDIATE")
      // Opened under the lock too: opening writes nothing, so it does not wait either.
      let loaded = BackgroundLoad(path: path, id: id)
      let finished = loaded.wait(seconds: 5)
      try db.execute(sql: "ROLLBACK")
      return (loaded, finished)
    }
    #expect(finished, "the load waited for the lock")
    _ = loaded.wait(seconds: 30)
    #expect(loaded.state?.log.count == 20)
    #expect(try snapshotRows(path).isEmpty)
    _ = try SQLiteEventStore(path: path, snapshotAfter: 5).load(id)
    #expect(try snapshotRows(path).count == 1, "saved once the store is free")
  }
}

extension SnapshotStoreTests {
  /// Opening a store that every process had closed (its `-wal` file gone) and reading
  /// it writes nothing: GRDB's WAL set-up wrote a table and dropped it on such an open.
  @Test func openingAndReadingAClosedStoreWritesNothing() throws {
    let (path, id, _) = try store(entries: 3)
    let wal = path + "-wal"
    func walBytes() -> Int {
      ((try? FileManager.default.attributesOfItem(atPath: wal))?[.size] as? Int) ?? 0
    }
    try #require(walBytes() == 0, "the last connection removed or emptied it")
    let reader = try SQLiteEventStore(path: path, create: false, snapshotAfter: 1_000)
    #expect(try reader.load(id).log.count == 3)
    // Looked at while the reader is open: closing it would checkpoint and remove it.
    #expect(walBytes() == 0)
    withExtendedLifetime(reader) {}
    let queue = try DatabaseQueue(path: path)
    defer { try? queue.close() }
    #expect(try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
  }
}

/// A load on a thread of its own, waited for with a deadline.
final class BackgroundLoad: @unchecked Sendable {
  private let done = DispatchSemaphore(value: 0)
  private let lock = NSLock()
  private var result: IncidentState?

  init(path: String, id: IncidentID) {
    Thread.detachNewThread { [self] in
      let state = try? SQLiteEventStore(path: path, snapshotAfter: 5).load(id)
      lock.withLock { result = state }
      done.signal()
    }
  }

  /// True when it finished within `seconds` (or had already).
  func wait(seconds: Double) -> Bool {
    if lock.withLock({ result != nil }) { return true }
    let finished = done.wait(timeout: .now() + seconds) == .success
    if finished { done.signal() }
    return finished
  }

  var state: IncidentState? { lock.withLock { result } }
}

extension ChainReport {
  var brokenAt: Int64? {
    if case .broken(let seq, _) = self { return seq }
    return nil
  }
}
