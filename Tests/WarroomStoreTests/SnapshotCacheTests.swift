import Foundation
import Testing
import WarroomCore
import WarroomStore
import WarroomTestSupport

@testable import WarroomPostgres

#if canImport(Glibc)
  import Glibc
#endif

/// The snapshots a user keeps of PostgreSQL incidents in a folder of their own: used only
/// from a folder and files that user alone controls, only while the event they cover is
/// still the store's, and never at the cost of a wrong state.
@Suite("Snapshots cached in the user's own folder")
struct SnapshotCacheTests {
  let folder: TemporaryFolder
  let clock = Date(timeIntervalSince1970: 1_798_000_000)
  let id = IncidentID(number: 1)

  init() throws { folder = try TemporaryFolder() }

  /// An incident of a declaration and `entries` notes, folded.
  func state(entries: Int, title: String = "Checkout down") -> IncidentState {
    var state = IncidentState(id: id)
    Reducer.apply(
      EventEnvelope(
        seq: 1, incident: id, at: clock, actor: "ann", event: .declared(Declared(title: title))),
      to: &state)
    for n in 0..<entries {
      Reducer.apply(
        EventEnvelope(
          seq: Int64(n + 2), incident: id, at: clock.addingTimeInterval(Double(n)), actor: "ann",
          event: .logged(LogAdded(kind: .note, text: "entry \(n)"))), to: &state)
    }
    return state
  }

  func cache(_ name: String = "cache") throws -> SnapshotCache {
    try #require(SnapshotCache(folder: folder.path(name)))
  }

  func mode(_ path: String) -> mode_t {
    var info = stat()
    lstat(path, &info)
    return info.st_mode
  }

  // MARK: - The cache alone

  @Test func aSavedStateLoadsBackOnlyWhileItsEventIsCurrent() throws {
    let cache = try cache("a/b/cache")
    #expect(mode(folder.path("a/b/cache")) & 0o777 == 0o700)
    let saved = state(entries: 12)
    #expect(cache.save(store: "store-1", state: saved, fingerprint: "f13"))
    var asked: [String] = []
    let loaded = cache.load(store: "store-1", incident: id) { seq, fingerprint in
      asked.append("\(seq) \(fingerprint)")
      return true
    }
    #expect(loaded == saved)
    #expect(asked == ["13 f13"])
    #expect(cache.load(store: "store-1", incident: id) { _, _ in false } == nil)
    #expect(cache.load(store: "store-2", incident: id) { _, _ in true } == nil)
    let file = cache.path(store: "store-1", incident: id)
    #expect(mode(file) & 0o777 == 0o600)
    // Nothing but the snapshot is left in the folder.
    #expect(try FileManager.default.contentsOfDirectory(atPath: cache.folder).count == 1)
  }

  @Test func aFolderAnyoneElseCouldUseIsNotUsed() throws {
    // A link to a private folder, planted where the cache would be.
    let real = folder.path("real")
    #expect(mkdir(real, 0o700) == 0)
    #expect(symlink(real, folder.path("link")) == 0)
    #expect(SnapshotCache(folder: folder.path("link")) == nil)
    // A folder others may enter or write.
    for permissions: mode_t in [0o755, 0o770, 0o701, 0o703] {
      let open = folder.path("open-\(String(permissions, radix: 8))")
      #expect(mkdir(open, 0o700) == 0)
      #expect(chmod(open, permissions) == 0)
      #expect(SnapshotCache(folder: open) == nil, "\(String(permissions, radix: 8))")
    }
    // A file where the folder should be.
    #expect(FileManager.default.createFile(atPath: folder.path("file"), contents: Data()))
    #expect(SnapshotCache(folder: folder.path("file")) == nil)
  }

  @Test(.enabled(if: geteuid() == 0, "only root can give a folder to another user"))
  func aFolderOrFileOfAnotherUserIsNotUsed() throws {
    let theirs = folder.path("theirs")
    #expect(mkdir(theirs, 0o700) == 0)
    #expect(chown(theirs, 65534, 65534) == 0)
    #expect(SnapshotCache(folder: theirs) == nil)
    let cache = try cache()
    #expect(cache.save(store: "s", state: state(entries: 3), fingerprint: "f"))
    #expect(chown(cache.path(store: "s", incident: id), 65534, 65534) == 0)
    #expect(cache.load(store: "s", incident: id) { _, _ in true } == nil)
  }

