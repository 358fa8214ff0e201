import Foundation
import GRDB
import GRDBSQLite
import WarroomCore

/// The event log in one SQLite file, shared by every process on the host.
///
/// Write-ahead logging lets readers run while one writer appends; every write is an
/// IMMEDIATE transaction, so writers queue on the file lock (with a busy timeout) instead
/// of failing half-way; creation and migration run under an exclusive lock of their own.
public final class SQLiteEventStore: EventStore {
  public let location: String
  public let isReadOnly: Bool
  private let queue: DatabaseQueue

  /// How long a writer waits for another process's transaction before giving up.
  static let busyTimeout: TimeInterval = 15

  /// Opens the store at `path`, creating it if missing when `create` is true (only
  /// `declare` and a copy's destination create stores: a mistyped path elsewhere must not
  /// start a second, empty war room). A file that is not a warroom store is refused,
  /// never modified.
  /// `snapshotAfter`: how many events a process folds past an incident's newest snapshot
  /// before it saves another (see `SnapshotPolicy`); tests make it small.
  public init(path: String, create: Bool = true, snapshotAfter: Int = 1_000) throws {
    location = path
    snapshots = SnapshotPolicy(minimumEvents: snapshotAfter)
    let file = StoreFile.absolute(path)
    var kind = try StoreFile.inspect(file)
    if kind == .unstamped || Self.hasHotJournal(file) {
      // Perhaps a store an older warroom began and never finished, or one being made
      // right now: judge it under the creation lock.
      kind = try StoreFile.withCreationLock(file) {
        try Self.recoverJournal(file)
        return try StoreFile.inspect(file)
      }
    }
    switch kind {
    case .warroom(let schema) where schema > Schema.version:
      throw StoreError.newerSchema(path: path, version: schema, supported: Schema.version)
    case .foreign(let reason):
      throw StoreError.notAStore(path: path, reason: reason)
    case .unstamped where !Self.isUnfinishedStore(file):
      throw StoreError.notAStore(path: path, reason: "an SQLite database of another application")
    case .missing, .empty, .unstamped:
      if !create { throw StoreError.noStore(path: path) }
    case .warroom: break
    }
    isReadOnly = kind != .missing && !StoreFile.isWritable(file)
    // A reader who may not write can still read a warroom store of any known schema; a
    // file that still has to be made cannot be.
    if isReadOnly, case .warroom = kind {
    } else if isReadOnly {
      throw StoreError.readOnly(path: path)
    } else if kind != .warroom(schema: Schema.version) {
      try StoreFile.createFolderIfMissing(file)
      try StoreFile.withCreationLock(file) {
        // Judged again: another process may have finished the job while this one waited.
        switch try StoreFile.inspect(file) {
        case .missing: try StoreFile.create(file, replacing: false, build: Self.build)
        case .empty: try StoreFile.create(file, replacing: true, build: Self.build)
        case .unstamped where Self.isUnfinishedStore(file):
          try StoreFile.create(file, replacing: true, build: Self.build)
        case .warroom(let schema) where schema < Schema.version: try Self.migrate(file)
        case .warroom: break
        case .unstamped, .foreign:
          throw StoreError.notAStore(path: path, reason: "it changed while being opened")
        }
      }
    }
    let opened = try Self.openQueue(file, location: path, readOnly: isReadOnly)
    queue = opened.queue
    isFrozen = opened.frozen
    schema = try Self.schemaVersion(queue, location: path)
    openFile = OpenStoreFiles.id(of: file)
    if let openFile { OpenStoreFiles.retain(openFile, kind: .warroom(schema: schema)) }
  }

  deinit {
    if let openFile { OpenStoreFiles.release(openFile) }
  }

  private let snapshots: SnapshotPolicy

  /// The chain's tail as the last append left it (see `ChainTailMemo`).
  private let tails = ChainTailMemo()

  /// The file this connection holds, as `OpenStoreFiles` knows it.
  private let openFile: OpenStoreFiles.FileID?

  /// True when the store could only be opened as an immutable file (a read-only mount,
  /// or a folder this user may not write): it is read as it was, without later changes.
  public let isFrozen: Bool
  /// The schema the file has: older stores opened read-only are read as they are.
  private let schema: Int

  /// Fills a new file with the whole schema, stamped, in write-ahead-log mode.
  private static func build(_ file: String) throws {
    try migrate(file, doing: "creating the store")
  }

