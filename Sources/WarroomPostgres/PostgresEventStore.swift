import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import WarroomCore
import WarroomStore

/// The event log in a PostgreSQL database, for war rooms whose people sit at their own
/// machines. Same events, same guarantees as the SQLite store: each write locks the
/// table in EXCLUSIVE mode (readers go on), so sequence numbers follow commit order with
/// no gaps and every reader sees one total order; each commit NOTIFYs listeners.
///
/// The store's API is synchronous, like the event loop and the CLI that call it, so it
/// waits on PostgresNIO's futures; the work itself runs on NIO's own threads.
///
/// A lost connection surfaces as `StoreError.unavailable`; the next call connects again.
/// Writes carry a request id, so a caller that cannot tell whether its commit landed can
/// send it again without writing it twice.
public final class PostgresEventStore: EventStore, @unchecked Sendable {
  public let location: String
  /// True when the database user may read the events but not add to them.
  public private(set) var isReadOnly = false
  private let address: PostgresLocation
  private let environment: [String: String]
  /// Nil after a connection was lost, until the next call connects again.
  private var connection: PostgresConnection?
  private let logger: Logger
  /// One caller at a time on the connection (the store may be shared by threads in tests).
  private let lock = NSLock()

  static let schemaVersion = 2

  /// The NOTIFY channel: one per schema, since channels are database-wide and stores in
  /// other schemas must not wake this one's dashboards.
  private var channel: String { "warroom_events" + (address.schema.map { "_" + $0 } ?? "") }

