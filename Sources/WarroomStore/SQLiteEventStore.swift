import Foundation
import GRDB
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

  /// Opens the store at `path`, creating it if missing, unless `create` is false.
  /// A file that is not a warroom store is refused, never modified.
  public init(path: String, create: Bool = true) throws {
    location = path
    var kind = try StoreFile.inspect(path)
    if case .foreign(let reason) = kind {
      // A store another process is creating right now has no warroom header yet: its
      // lock file says so. Wait for that process, then judge again.
      guard FileManager.default.fileExists(atPath: path + "-lock") else {
        throw StoreError.notAStore(path: path, reason: reason)
      }
      kind = try StoreFile.withCreationLock(path) { try StoreFile.inspect(path) }
      if case .foreign(let reason) = kind {
        throw StoreError.notAStore(path: path, reason: reason)
      }
    }
    if case .warroom(let schema) = kind, schema > Schema.version {
      throw StoreError.newerSchema(path: path, version: schema, supported: Schema.version)
    }
    let exists = FileManager.default.fileExists(atPath: path)
    isReadOnly = exists && !StoreFile.isWritable(path)

    if kind == .new, !exists, !create {
      throw StoreError.cannotOpen(path: path, reason: "no such store")
    }
    if kind == .new, isReadOnly {
      throw StoreError.readOnly(path: path)
    }
    if kind != .warroom(schema: Schema.version), !isReadOnly {
      // New or older: create or migrate, one process at a time. Checked again under the
      // lock, since another process may have finished the job while this one waited.
      try StoreFile.createFolderIfMissing(path)
      kind = try StoreFile.withCreationLock(path) {
        try StoreFile.createIfMissing(path)
        let current = try StoreFile.inspect(path)
        if case .foreign(let reason) = current {
          throw StoreError.notAStore(path: path, reason: reason)
        }
        if current != .warroom(schema: Schema.version) {
          try Self.migrate(path)
        }
        return try StoreFile.inspect(path)
      }
    }
    guard case .warroom = kind else {
      throw StoreError.notAStore(path: path, reason: "its schema could not be set up")
    }
    queue = try Self.openQueue(path, readOnly: isReadOnly)
  }

  /// Runs the migrations in rollback-journal mode, so the header (application id, schema
  /// version) lands in the main file at once, where other processes' header checks see it.
  private static func migrate(_ path: String) throws {
    var config = Configuration()
    config.busyMode = .timeout(busyTimeout)
    do {
      let setup = try DatabaseQueue(path: path, configuration: config)
      try Schema.migrator.migrate(setup)
      try setup.writeWithoutTransaction { db in
        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
      }
      try setup.close()
    } catch let error as DatabaseError {
      throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
    }
  }

  private static func openQueue(_ path: String, readOnly: Bool) throws -> DatabaseQueue {
    var config = Configuration()
    config.readonly = readOnly
    config.journalMode = .wal
    config.busyMode = .timeout(busyTimeout)
    config.label = "warroom store"
    do {
      return try DatabaseQueue(path: path, configuration: config)
    } catch let error as DatabaseError {
      throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
    }
  }

  // MARK: - Writing

  public func declare(_ declared: Declared, actor: String, at: Date, request: RequestID?)
    throws -> IncidentID
  {
    try Rules.validate(declared)
    return try immediateTransaction { db in
      if let request, let earlier = try previouslyWritten(request, db).first {
        return earlier.incident
      }
      let highest =
        try Int.fetchOne(
          db,
          sql: """
            SELECT MAX(CAST(substr(incident, 5) AS INTEGER)) FROM events
            WHERE type = 'declared' AND incident LIKE 'INC-%'
            """) ?? 0
      let id = IncidentID(number: highest + 1)
      let event = NewEvent(incident: id, at: at, actor: actor, event: .declared(declared))
      _ = try insert(event, request: request, db)
      return id
    }
  }

  @discardableResult
  public func write(
    to state: inout IncidentState, actor: String, at: Date, request: RequestID?,
    decide: (IncidentState) throws -> [Event]
  ) throws -> [EventEnvelope] {
    var working = state
    // The state is only changed once the transaction has committed.
    let written = try immediateTransaction { db in
      try WriteCycle.run(
        &working, actor: actor, at: at, request: request,
        newer: { try fetch(db, after: $0, incident: $1, limit: nil) },
        previouslyWritten: { try previouslyWritten($0, db) },
        insert: { try $0.map { try insert($0, request: request, db) } }, decide: decide)
    }
    state = working
    return written
  }

  @discardableResult
  public func append(_ events: [NewEvent]) throws -> [EventEnvelope] {
    try immediateTransaction { db in try events.map { try insert($0, request: nil, db) } }
  }

  private func insert(_ event: NewEvent, request: RequestID?, _ db: Database) throws
    -> EventEnvelope
  {
    let milliseconds = Int64((event.at.timeIntervalSince1970 * 1000).rounded())
    let statement = try db.cachedStatement(
      sql: """
        INSERT INTO events (incident, at_ms, actor, type, payload, request)
        VALUES (?, ?, ?, ?, ?, ?)
        """)
    try statement.execute(arguments: [
      event.incident.rawValue, milliseconds, event.actor, event.event.typeName,
      event.event.payloadJSON(), request?.rawValue,
    ])
    return EventEnvelope(
      seq: db.lastInsertedRowID, incident: event.incident,
      at: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000), actor: event.actor,
      event: event.event)
  }

  /// Runs `body` in a transaction that takes the write lock at once, so that what it read
  /// is still true when it writes.
  private func immediateTransaction<T>(_ body: (Database) throws -> T) throws -> T {
    if isReadOnly { throw StoreError.readOnly(path: location) }
    do {
      return try queue.writeWithoutTransaction { db in
        // Prepared once per connection: GRDB's inTransaction parsed BEGIN and COMMIT anew
        // on every append, a third of the store's overhead over raw SQLite.
        try db.cachedStatement(sql: "BEGIN IMMEDIATE").execute()
        do {
          let result = try body(db)
          try db.cachedStatement(sql: "COMMIT").execute()
          return result
        } catch {
          if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
          throw error
        }
      }
    } catch let error as StoreError {
      throw error
    } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
      throw StoreError.readOnly(path: location)
    } catch let error as DatabaseError {
      throw StoreError.cannotOpen(path: location, reason: error.message ?? "\(error.resultCode)")
    }
  }

  public func importEvents(_ events: [StoredEvent]) throws -> ImportResult {
    try immediateTransaction { db in
      var result = ImportResult(added: 0, alreadyThere: 0)
      let find = try db.cachedStatement(
        sql: "SELECT incident, at_ms, actor, type, payload FROM events WHERE seq = ?")
      let insert = try db.cachedStatement(
        sql: """
          INSERT INTO events (seq, incident, at_ms, actor, type, payload)
          VALUES (?, ?, ?, ?, ?, ?)
          """)
      for event in events {
        if let row = try Row.fetchOne(find, arguments: [event.seq]) {
          let existing = StoredEvent(
            seq: event.seq, incident: row[0], atMilliseconds: row[1], actor: row[2],
            type: row[3], payload: row[4])
          // Throwing rolls the whole import back: a store is copied whole or not at all.
          guard existing == event else {
            throw StoreError.conflict(path: location, seq: event.seq)
          }
          result.alreadyThere += 1
        } else {
          try insert.execute(arguments: [
            event.seq, event.incident, event.atMilliseconds, event.actor, event.type,
            event.payload,
          ])
          result.added += 1
        }
      }
      return result
    }
  }

  // MARK: - Reading

  public func storedEvents(after seq: Int64, limit: Int?) throws -> [StoredEvent] {
    try read { db in
      var sql = "SELECT \(Self.columns) FROM events WHERE seq > ? ORDER BY seq"
      var arguments: StatementArguments = [seq]
      if let limit {
        sql += " LIMIT ?"
        arguments += [limit]
      }
      return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
        StoredEvent(
          seq: $0[0], incident: $0[1], atMilliseconds: $0[2], actor: $0[3], type: $0[4],
          payload: $0[5])
      }
    }
  }

  public func events(after seq: Int64, incident: IncidentID?, limit: Int?) throws
    -> [EventEnvelope]
  {
    try read { db in try fetch(db, after: seq, incident: incident, limit: limit) }
  }

  public func incidentIDs() throws -> [IncidentID] {
    try read { db in
      try String.fetchAll(
        db, sql: "SELECT incident FROM events WHERE type = 'declared' ORDER BY seq"
      ).map(IncidentID.init(rawValue:))
    }
  }

  public func latestSequence() throws -> Int64 {
    try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0 }
  }

  public func makeChangeSignal() throws -> any ChangeSignal {
    try FileChangeSignal(watching: location)
  }

  private func read<T>(_ body: (Database) throws -> T) throws -> T {
    do {
      return try queue.read(body)
    } catch let error as DatabaseError {
      throw StoreError.cannotOpen(path: location, reason: error.message ?? "\(error.resultCode)")
    }
  }

  private static let columns = "seq, incident, at_ms, actor, type, payload"

  private func fetch(_ db: Database, after seq: Int64, incident: IncidentID?, limit: Int?) throws
    -> [EventEnvelope]
  {
    var sql = "SELECT \(Self.columns) FROM events WHERE seq > ?"
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
    let sql = "SELECT \(Self.columns) FROM events WHERE request = ? ORDER BY seq"
    return try envelopes(try db.cachedStatement(sql: sql), [request.rawValue])
  }

  private func envelopes(_ statement: Statement, _ arguments: StatementArguments) throws
    -> [EventEnvelope]
  {
    var envelopes: [EventEnvelope] = []
    let rows = try Row.fetchCursor(statement, arguments: arguments)
    while let row = try rows.next() {
      let number: Int64 = row[0]
      let event: Event
      do {
        event = try Event(typeName: row[4], payloadJSON: row[5])
      } catch {
        throw StoreError.damaged(path: location, seq: number, reason: "payload does not decode")
      }
      let milliseconds: Int64 = row[2]
      envelopes.append(
        EventEnvelope(
          seq: number, incident: IncidentID(rawValue: row[1]),
          at: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000), actor: row[3],
          event: event))
    }
    return envelopes
  }
}