  /// Runs the migrations a store lacks (all of them, for a new file). Each runs in a
  /// transaction of its own, so one cut off half-way is rolled back and runs again.
  private static func migrate(_ file: String, doing: String = "upgrading the store") throws {
    var config = Configuration()
    config.busyMode = .timeout(busyTimeout)
    do {
      let setup = try DatabaseQueue(path: file, configuration: config)
      try Schema.migrator.migrate(setup)
      try setup.writeWithoutTransaction { db in
        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
      }
      try setup.close()
    } catch let error as DatabaseError {
      throw StoreError.from(error, path: file, doing: doing)
    }
  }

  private static func hasHotJournal(_ file: String) -> Bool {
    FileManager.default.fileExists(atPath: file + "-journal")
  }

  /// A rollback journal beside the file means a transaction was cut off (an older
  /// warroom created stores in that mode): opening the file for writing lets SQLite roll
  /// it back, as any SQLite client would. Nothing else is done to the file.
  private static func recoverJournal(_ file: String) throws {
    guard hasHotJournal(file), StoreFile.isWritable(file) else { return }
    var config = Configuration()
    config.busyMode = .timeout(busyTimeout)
    if let queue = try? DatabaseQueue(path: file, configuration: config) {
      _ = try? queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
      try? queue.close()
    }
  }