  public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment)
    throws
  {
    address = try PostgresLocation(url: url, environment: environment)
    self.environment = environment
    location = address.redacted
    var logger = Logger(label: "warroom.postgres")
    logger.logLevel = .critical
    self.logger = logger
    connection = try Self.connect(address, environment: environment, logger: logger)
    try setUpSchema()
    isReadOnly = try
      !(scalar(
        "SELECT has_table_privilege('warroom_events', 'INSERT')", as: Bool.self) ?? false)
  }

  deinit { connection?.closeWithoutBlockingItsLoop() }

  /// Opens a connection, encrypted as the address asks, within a bounded time: a server
  /// that is down or unreachable is reported in seconds, never waited on forever.
  static func connect(
    _ address: PostgresLocation, environment: [String: String], logger: Logger
  ) throws -> PostgresConnection {
    let tls: PostgresConnection.Configuration.TLS
    do {
      tls = try TLSSettings.make(for: address, environment: environment)
    } catch let error as PostgresStoreError {
      throw error
    } catch {
      throw PostgresStoreError.badURL(address.redacted + " (TLS: \(describe(error)))")
    }
    var configuration = PostgresConnection.Configuration(
      host: address.host, port: address.port, username: address.user,
      password: address.password, database: address.database, tls: tls)
    configuration.options.connectTimeout = .seconds(5)
    do {
      let connection = try PostgresConnection.connect(
        on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1,
        logger: logger
      ).wait()
      if let schema = address.schema {
        // The name was checked to be [a-z0-9_]+, so it is safe to splice in.
        // Several first users may race to create it; whoever loses finds it there.
        _ = try? connection.query(
          "CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: logger
        ).wait()
        _ = try connection.query("SET search_path TO \(unescaped: schema)", logger: logger).wait()
      }
      return connection
    } catch {
      throw StoreError.unavailable(path: address.redacted, reason: Self.describe(error))
    }
  }

  /// Creates the tables once, under an advisory lock so that many first users at the
  /// same moment do not race; refuses a database whose tables belong to something else.
  private func setUpSchema() throws {
    try transaction { run in
      try run("SELECT pg_advisory_xact_lock(7272727272)")
      let tables = try run(
        """
        SELECT table_name::text FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_name IN ('warroom_events', 'warroom_meta')
        """
      ).rows.map { try $0.decode(String.self) }
      if tables.contains("warroom_events") != tables.contains("warroom_meta") {
        throw PostgresStoreError.notAStore(location, reason: "a table named warroom_events exists")
      }
      if tables.isEmpty {
        try run(
          """
          CREATE TABLE warroom_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
          """)
        try run(
          "INSERT INTO warroom_meta VALUES ('schema', '\(unescaped: String(Self.schemaVersion))')")
        try run(
          """
          CREATE TABLE warroom_events (
            seq BIGINT PRIMARY KEY,
            incident TEXT NOT NULL,
            at_ms BIGINT NOT NULL,
            actor TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL
          )
          """)
        try run("CREATE INDEX warroom_events_by_incident ON warroom_events (incident, seq)")
        try upgradeToSchema2(run)
      } else {
        let version =
          try run("SELECT value FROM warroom_meta WHERE key = 'schema'").rows
          .first.map { try $0.decode(String.self) }.flatMap { Int($0) } ?? 0
        if version > Self.schemaVersion {
          throw PostgresStoreError.newerSchema(location, version: version)
        }
        if version < 2 { try upgradeToSchema2(run) }
      }
    }
  }

  /// Schema 2: the request id of the submission that wrote each event (see `RequestID`),
  /// and events that cannot be changed or removed, as in the SQLite store. (Writers need
  /// UPDATE on the table only because PostgreSQL asks for it to take the EXCLUSIVE lock.)
  private func upgradeToSchema2(_ run: Runner) throws {
    try run("ALTER TABLE warroom_events ADD COLUMN request TEXT")
    try run(
      "CREATE INDEX warroom_events_by_request ON warroom_events (request) WHERE request IS NOT NULL"
    )
    try run(
      """
      CREATE FUNCTION warroom_events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'warroom events are immutable: a correction is a new event'; END $$
      """)
    try run(
      """
      CREATE TRIGGER warroom_events_are_immutable BEFORE UPDATE OR DELETE ON warroom_events
      FOR EACH ROW EXECUTE FUNCTION warroom_events_are_immutable()
      """)
    try run(
      """
      CREATE TRIGGER warroom_events_are_permanent BEFORE TRUNCATE ON warroom_events
      FOR EACH STATEMENT EXECUTE FUNCTION warroom_events_are_immutable()
      """)
    try run("UPDATE warroom_meta SET value = '2' WHERE key = 'schema'")
  }

  // MARK: - Writing

  public func declare(_ declared: Declared, actor: String, at: Date, request: RequestID?)
    throws -> IncidentID
  {
    try Rules.validate(declared)
    return try writeTransaction { run in
      if let request, let earlier = try previouslyWritten(request, run).first {
        return earlier.incident
      }
      let highest =
        try run(
          """
          SELECT COALESCE(MAX(CAST(substr(incident, 5) AS BIGINT)), 0) FROM warroom_events
          WHERE type = 'declared' AND incident LIKE 'INC-%'
          """
        ).rows.first.map { try $0.decode(Int64.self) } ?? 0
      let id = IncidentID(number: Int(highest) + 1)
      _ = try insert(
        [NewEvent(incident: id, at: at, actor: actor, event: .declared(declared))],
        request: request, run)
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
    let written = try writeTransaction { run in
      try WriteCycle.run(
        &working, actor: actor, at: at, request: request,
        newer: { try fetch(after: $0, incident: $1, limit: nil, run) },
        previouslyWritten: { try previouslyWritten($0, run) },
        insert: { try insert($0, request: request, run) }, decide: decide)
    }
    state = working
    return written
  }

  @discardableResult
  public func append(_ events: [NewEvent]) throws -> [EventEnvelope] {
    try writeTransaction { run in try insert(events, request: nil, run) }
  }

  public func importEvents(_ events: [StoredEvent]) throws -> ImportResult {
    try writeTransaction { run in
      var result = ImportResult(added: 0, alreadyThere: 0)
      for event in events {
        let existing = try run(
          "SELECT incident, at_ms, actor, type, payload FROM warroom_events WHERE seq = \(event.seq)"
        ).rows.first.map {
          let (incident, at, actor, type, payload) = try $0.decode(
            (String, Int64, String, String, String).self)
          return StoredEvent(
            seq: event.seq, incident: incident, atMilliseconds: at, actor: actor, type: type,
            payload: payload)
        }
        if let existing {
          guard existing == event else {
            throw StoreError.conflict(path: location, seq: event.seq)
          }
          result.alreadyThere += 1
        } else {
          try run(
            """
            INSERT INTO warroom_events (seq, incident, at_ms, actor, type, payload)
            VALUES (\(event.seq), \(event.incident), \(event.atMilliseconds), \(event.actor),
                    \(event.type), \(event.payload))
            """)
          result.added += 1
        }
      }
      return result
    }
  }

  /// Appends at the next sequence numbers; the caller holds the table lock.
  private func insert(_ events: [NewEvent], request: RequestID?, _ run: Runner) throws
    -> [EventEnvelope]
  {
    guard !events.isEmpty else { return [] }
    var seq =
      try run("SELECT COALESCE(MAX(seq), 0) FROM warroom_events").rows.first
      .map { try $0.decode(Int64.self) } ?? 0
    var written: [EventEnvelope] = []
    for event in events {
      seq += 1
      let milliseconds = Int64((event.at.timeIntervalSince1970 * 1000).rounded())
      let type = event.event.typeName
      let payload = event.event.payloadJSON()
      try run(
        """
        INSERT INTO warroom_events (seq, incident, at_ms, actor, type, payload, request)
        VALUES (\(seq), \(event.incident.rawValue), \(milliseconds), \(event.actor), \(type),
                \(payload), \(request?.rawValue))
        """)
      written.append(
        EventEnvelope(
          seq: seq, incident: event.incident,
          at: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000), actor: event.actor,
          event: event.event))
    }
    // Delivered at commit, to every listening dashboard.
    try run("SELECT pg_notify(\(channel), \(String(seq)))")
    return written
  }

  // MARK: - Reading

  public func events(after seq: Int64, incident: IncidentID?, limit: Int?) throws
    -> [EventEnvelope]
  {
    try transaction { run in try fetch(after: seq, incident: incident, limit: limit, run) }
  }

  public func incidentIDs() throws -> [IncidentID] {
    try transaction { run in
      try run("SELECT incident FROM warroom_events WHERE type = 'declared' ORDER BY seq").rows
        .map { IncidentID(rawValue: try $0.decode(String.self)) }
    }
  }

  public func latestSequence() throws -> Int64 {
    try transaction { run in
      try run("SELECT COALESCE(MAX(seq), 0) FROM warroom_events").rows.first
        .map { try $0.decode(Int64.self) } ?? 0
    }
  }

  public func storedEvents(after seq: Int64, limit: Int?) throws -> [StoredEvent] {
    try transaction { run in
      let limitValue = Int64(limit ?? Int(Int32.max))
      return try run(
        """
        SELECT seq, incident, at_ms, actor, type, payload FROM warroom_events
        WHERE seq > \(seq) ORDER BY seq LIMIT \(limitValue)
        """
      ).rows.map {
        let (seq, incident, at, actor, type, payload) = try $0.decode(
          (Int64, String, Int64, String, String, String).self)
        return StoredEvent(
          seq: seq, incident: incident, atMilliseconds: at, actor: actor, type: type,
          payload: payload)
      }
    }
  }

  public func makeChangeSignal() throws -> any ChangeSignal {
    try NotifyChangeSignal(
      address: address, environment: environment, channel: channel, logger: logger)
  }

  private func fetch(after seq: Int64, incident: IncidentID?, limit: Int?, _ run: Runner) throws
    -> [EventEnvelope]
  {
    let limitValue = Int64(limit ?? Int(Int32.max))
    if let incident {
      return try envelopes(
        run(
          """
          SELECT seq, incident, at_ms, actor, type, payload FROM warroom_events
          WHERE seq > \(seq) AND incident = \(incident.rawValue) ORDER BY seq LIMIT \(limitValue)
          """))
    }
    return try envelopes(
      run(
        """
        SELECT seq, incident, at_ms, actor, type, payload FROM warroom_events
        WHERE seq > \(seq) ORDER BY seq LIMIT \(limitValue)
        """))
  }

  /// The events an earlier submission with this request id wrote, if any.
  private func previouslyWritten(_ request: RequestID, _ run: Runner) throws -> [EventEnvelope] {
    try envelopes(
      run(
        """
        SELECT seq, incident, at_ms, actor, type, payload FROM warroom_events
        WHERE request = \(request.rawValue) ORDER BY seq
        """))
  }

  private func envelopes(_ result: PostgresQueryResult) throws -> [EventEnvelope] {
    try result.rows.map { row in
      let (number, incident, at, actor, type, payload) = try row.decode(
        (Int64, String, Int64, String, String, String).self)
      let event: Event
      do {
        event = try Event(typeName: type, payloadJSON: payload)
      } catch {
        throw StoreError.damaged(path: location, seq: number, reason: "payload does not decode")
      }
      return EventEnvelope(
        seq: number, incident: IncidentID(rawValue: incident),
        at: Date(timeIntervalSince1970: TimeInterval(at) / 1000), actor: actor, event: event)
    }
  }

  /// One value from one query, in a transaction of its own.
  func scalar<T: PostgresDecodable>(_ sql: String, as type: T.Type) throws -> T? {
    try transaction { run in
      try run(PostgresQuery(unsafeSQL: sql)).rows.first.map { try $0.decode(T.self) }
    }
  }

  // MARK: - Transactions

  /// Runs one statement of a transaction and waits for its rows.
  /// Bounds each statement, like the connect timeout bounds connecting.
  struct Runner {
    let connection: PostgresConnection
    let logger: Logger

    /// Longer than any lock wait between writers (each holds the lock for milliseconds),
    /// as long as SQLite's busy timeout; a server that stops answering mid-query (a cut
    /// network, no reset) is given up on instead of waited for forever.
    static let statementTimeout = TimeAmount.seconds(15)

    @discardableResult
    func callAsFunction(_ query: PostgresQuery) throws -> PostgresQueryResult {
      let connection = connection
      let watchdog = connection.eventLoop.scheduleTask(in: Self.statementTimeout) {
        let _: EventLoopFuture<Void> = connection.close()  // fails the query: a lost connection
      }
      defer { watchdog.cancel() }
      return try connection.query(query, logger: logger).wait()
    }
  }

  /// A write: the table lock makes sequence numbers follow commit order.
  private func writeTransaction<T>(_ body: (Runner) throws -> T) throws -> T {
    if isReadOnly { throw StoreError.readOnly(path: location) }
    return try transaction { run in
      try run("LOCK TABLE warroom_events IN EXCLUSIVE MODE")
      return try body(run)
    }
  }

  private func transaction<T>(_ body: (Runner) throws -> T) throws -> T {
    lock.lock()
    defer { lock.unlock() }
    let live: PostgresConnection
    if let connection, !connection.isClosed {
      live = connection
    } else {
      connection = nil
      live = try Self.connect(address, environment: environment, logger: logger)
      connection = live
    }
    let run = Runner(connection: live, logger: logger)
    do {
      try run("BEGIN")
      let result = try body(run)
      try run("COMMIT")
      return result
    } catch {
      if Self.isConnectionLoss(error) {
        // Whether a COMMIT in flight landed is unknown: callers resend with the same
        // request id, which the store recognises.
        _ = try? live.close().wait()
        connection = nil
        throw StoreError.unavailable(path: location, reason: Self.describe(error))
      }
      _ = try? run("ROLLBACK")
      if error is StoreError || error is Refusal || error is PostgresStoreError { throw error }
      throw PostgresStoreError.failed(location, reason: Self.describe(error))
    }
  }

  /// Whether an error means the connection (or the server) went away, rather than that the
  /// statement was wrong: only then is trying again later the right answer.
  static func isConnectionLoss(_ error: any Error) -> Bool {
    guard let psql = error as? PSQLError else {
      // Not from the protocol layer: sockets, channels and timeouts from NIO.
      return
        !(error is StoreError || error is Refusal || error is PostgresStoreError
        || error is DecodingError)
    }
    switch psql.code {
    case .clientClosedConnection, .serverClosedConnection, .connectionError, .uncleanShutdown,
      .poolClosed:
      return true
    case .server:
      // SQLSTATE class 08 (connection exception) and 57P (the server shutting down).
      let state = psql.serverInfo?[.sqlState] ?? ""
      return state.hasPrefix("08") || state.hasPrefix("57P")
    default:
      return false
    }
  }

  static func describe(_ error: any Error) -> String {
    if let psql = error as? PSQLError {
      if let message = psql.serverInfo?[.message] { return message }
      switch psql.code {
      case .sslUnsupported: return "the server does not offer TLS, and sslmode asks for it"
      // Only the statement watchdog closes a connection from this side mid-query.
      case .clientClosedConnection: return "no answer within 15 s"
      case .serverClosedConnection: return "the server closed the connection"
      default: break
      }
      if let underlying = psql.underlying { return describe(underlying) }
      return "\(psql.code)"
    }
    if let ssl = error as? NIOSSLError { return "TLS: \(ssl)" }
    // NIO's own texts are for developers: say what a person at a terminal can act on.
    if let connecting = error as? NIOConnectionError {
      if let first = connecting.connectionErrors.first { return describe(first.error) }
      if connecting.dnsAError != nil || connecting.dnsAAAAError != nil {
        return "host \(connecting.host) not found"
      }
      return "no address for \(connecting.host)"
    }
    if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
    if case ChannelError.connectTimeout = error { return "no answer within 5 s" }
    if error is ChannelError { return "the connection closed (\(error))" }
    return "\(error)"
  }
}

extension PostgresQueryResult {
  var rows: [PostgresRow] { Array(self) }
}

extension PostgresConnection {
  /// Closes the connection, then runs `done`. Waits for it (so the server hears a proper
  /// goodbye before the process exits), except on the connection's own event loop, where
  /// waiting would trap: a deinit runs there when a callback held the last reference.
  func closeWithoutBlockingItsLoop(then done: @escaping @Sendable () -> Void = {}) {
    let closing: EventLoopFuture<Void> = close()
    // Kept alive until closed: PostgresNIO expects a connection to be closed before it goes.
    closing.whenComplete { _ in withExtendedLifetime(self) { done() } }
    if !eventLoop.inEventLoop { _ = try? closing.wait() }
  }
}