  @Test func aLinkPlantedAtAFileIsNeitherReadNorWrittenThrough() throws {
    let cache = try cache()
    let elsewhere = try #require(SnapshotCache(folder: folder.path("elsewhere")))
    #expect(
      elsewhere.save(store: "s", state: state(entries: 3, title: "planted"), fingerprint: "f"))
    let target = elsewhere.path(store: "s", incident: id)
    let before = try Data(contentsOf: URL(fileURLWithPath: target))
    let file = cache.path(store: "s", incident: id)
    #expect(symlink(target, file) == 0)
    #expect(cache.load(store: "s", incident: id) { _, _ in true } == nil)
    // Saving replaces the link; what it pointed to is untouched.
    let mine = state(entries: 5)
    #expect(cache.save(store: "s", state: mine, fingerprint: "f"))
    #expect(mode(file) & S_IFMT == S_IFREG)
    #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == before)
    #expect(cache.load(store: "s", incident: id) { _, _ in true } == mine)
  }

  @Test func aFileOthersMayWriteIsNotRead() throws {
    let cache = try cache()
    #expect(cache.save(store: "s", state: state(entries: 3), fingerprint: "f"))
    let file = cache.path(store: "s", incident: id)
    #expect(chmod(file, 0o620) == 0)
    #expect(cache.load(store: "s", incident: id) { _, _ in true } == nil)
    #expect(chmod(file, 0o640) == 0)
    #expect(cache.load(store: "s", incident: id) { _, _ in true } != nil)
  }

  @Test func damagedFilesAreIgnored() throws {
    let cache = try cache()
    let saved = state(entries: 40)
    #expect(cache.save(store: "s", state: saved, fingerprint: "f"))
    let file = cache.path(store: "s", incident: id)
    let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
    let headerEnd = good.firstIndex(of: 0x0A).map { good[($0 + 1)...].firstIndex(of: 0x0A)! }!
    func header(_ line: String) -> [UInt8] {
      Array("warroom snapshot cache 1\n\(line)\n".utf8) + good[(headerEnd + 1)...]
    }
    let variants: [String: [UInt8]] = [
      "empty": [],
      "magic only": Array("warroom snapshot cache 1\n".utf8),
      "truncated state": Array(good.dropLast(7)),
      "truncated header": Array(good.prefix(30)),
      "another format": header("999 \(saved.lastSeq) f"),
      "another event": header("1 \(saved.lastSeq - 1) f"),
      "a negative event": header("1 -5 f"),
      "a number past Int64": header("1 99999999999999999999 f"),
      "no fingerprint": header("1 \(saved.lastSeq) "),
      "extra fields": header("1 \(saved.lastSeq) f g"),
      "another layout": Array("warroom snapshot cache 2\n".utf8) + good[26...],
      "a byte flipped in the state": good.enumerated().map { $0 == good.count - 3 ? ~$1 : $1 },
      "garbage": (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) },
    ]
    for (name, bytes) in variants.sorted(by: { $0.key < $1.key }) {
      #expect(FileManager.default.createFile(atPath: file, contents: Data(bytes)))
      #expect(chmod(file, 0o600) == 0)
      let loaded = cache.load(store: "s", incident: id) { _, _ in true }
      #expect(loaded == nil || loaded == saved, "\(name)")
      if name != "a byte flipped in the state" { #expect(loaded == nil, "\(name)") }
    }
  }

  @Test func theStandardFolderFollowsTheEnvironment() throws {
    let home = folder.path("home")
    #expect(SnapshotCache.standard(environment: ["WARROOM_CACHE_DIR": ""]) == nil)
    #expect(
      SnapshotCache.standard(environment: ["HOME": home])?.folder
        == home + "/.cache/warroom/snapshots")
    #expect(
      SnapshotCache.standard(environment: ["HOME": home, "XDG_CACHE_HOME": home + "/xdg"])?
        .folder == home + "/xdg/warroom/snapshots")
    #expect(
      SnapshotCache.standard(environment: ["HOME": home, "WARROOM_CACHE_DIR": home + "/w"])?
        .folder == home + "/w")
    #expect(SnapshotCache.standard(environment: ["HOME": "relative"]) == nil)
    #expect(SnapshotCache.standard(environment: [:]) == nil)
  }

  // MARK: - On PostgreSQL

  func postgres(_ name: String, snapshotAfter: Int = 5) throws -> PostgresEventStore {
    try PostgresEventStore(
      url: PostgresTestServer.isolated(PostgresTestServer.url!, folder.path("pg")),
      snapshotCache: try cache(name), snapshotAfter: snapshotAfter)
  }

  /// Writes a declaration and `entries` notes; returns the incident.
  func populate(_ store: PostgresEventStore, entries: Int) throws -> IncidentID {
    let id = try store.declare(Declared(title: "Checkout down"), actor: "ann", at: clock)
    try store.append(StoreFixtures.notes(entries, in: id, from: clock))
    return id
  }

  /// The incident as its events alone say it.
  func folded(_ store: PostgresEventStore, _ id: IncidentID) throws -> IncidentState {
    try store.foldedFromEvents(id)
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func aPostgresReaderStartsFromItsOwnSnapshotAndVerifyRemovesAWrongOne() throws {
    let writer = try postgres("writer-cache")
    let id = try populate(writer, entries: 30)
    let reader = try postgres("cache")
    let first = try reader.load(id)
    #expect(first == (try folded(reader, id)))
    let cache = try cache()
    let key = try #require(reader.cacheKey)
    let file = cache.path(store: key, incident: id)
    #expect(FileManager.default.fileExists(atPath: file), "the first load saved one")
    // Saved by this user, covering the event it names: a later reader starts from it. A
    // state with its title changed, saved in its place, shows that it does.
    var planted = first
    planted.title = "planted"
    let fingerprint = try Self.header(file).fingerprint
    #expect(cache.save(store: key, state: planted, fingerprint: fingerprint))
    #expect(try postgres("cache").load(id).title == "planted")
    // Events after it are folded on top.
    try writer.append([
      NewEvent(
        incident: id, at: clock, actor: "bob", event: .logged(LogAdded(kind: .note, text: "new")))
    ])
    #expect(try postgres("cache").load(id).log.last?.text == "new")
    // store verify folds the events it covers, names it and removes it.
    let findings = try postgres("cache").checkSnapshots()
    #expect(findings.map(\.removed) == [true])
    #expect(
      findings.map(\.description) == [
        "the snapshot of INC-1 through event #31 disagrees with its events"
      ])
    #expect(!FileManager.default.fileExists(atPath: file))
    let after = try postgres("cache").load(id)
    #expect(after.title == "Checkout down")
    #expect(after == (try folded(writer, id)))
    #expect(try postgres("cache").checkSnapshots().isEmpty)
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func aSnapshotWhoseEventDiffersOrBelongsElsewhereIsPassedOver() throws {
    let writer = try postgres("writer-cache")
    let id = try populate(writer, entries: 12)
    let other = try writer.declare(Declared(title: "Search slow"), actor: "bob", at: clock)
    let cache = try cache()
    let key = try #require(writer.cacheKey)
    var planted = try folded(writer, id)
    planted.title = "planted"
    // The right number with another event's content; then the other incident's event.
    for fingerprint in ["0123", EventChain.hash(previous: "", try storedEvent(writer, seq: 3))] {
      #expect(cache.save(store: key, state: planted, fingerprint: fingerprint))
      #expect(try postgres("cache", snapshotAfter: 1_000).load(id).title == "Checkout down")
    }
    // A snapshot of the second incident that names, with its true content, an event of
    // the first (#15).
    try writer.append([
      NewEvent(
        incident: id, at: clock, actor: "ann", event: .logged(LogAdded(kind: .note, text: "15")))
    ])
    var plantedOther = try folded(writer, other)
    plantedOther.title = "planted"
    plantedOther.lastSeq = 15
    let fifteen = EventChain.hash(previous: "", try storedEvent(writer, seq: 15))
    #expect(cache.save(store: key, state: plantedOther, fingerprint: fifteen))
    #expect(try postgres("cache", snapshotAfter: 1_000).load(other).title == "Search slow")
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func aStoreMadeAgainAtTheSameAddressNeverStartsFromTheOldOnesSnapshots() throws {
    let url = PostgresTestServer.isolated(PostgresTestServer.url!, folder.path("pg"))
    let schema = String(url.split(separator: "=").last!)
    let first = try postgres("cache")
    let id = try populate(first, entries: 12)
    _ = try first.load(id)
    let oldIdentity = try #require(first.identity)
    let oldKey = try #require(first.cacheKey)
    _ = try first.scalar("DROP SCHEMA \(schema) CASCADE", as: Int.self)
    // The same events again, to the millisecond: only the store's identity tells them apart.
    let second = try postgres("cache", snapshotAfter: 1_000)
    #expect(try populate(second, entries: 12) == id)
    #expect(second.identity != nil && second.identity != oldIdentity)
    var planted = try folded(second, id)
    planted.title = "planted"
    let fingerprint = EventChain.hash(previous: "", try storedEvent(second, seq: 13))
    #expect(try cache().save(store: oldKey, state: planted, fingerprint: fingerprint))
    #expect(try postgres("cache").load(id).title == "Checkout down")
  }

  /// A writer of another store copies this store's identity into it and writes the same
  /// events: its readers still never start from this store's snapshots.
  @Test(.enabled(if: PostgresTestServer.url != nil))
  func anIdentityCopiedIntoAnotherStoreDoesNotShareItsSnapshots() throws {
    let first = try postgres("cache")
    let id = try populate(first, entries: 12)
    _ = try first.load(id)
    let url = PostgresTestServer.isolated(PostgresTestServer.url!, folder.path("pg-other"))
    let other = try PostgresEventStore(url: url)
    #expect(try populate(other, entries: 12) == id)
    let identity = try #require(first.identity)
    _ = try other.scalar(
      "UPDATE warroom_meta SET value = '\(identity)' WHERE key = 'store'", as: Int.self)
    var planted = try folded(first, id)
    planted.title = "planted"
    let fingerprint = EventChain.hash(previous: "", try storedEvent(first, seq: 13))
    #expect(
      try cache().save(
        store: try #require(first.cacheKey), state: planted, fingerprint: fingerprint))
    #expect(try postgres("cache").load(id).title == "planted")
    let copied = try PostgresEventStore(
      url: url, snapshotCache: try cache(), snapshotAfter: 1_000)
    #expect(copied.identity == identity)
    #expect(try copied.load(id).title == "Checkout down")
  }

  @Test func partialFilesLeftByAKilledSaveAreClearedOnceStale() throws {
    let cache = try cache()
    let stale = cache.folder + "/.stale.partial"
    let fresh = cache.folder + "/.fresh.partial"
    for path in [stale, fresh] {
      #expect(FileManager.default.createFile(atPath: path, contents: Data("half".utf8)))
    }
    let hourAgo = Date().addingTimeInterval(-3600)
    try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: stale)
    #expect(cache.save(store: "s", state: state(entries: 3), fingerprint: "f"))
    #expect(!FileManager.default.fileExists(atPath: stale))
    #expect(FileManager.default.fileExists(atPath: fresh), "another process may be writing it")
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func anIncidentLongerThanAPageFoldsTheSameFromEventsOrTheCache() throws {
    let writer = try postgres("writer-cache", snapshotAfter: 1_000_000)
    let id = try populate(writer, entries: PostgresEventStore.pageSize + 6)
    let fromEvents = try writer.load(id)
    #expect(fromEvents.log.count == PostgresEventStore.pageSize + 6)
    #expect(fromEvents.lastSeq == Int64(PostgresEventStore.pageSize + 7))
    #expect(try postgres("cache").load(id) == fromEvents)  // folds and saves
    #expect(try postgres("cache").load(id) == fromEvents)  // from the snapshot
  }

  /// A summary from the user's cache agrees with the events, and summary readers that
  /// write keep newer snapshots coming, each saved whole.
  @Test(.enabled(if: PostgresTestServer.url != nil))
  func aPostgresSummaryAgreesWithTheEventsAndKeepsSnapshotsComing() throws {
    let writer = try postgres("writer-cache")
    let id = try populate(writer, entries: 30)
    let reader = try postgres("cache")
    _ = try reader.load(id)
    let file = try cache().path(store: try #require(reader.cacheKey), incident: id)
    let first = try Self.header(file).seq
    for index in 0..<12 {
      let store = try postgres("cache")
      var state = try store.load(id, history: .summary)
      #expect(!state.holdsWholeHistory)
      try store.write(to: &state, actor: "ann", at: clock) { latest in
        try Rules.decide(.log(.note, "more \(index)"), in: latest)
      }
      #expect(state.log.total == 31 + index)
    }
    #expect(try Self.header(file).seq > first, "a summary reader saved no newer snapshot")
    #expect(try postgres("cache").checkSnapshots().isEmpty)
    let whole = try folded(writer, id)
    #expect(try postgres("cache").load(id) == whole)
    var summary = try postgres("cache").load(id, history: .summary)
    #expect(summary.log.total == whole.log.total && !summary.holdsWholeHistory)
    summary.log = whole.log
    summary.timeline = whole.timeline
    #expect(summary == whole)
  }

  func storedEvent(_ store: PostgresEventStore, seq: Int64) throws -> StoredEvent {
    try #require(try store.storedEvents(after: seq - 1, limit: 1).first)
  }

  static func header(_ path: String) throws -> (seq: Int64, fingerprint: String) {
    let text = String(
      decoding: try Data(contentsOf: URL(fileURLWithPath: path)).prefix(200), as: UTF8.self)
    let fields = text.split(separator: "\n")[1].split(separator: " ")
    return (Int64(fields[1])!, String(fields[2]))
  }
}