  /// Whether an unstamped SQLite file is a warroom store whose creation was cut off: it
  /// holds no table but warroom's own, and no event. Such a file holds nothing to lose,
  /// so it is made again instead of being refused forever.
  static func isUnfinishedStore(_ file: String) -> Bool {
    var config = Configuration()
    config.readonly = true
    guard let queue = try? DatabaseQueue(path: file, configuration: config) else { return false }
    defer { try? queue.close() }
    let ours: Set<String> = [
      "events", "grdb_migrations", "sqlite_sequence", "store_meta", "leases", "probe_samples",
      "snapshots",
    ]
    return
      (try? queue.read { db -> Bool in
        let tables = try String.fetchAll(
          db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        guard Set(tables).isSubset(of: ours) else { return false }
        guard tables.contains("events") else { return true }
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM events") == 0
      }) ?? false
  }

  private static func openQueue(_ file: String, location: String, readOnly: Bool) throws
    -> (queue: DatabaseQueue, frozen: Bool)
  {
    var config = Configuration()
    config.readonly = readOnly
    if !readOnly {
      // Not GRDB's `journalMode = .wal`: where the `-wal` file is missing or empty (every
      // process had closed the store) it writes a table and drops it on every open, so
      // that opening waited behind another process's write lock (15 s behind an import)
      // and a `status` wrote. A store is made in WAL mode, which the file keeps; a file
      // found in another mode is switched, as before.
      config.prepareDatabase { db in
        if try String.fetchOne(db, sql: "PRAGMA journal_mode") != "wal" {
          _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        }
        try db.execute(sql: "PRAGMA synchronous = NORMAL")
      }
    }
    config.busyMode = .timeout(busyTimeout)
    config.label = "warroom store"
    do {
      guard readOnly else {
        return (try DatabaseQueue(path: file, configuration: config), false)
      }
      // A reader that may not create the `-shm` file beside a WAL store (a read-only
      // mount, a folder it may not write) cannot read it that way: read the file as an
      // immutable one instead. What it shows is what was checkpointed.
      if let queue = try? DatabaseQueue(path: file, configuration: config) {
        if (try? queue.read({ db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events") }))
          != nil
        {
          return (queue, false)
        }
        try? queue.close()
      }
      let encoded =
        file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["?", "#"]))
        ?? file
      let frozen = try DatabaseQueue(
        path: "file:" + encoded + "?immutable=1", configuration: config)
      _ = try frozen.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
      return (frozen, true)
    } catch let error as DatabaseError {
      throw StoreError.from(error, path: location, doing: "opening the store")
    }
  }

  private static func schemaVersion(_ queue: DatabaseQueue, location: String) throws -> Int {
    do {
      return try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
    } catch let error as DatabaseError {
      throw StoreError.from(error, path: location, doing: "opening the store")
    }
  }

  // MARK: - Writing

  public func declare(_ declared: Declared, actor: String, at: Date, request: RequestID?)
    throws -> IncidentID
  {
    try Rules.validate(declared)
    return try immediateTransaction { db in
      try DeclareCycle.run(
        declared, actor: actor, at: at, request: request,
        previouslyWritten: { try previouslyWritten($0, db) },
        declaredIncidents: {
          try String.fetchAll(db, sql: "SELECT incident FROM events WHERE type = 'declared'")
        },
        insert: { event in
          var tail = try chainTail(db)
          _ = try insert(event, request: request, after: &tail, db)
        })
    }
  }

  @discardableResult
  public func write(
    to state: inout IncidentState, actor: String, at: Date, request: RequestID?,
    decide: (IncidentState) throws -> [Event]
  ) throws -> [EventEnvelope] {
    let written = try immediateTransaction { db in
      try WriteCycle.run(
        &state, actor: actor, at: at, request: request,
        newer: { try fetch(db, after: $0, incident: $1, limit: nil) },
        previouslyWritten: { try previouslyWritten($0, db) },
        insert: { events in
          var tail = try chainTail(db)
          return try events.map { try insert($0, request: request, after: &tail, db) }
        }, decide: decide)
    }
    WriteCycle.fold(written, into: &state)
    saveSnapshotIfDue(state)
    return written
  }

  @discardableResult
  public func append(_ events: [NewEvent]) throws -> [EventEnvelope] {
    try immediateTransaction { db in
      var tail = try chainTail(db)
      return try events.map { try insert($0, request: nil, after: &tail, db) }
    }
  }

  /// The last event's number and hash: the next event follows it in the chain.
  private func chainTail(_ db: Database) throws -> (seq: Int64, hash: String) {
    guard schema >= 3 else { throw StoreError.readOnly(path: location) }
    if let known = tails.tail(db) { return known }
    let statement = try db.cachedStatement(
      sql: "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
    // Stepped by hand, the columns read as `DatabaseValue`s: GRDB's `Row` was a twentieth
    // of an append (perf).
    let raw = statement.sqliteStatement
    defer { sqlite3_reset(raw) }
    switch sqlite3_step(raw) {
    case SQLITE_DONE: return (0, "")
    case SQLITE_ROW:
      return (
        DatabaseValue(sqliteStatement: raw, index: 0).storedNumber,
        DatabaseValue(sqliteStatement: raw, index: 1).storedText
      )
    case let code: throw DatabaseError.stepping(raw, code)
    }
  }

  private func insert(
    _ event: NewEvent, request: RequestID?, after tail: inout (seq: Int64, hash: String),
    _ db: Database
  ) throws -> EventEnvelope {
    let stored = StoredEvent(
      seq: tail.seq + 1, incident: event.incident.rawValue,
      atMilliseconds: Int64(
        Int(seconds: event.at.timeIntervalSince1970 * 1000, rounding: .toNearestOrAwayFromZero)),
      actor: event.actor, type: event.event.typeName, payload: event.event.payloadJSON(),
      osUser: ProcessIdentity.osUser)
    let hash = EventChain.hash(previous: tail.hash, stored)
    let statement = try db.cachedStatement(
      sql: """
        INSERT INTO events (seq, incident, at_ms, actor, type, payload, request, os_user, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    // Bound with SQLite's own calls: GRDB's arguments box every value (perf).
    let raw = statement.sqliteStatement
    defer { sqlite3_clear_bindings(raw) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    sqlite3_bind_int64(raw, 1, stored.seq)
    sqlite3_bind_text(raw, 2, stored.incident, -1, transient)
    sqlite3_bind_int64(raw, 3, stored.atMilliseconds)
    sqlite3_bind_text(raw, 4, stored.actor, -1, transient)
    sqlite3_bind_text(raw, 5, stored.type, -1, transient)
    sqlite3_bind_text(raw, 6, stored.payload, -1, transient)
    if let request { sqlite3_bind_text(raw, 7, request.rawValue, -1, transient) }
    if let osUser = stored.osUser { sqlite3_bind_text(raw, 8, osUser, -1, transient) }
    sqlite3_bind_text(raw, 9, hash, -1, transient)
    try statement.stepToEnd()
    tail = (stored.seq, hash)
    tails.wrote(tail)
    return EventEnvelope(
      seq: stored.seq, incident: event.incident,
      at: Date(timeIntervalSince1970: TimeInterval(stored.atMilliseconds) / 1000),
      actor: event.actor, event: event.event, osUser: stored.osUser)
  }

  /// Runs `body` in a transaction that takes the write lock at once, so that what it read
  /// is still true when it writes.
  ///
  /// `forCache`: the write of a snapshot, which is a cache. It never waits for another
  /// writer's lock (a `status` must not wait 15 s behind an import to save one): when the
  /// store is busy it fails at once, and a later reader saves it.
  private func immediateTransaction<T>(
    forCache: Bool = false, _ body: (Database) throws -> T
  ) throws -> T {
    if isReadOnly { throw StoreError.readOnly(path: location) }
    do {
      return try queue.writeWithoutTransaction { db in
        if forCache { sqlite3_busy_timeout(db.sqliteConnection, 0) }
        defer {
          if forCache {
            sqlite3_busy_timeout(db.sqliteConnection, Int32(Self.busyTimeout * 1000))
          }
        }
        // Prepared once per connection and stepped by hand: GRDB's inTransaction parsed
        // BEGIN and COMMIT anew on every append (a third of the store's overhead over raw
        // SQLite), and its statement bookkeeping around them was another tenth.
        try db.cachedStatement(sql: "BEGIN IMMEDIATE").stepToEnd()
        do {
          let result = try body(db)
          try db.cachedStatement(sql: "COMMIT").stepToEnd()
          tails.committed(db)
          return result
        } catch {
          tails.forget()
          if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
          throw error
        }
      }
    } catch let error as DatabaseError {
      throw StoreError.from(error, path: location, doing: "the write")
    }
  }

  public func importEvents(_ events: [StoredEvent]) throws -> ImportResult {
    try immediateTransaction { db in
      var tail = try chainTail(db)
      let find = try db.cachedStatement(
        sql: "SELECT \(Self.storedColumns) FROM events WHERE seq = ?")
      let plan = try ImportPlan.make(events, highest: tail.seq, location: location) {
        try Row.fetchOne(find, arguments: [$0]).map(Self.storedEvent)
      }
      let insert = try db.cachedStatement(
        sql: """
          INSERT INTO events (seq, incident, at_ms, actor, type, payload, os_user, hash)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """)
      for event in plan.additions {
        let hash = EventChain.hash(previous: tail.hash, event)
        try insert.execute(arguments: [
          event.seq, event.incident, event.atMilliseconds, event.actor, event.type,
          event.payload, event.osUser, hash,
        ])
        tail = (event.seq, hash)
      }
      return plan.result
    }
  }

  // MARK: - Reading

  public func storedEvents(after seq: Int64, limit: Int?) throws -> [StoredEvent] {
    try read { db in
      var sql = "SELECT \(storedColumns) FROM events WHERE seq > ? ORDER BY seq"
      var arguments: StatementArguments = [seq]
      if let limit {
        sql += " LIMIT ?"
        arguments += [limit]
      }
      var events: [StoredEvent] = []
      try Self.forEachStored(db.makeStatement(sql: sql), arguments) { events.append($0) }
      return events
    }
  }

  /// Folds each row as it is read: holding every event of a large incident in an array
  /// first, as `events(after:)` does, was a fifth of the peak memory of `status`.
  /// A state folded from nothing starts from the incident's snapshot when there is a sound
  /// one, and saves a newer one when it folded enough events past it.
  @discardableResult
  public func refresh(_ state: inout IncidentState, history: HistoryReading) throws -> Bool {
    let arrived = try read { db in
      var fromSnapshot = false
      if state.lastSeq == 0, let snapshot = try snapshot(of: state.id, history: history, db) {
        state = snapshot
        snapshots.covers(snapshot)
        fromSnapshot = true
      }
      let statement = try db.cachedStatement(
        sql: "SELECT \(storedColumns) FROM events WHERE seq > ? AND incident = ? ORDER BY seq")
      let folded = try Self.fold(statement, [state.lastSeq, state.id.rawValue], into: &state)
      return fromSnapshot || folded
    }
    saveSnapshotIfDue(state)
    return arrived
  }

  public func events(after seq: Int64, incident: IncidentID?, limit: Int?) throws
    -> [EventEnvelope]
  {
    try read { db in try fetch(db, after: seq, incident: incident, limit: limit) }
  }

  public func incidentIDs() throws -> [IncidentID] {
    try read { db in
      try DatabaseValue.fetchAll(
        db, sql: "SELECT incident FROM events WHERE type = 'declared' ORDER BY seq"
      ).compactMap { String.fromDatabaseValue($0).map(IncidentID.init(rawValue:)) }
    }
  }

  public func latestSequence() throws -> Int64 {
    try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0 }
  }

  public func makeChangeSignal() throws -> any ChangeSignal {
    try Self.folderSignal(watching: location)
  }

  public func chainHead() throws -> ChainHead? {
    try read { db in
      guard
        let row = try Row.fetchOne(
          db, sql: "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
      else { return nil }
      let hash: DatabaseValue = row[1]
      return ChainHead(seq: row[0], hash: hash.isNull ? "" : row.storedText(1))
    }
  }

  public func sequence(ofHead hash: String) throws -> Int64? {
    guard schema >= 3 else { return nil }
    return try read { db in
      try Int64.fetchOne(
        db, sql: "SELECT seq FROM events WHERE hash = ? LIMIT 1", arguments: [hash])
    }
  }

  /// The change signal for a store at `path`, whether or not it exists yet: it watches the
  /// folder, so a store created there later wakes it too.
  public static func folderSignal(watching path: String) throws -> any ChangeSignal {
    try FileChangeSignal(watching: StoreFile.absolute(path))
  }

  public func verify() throws -> StoreVerification {
    guard schema >= 3 else {
      return StoreVerification(
        report: .intact(events: 0, head: ""), chainedAfter: nil, chainedAt: nil,
        note: "written by an older warroom, without a chain; open it for writing to add one")
    }
    return try read { db in try verify(after: nil, db) }
  }

  /// Checks the chain from the newest snapshot's event on (from the one before it, whose
  /// hash the check starts from), when that event still has its hash: the snapshot
  /// stands for the events before it, whose chain was checked whole when it was
  /// saved (`saveSnapshotIfDue`), so what every `status` pays stays the same as the
  /// incident grows. `verify` and `store verify` check it all.
  public func verifyRecent() throws -> StoreVerification {
    guard schema >= 6 else { return try verify() }
    return try read { db in
      let start = try Row.fetchOne(
        db,
        sql: """
          SELECT p.seq, p.hash FROM \(Self.snapshotsInTheChain)
          JOIN events p ON p.seq = s.seq - 1
          ORDER BY s.seq DESC LIMIT 1
          """
      ).map { ChainHead(seq: $0.storedNumber(0), hash: $0.storedText(1)) }
      return try verify(after: start, db)
    }
  }

  private func verify(after start: ChainHead?, _ db: Database) throws -> StoreVerification {
    let meta = try Dictionary(
      Row.fetchAll(db, sql: "SELECT key, value FROM store_meta").map {
        ($0.storedText(0), $0.storedText(1))
      }, uniquingKeysWith: { first, _ in first })
    let one = try db.makeStatement(
      sql: "SELECT \(Self.storedColumns), hash FROM events WHERE seq = ?")
    let all = try db.makeStatement(
      sql: "SELECT \(Self.storedColumns), hash FROM events WHERE seq > ? ORDER BY seq")
    all.arguments = [start?.seq ?? 0]
    let report = try ChainCheck.run(all, after: start) { seq in
      try Row.fetchOne(one, arguments: [seq]).map { row in
        let hash: DatabaseValue = row[7]
        return (Self.storedEvent(row), hash.isNull ? nil : row.storedText(7))
      }
    }
    return StoreVerification(
      report: report, chainedAfter: meta["chain_started_after"].flatMap { Int64($0) },
      chainedAt: meta["chain_started_at"], note: nil)
  }

  public func checkSnapshots() throws -> [SnapshotFinding] {
    var findings = try read { db in try snapshotFindings(db) }
    if removeSnapshots(findings) {
      for index in findings.indices { findings[index].removed = true }
    }
    return findings
  }

  // MARK: - Snapshots

  /// Snapshots (`s`) whose event (`e`) is still in the store, of their incident, with
  /// the chain hash it had when the snapshot was saved: the only ones anything starts from.
  private static let snapshotsInTheChain = """
    snapshots s JOIN events e ON e.seq = s.seq AND e.incident = s.incident AND e.hash = s.head
    """

  /// The incident's snapshot, when it is sound and the event it covers is still in the
  /// chain with the hash it had (`StateSnapshot` says why anything else is ignored).
  private func snapshot(
    of incident: IncidentID, history: HistoryReading = .whole, _ db: Database
  ) throws -> IncidentState? {
    guard schema >= 6 else { return nil }
    // The bytes are not selected: a selected blob is assembled whole in memory (12.5 MB
    // at 100k events, on top of the state being built); they are read in pieces instead.
    let statement = try db.cachedStatement(
      sql: """
        SELECT s.rowid, s.seq FROM \(Self.snapshotsInTheChain)
        WHERE s.incident = ? AND s.format = ? AND typeof(s.state) = 'blob'
          AND typeof(s.seq) = 'integer'
        """)
    guard
      let row = try Row.fetchOne(statement, arguments: [incident.rawValue, StateSnapshot.format])
    else { return nil }
    var blob: OpaquePointer?
    guard
      sqlite3_blob_open(db.sqliteConnection, "main", "snapshots", "state", row[0], 0, &blob)
        == SQLITE_OK, let blob
    else {
      sqlite3_blob_close(blob)
      return nil
    }
    defer { sqlite3_blob_close(blob) }
    let state = try? StateSnapshot.read(
      total: Int(sqlite3_blob_bytes(blob)), incident: incident, history: history
    ) { offset, buffer in
      sqlite3_blob_read(blob, buffer.baseAddress, Int32(buffer.count), Int32(offset)) == SQLITE_OK
    }
    guard let state, state.lastSeq == row.storedNumber(1) else { return nil }
    return state
  }

  /// Saves `state` as its incident's snapshot when `SnapshotPolicy` says it pays. A cache:
  /// a failure (a full disk, a busy store) is passed over, and readers fold the events.
  private func saveSnapshotIfDue(_ state: IncidentState) {
    guard !isReadOnly, schema >= 6, snapshots.isDue(state) else { return }
    // A summary lacks what its snapshot left unread: the whole state is loaded, which saves
    // it (as due as this one), so that readers of summaries keep getting newer snapshots.
    guard state.holdsWholeHistory else {
      _ = try? load(state.id, history: .whole)
      return
    }
    // Readers check the chain only past the newest snapshot (`verifyRecent`): it is
    // checked whole first. Broken, every snapshot goes, so that every reader checks it
    // all again and warns.
    guard let chain = try? verify(), chain.isIntact else {
      _ = try? immediateTransaction(forCache: true) { db in
        try db.execute(sql: "DELETE FROM snapshots")
      }
      return
    }
    let bytes = StateSnapshot.encode(state)
    let saved = try? immediateTransaction(forCache: true) { db -> Bool in
      guard
        let head = try String.fetchOne(
          db, sql: "SELECT hash FROM events WHERE seq = ? AND incident = ?",
          arguments: [state.lastSeq, state.id.rawValue])
      else { return false }
      try db.execute(
        sql: """
          INSERT INTO snapshots (incident, seq, head, format, state) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, head = excluded.head,
            format = excluded.format, state = excluded.state
          """,
        arguments: [
          state.id.rawValue, state.lastSeq, head, StateSnapshot.format, Data(bytes),
        ])
      return true
    }
    if saved == true { snapshots.covers(state) }
  }

  /// Each snapshot of this warroom's format checked against the events it covers, folded
  /// afresh: one that does not read or disagrees (planted by hand, or made by a fold since
  /// corrected) is reported.
  private func snapshotFindings(_ db: Database) throws -> [SnapshotFinding] {
    guard schema >= 6 else { return [] }
    var findings: [SnapshotFinding] = []
    // Named first and read one at a time: a snapshot is megabytes.
    let named = try Row.fetchAll(
      db, sql: "SELECT incident, seq FROM snapshots WHERE format = ? ORDER BY incident",
      arguments: [StateSnapshot.format])
    for row in named {
      let incident = IncidentID(rawValue: row.storedText(0))
      let seq = row.storedNumber(1)
      let blob =
        try DatabaseValue.fetchOne(
          db, sql: "SELECT state FROM snapshots WHERE incident = ? AND seq = ?",
          arguments: [incident.rawValue, seq]) ?? .null
      let bytes: [UInt8] = if case .blob(let data) = blob.storage { [UInt8](data) } else { [] }
      var folded = IncidentState(id: incident)
      let statement = try db.cachedStatement(
        sql: "SELECT \(storedColumns) FROM events WHERE incident = ? AND seq <= ? ORDER BY seq")
      try Self.fold(statement, [incident.rawValue, seq], into: &folded)
      do {
        if try StateSnapshot.read(bytes, incident: incident, history: .wholeChecked) != folded {
          findings.append(
            SnapshotFinding(incident: incident, seq: seq, problem: "disagrees with its events"))
        }
      } catch {
        findings.append(SnapshotFinding(incident: incident, seq: seq, problem: error.description))
      }
    }
    return findings
  }

  /// Removes the snapshots `findings` name, so that no reader starts from them again.
  /// Returns whether they are gone.
  private func removeSnapshots(_ findings: [SnapshotFinding]) -> Bool {
    guard !findings.isEmpty, !isReadOnly else { return false }
    do {
      try immediateTransaction(forCache: true) { db in
        for finding in findings {
          try db.execute(
            sql: "DELETE FROM snapshots WHERE incident = ? AND seq = ?",
            arguments: [finding.incident.rawValue, finding.seq])
        }
      }
      return true
    } catch {
      return false
    }
  }

  // MARK: - Leases

  public func claimLease(_ candidate: Lease, now: Date, gone: String?) throws -> Lease {
    guard schema >= 4 else {
      throw StoreError.readOnly(path: location)
    }
    return try immediateTransaction { db in
      let current = try Self.lease(named: candidate.name, db)
      guard Lease.mayTake(current, by: candidate, now: now, gone: gone) else { return current! }
      try db.execute(
        sql: """
          INSERT INTO leases (name, holder, label, host, pid, expires_ms)
          VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, label = excluded.label,
            host = excluded.host, pid = excluded.pid, expires_ms = excluded.expires_ms
          """,
        arguments: [
          candidate.name, candidate.holder, candidate.label, candidate.host,
          Int64(candidate.pid), candidate.expiresMs,
        ])
      return candidate
    }
  }

  public func releaseLease(_ lease: Lease) throws {
    guard schema >= 4, !isReadOnly else { return }
    try immediateTransaction { db in
      try db.execute(
        sql: "UPDATE leases SET expires_ms = 0 WHERE name = ? AND holder = ?",
        arguments: [lease.name, lease.holder])
    }
  }

  public func lease(named name: String) throws -> Lease? {
    guard schema >= 4 else { return nil }
    return try read { db in try Self.lease(named: name, db) }
  }

  /// A lease row, read as loosely as events are: a planted row of odd types reads as a
  /// lease that has expired rather than as a crash.
  private static func lease(named name: String, _ db: Database) throws -> Lease? {
    guard
      let row = try Row.fetchOne(
        db, sql: "SELECT name, holder, label, host, pid, expires_ms FROM leases WHERE name = ?",
        arguments: [name])
    else { return nil }
    let pid = row.storedNumber(4)
    return Lease(
      name: row.storedText(0), holder: row.storedText(1), label: row.storedText(2),
      host: row.storedText(3), pid: Int32(clamping: pid == Int64.min ? 0 : pid),
      expiresMs: max(0, row.storedNumber(5)))
  }

  // MARK: - Probe samples

  public func appendSamples(_ samples: [ProbeSample]) throws {
    guard !samples.isEmpty else { return }
    guard schema >= 5 else { throw StoreError.readOnly(path: location) }
    try immediateTransaction { db in
      let insert = try db.cachedStatement(
        sql: """
          INSERT INTO probe_samples (incident, probe, at_ms, value, latency_ms, state)
          VALUES (?, ?, ?, ?, ?, ?)
          """)
      for sample in samples {
        try insert.execute(arguments: [
          sample.incident.rawValue, sample.probe, sample.atMs,
          sample.value.flatMap { $0.isFinite ? $0 : nil }, sample.latencyMs.map { Int64($0) },
          sample.state.rawValue,
        ])
      }
    }
  }

  public func samples(of incident: IncidentID, since: Date) throws -> [ProbeSample] {
    guard schema >= 5 else { return [] }
    return try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT probe, at_ms, value, latency_ms, state FROM probe_samples
          WHERE incident = ? AND at_ms >= ? ORDER BY at_ms
          """, arguments: [incident.rawValue, Int64(milliseconds: since)]
      ).compactMap { row in
        // Read as loosely as events: a planted row of odd types is passed over.
        let value: DatabaseValue = row[2]
        let latency = row.storedNumber(3)
        guard let state = ProbeState(rawValue: row.storedText(4)) else { return nil }
        var number: Double?
        switch value.storage {
        case .double(let double): number = double.isFinite ? double : nil
        case .int64(let integer): number = Double(integer)
        default: number = nil
        }
        return ProbeSample(
          incident: incident, probe: row.storedText(0), atMs: row.storedNumber(1), value: number,
          latencyMs: latency == Int64.min ? nil : Int(clamping: latency), state: state)
      }
    }
  }

  private func read<T>(_ body: (Database) throws -> T) throws -> T {
    do {
      return try queue.read(body)
    } catch let error as DatabaseError {
      throw StoreError.from(error, path: location, doing: "reading the store")
    }
  }

  private static let storedColumns = "seq, incident, at_ms, actor, type, payload, os_user"
  /// The same columns from a store older than schema 3, which has no `os_user`.
  private var storedColumns: String {
    schema >= 3 ? Self.storedColumns : "seq, incident, at_ms, actor, type, payload, NULL"
  }

  /// A row as stored. Columns are read through `DatabaseValue`, so a row of the wrong
  /// shape (text where a number belongs, planted by hand) reads as odd values for the
  /// decoder to refuse, never as a crash: GRDB traps on a failed conversion.
  private static func storedEvent(_ column: (Int32) -> DatabaseValue) -> StoredEvent {
    let osUser = column(6)
    return StoredEvent(
      seq: column(0).storedNumber, incident: column(1).storedText,
      atMilliseconds: column(2).storedNumber, actor: column(3).storedText,
      type: column(4).storedText, payload: column(5).storedText,
      osUser: osUser.isNull ? nil : osUser.storedText)
  }

  private static func storedEvent(_ row: Row) -> StoredEvent {
    storedEvent { row[Int($0)] }
  }

  /// Each row `statement` selects, as stored, read from SQLite's current row: reading
  /// through `Row`'s generic subscripts was a third of folding an incident.
  private static func forEachStored(
    _ statement: Statement, _ arguments: StatementArguments,
    _ body: (StoredEvent) throws -> Void
  ) throws {
    let rows = try Row.fetchCursor(statement, arguments: arguments)
    let handle = statement.sqliteStatement
    while try rows.next() != nil {
      try body(storedEvent { DatabaseValue(sqliteStatement: handle, index: $0) })
    }
  }

  private func fetch(_ db: Database, after seq: Int64, incident: IncidentID?, limit: Int?) throws
    -> [EventEnvelope]
  {
    var sql = "SELECT \(storedColumns) FROM events WHERE seq > ?"
    var arguments: StatementArguments = [seq]
    if let incident {
      sql += " AND incident = ?"
      arguments += [incident.rawValue]
    }
    sql += " ORDER BY seq"
    if let limit {
      sql += " LIMIT ?"
      arguments += [limit]
    }
    return try envelopes(try db.cachedStatement(sql: sql), arguments)
  }

  /// The events an earlier submission with this request id wrote, if any.
  private func previouslyWritten(_ request: RequestID, _ db: Database) throws -> [EventEnvelope] {
    let sql = "SELECT \(storedColumns) FROM events WHERE request = ? ORDER BY seq"
    return try envelopes(try db.cachedStatement(sql: sql), [request.rawValue])
  }

  /// Folds each event `statement` selects into `state`; true when any was there.
  @discardableResult
  private static func fold(
    _ statement: Statement, _ arguments: StatementArguments, into state: inout IncidentState
  ) throws -> Bool {
    var any = false
    try forEachStored(statement, arguments) {
      Reducer.apply(envelope($0), to: &state)
      any = true
    }
    return any
  }

  private func envelopes(_ statement: Statement, _ arguments: StatementArguments) throws
    -> [EventEnvelope]
  {
    var envelopes: [EventEnvelope] = []
    try Self.forEachStored(statement, arguments) { envelopes.append(Self.envelope($0)) }
    return envelopes
  }

  private static func envelope(_ stored: StoredEvent) -> EventEnvelope {
    .stored(
      seq: stored.seq, incident: stored.incident, atMilliseconds: stored.atMilliseconds,
      actor: stored.actor, type: stored.type, payload: stored.payload, osUser: stored.osUser)
  }
}
