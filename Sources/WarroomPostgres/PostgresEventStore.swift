import Foundation
import Logging
import NIOCore
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
  /// One caller at a time on the connection: the dashboard's reconnection probe runs on a
  /// thread of its own, and tests share stores between threads.
  private let lock = NSLock()

  static let schemaVersion = 5

  /// Snapshots this user saved of this store's incidents (see `SnapshotCache`); nil: none.
  private let cache: SnapshotCache?
  private let snapshots: SnapshotPolicy
  /// The store's identity (`warroom_meta` key `store`, made with the store): what cached
  /// snapshots are filed under, so a store made again at the same address never starts
  /// from another's. Nil for a store no one who may write it has opened since it existed.
  var identity: String?
  /// What this store's cached snapshots are filed under: its address (schema included)
  /// and its identity. The identity alone could be copied into another store's
  /// `warroom_meta` by anyone allowed to write it, to pass that store's snapshots off as
  /// this one's.
  var cacheKey: String? { identity.map { address.redacted + "\u{0}" + $0 } }
  /// Events fetched at a time when folding from nothing: every event of a long incident
  /// in memory at once was most of a command's peak memory.
  static let pageSize = 5_000

  /// The NOTIFY channel: one per schema, since channels are database-wide and stores in
  /// other schemas must not wake this one's dashboards.
  private var channel: String { "warroom_events" + (address.schema.map { "_" + $0 } ?? "") }

  /// `snapshotCache`: where this user keeps snapshots of the store's incidents (none by
  /// default); `snapshotAfter`: how many events a process folds past one before it saves
  /// another (see `SnapshotPolicy`).
  public init(
    url: String, environment: [String: String] = ProcessInfo.processInfo.environment,
    snapshotCache: SnapshotCache? = nil, snapshotAfter: Int = 1_000
  ) throws {
    cache = snapshotCache
    snapshots = SnapshotPolicy(minimumEvents: snapshotAfter)
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

  // MARK: - Writing

  public func declare(_ declared: Declared, actor: String, at: Date, request: RequestID?)
    throws -> IncidentID
  {
    try Rules.validate(declared)
    return try writeTransaction { run in
      try DeclareCycle.run(
        declared, actor: actor, at: at, request: request,
        previouslyWritten: { try previouslyWritten($0, run) },
        declaredIncidents: {
          try run("SELECT incident FROM warroom_events WHERE type = 'declared'").rows.map {
            try $0.decode(String.self)
          }
        },
        insert: { _ = try insert([$0], request: request, run) })
    }
  }

  @discardableResult
  public func write(
    to state: inout IncidentState, actor: String, at: Date, request: RequestID?,
    decide: (IncidentState) throws -> [Event]
  ) throws -> [EventEnvelope] {
    let written = try writeTransaction { run in
      try WriteCycle.run(
        &state, actor: actor, at: at, request: request,
        newer: { try fetch(after: $0, incident: $1, limit: nil, run) },
        previouslyWritten: { try previouslyWritten($0, run) },
        insert: { try insert($0, request: request, run) }, decide: decide)
    }
    WriteCycle.fold(written, into: &state)
    return written
  }

  @discardableResult
  public func append(_ events: [NewEvent]) throws -> [EventEnvelope] {
    try writeTransaction { run in try insert(events, request: nil, run) }
  }

  public func importEvents(_ events: [StoredEvent]) throws -> ImportResult {
    try writeTransaction { run in
      let highest =
        try run("SELECT COALESCE(MAX(seq), 0) FROM warroom_events").rows.first
        .map { try $0.decode(Int64.self) } ?? 0
      let plan = try ImportPlan.make(events, highest: highest, location: location) { seq in
        try storedEvent(seq, run)
      }
      for event in plan.additions {
        try run(
          """
          INSERT INTO warroom_events (seq, incident, at_ms, actor, type, payload, os_user)
          VALUES (\(event.seq), \(event.incident), \(event.atMilliseconds), \(event.actor),
                  \(event.type), \(event.payload), \(event.osUser))
          """)
      }
      return plan.result
    }
  }

  /// Appends at the next sequence numbers; the caller holds the table lock, so the next
  /// number is the highest plus one. One round trip per event: the number is taken in the
  /// INSERT itself, and the last INSERT also NOTIFYs (delivered at commit to every
  /// listening dashboard).
  private func insert(_ events: [NewEvent], request: RequestID?, _ run: Runner) throws
    -> [EventEnvelope]
  {
    var written: [EventEnvelope] = []
    for (index, event) in events.enumerated() {
      let milliseconds = Int64(
        Int(seconds: event.at.timeIntervalSince1970 * 1000, rounding: .toNearestOrAwayFromZero))
      let osUser = ProcessIdentity.osUser
      let type = event.event.typeName
      let payload = event.event.payloadJSON()
      let result: PostgresQueryResult
      if index < events.count - 1 {
        result = try run(
          """
          INSERT INTO warroom_events
            (seq, incident, at_ms, actor, type, payload, request, os_user)
          SELECT COALESCE(MAX(seq), 0) + 1, \(event.incident.rawValue), \(milliseconds),
                 \(event.actor), \(type), \(payload), \(request?.rawValue), \(osUser)
          FROM warroom_events RETURNING seq, db_role
          """)
      } else {
        result = try run(
          """
          WITH new AS (
            INSERT INTO warroom_events
              (seq, incident, at_ms, actor, type, payload, request, os_user)
            SELECT COALESCE(MAX(seq), 0) + 1, \(event.incident.rawValue), \(milliseconds),
                   \(event.actor), \(type), \(payload), \(request?.rawValue), \(osUser)
            FROM warroom_events RETURNING seq, db_role),
          told AS (SELECT pg_notify(\(channel), (SELECT seq::text FROM new)))
          SELECT seq, db_role FROM new, told
          """)
      }
      guard let (seq, dbRole) = try result.rows.first.map({ try $0.decode((Int64, String?).self) })
      else {
        throw PostgresStoreError.failed(location, reason: "an insert returned no number")
      }
      written.append(
        EventEnvelope(
          seq: seq, incident: event.incident,
          at: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000), actor: event.actor,
          event: event.event, osUser: osUser, dbRole: dbRole))
    }
    return written
  }

  // MARK: - Reading

  /// Folds the incident's events since `state.lastSeq` a page at a time. A state folded
  /// from nothing starts from this user's cached snapshot when it is current, and saves a
  /// newer one when it folded enough events past it.
  @discardableResult
  public func refresh(_ state: inout IncidentState, history: HistoryReading) throws -> Bool {
    var arrived = false
    if state.lastSeq == 0 {
      if let snapshot = try cachedSnapshot(of: state.id, history: history) {
        state = snapshot
        snapshots.covers(snapshot)
        arrived = true
      }
      if try fold(into: &state) { arrived = true }
    } else {
      // Catching up (a dashboard woken by NOTIFY): a few events, in one statement rather
      // than the cursor's two (DECLARE, FETCH): a round trip less on every change.
      let fresh = try events(after: state.lastSeq, incident: state.id, limit: nil)
      for envelope in fresh { Reducer.apply(envelope, to: &state) }
      arrived = !fresh.isEmpty
    }
    saveSnapshotIfDue(state)
    return arrived
  }

  /// Folds the incident's events after `state.lastSeq` (to `last`) through a cursor, a page at a
  /// time: one query, planned once (pages of `LIMIT` queries each sorted what was left,
  /// 1.4 times the time of one), never every row in memory at once.
  @discardableResult
  private func fold(into state: inout IncidentState, through last: Int64 = .max) throws -> Bool {
    try transaction { run in
      try run(
        """
        DECLARE warroom_fold NO SCROLL CURSOR FOR
        SELECT \(unescaped: Self.columns) FROM warroom_events
        WHERE seq > \(state.lastSeq) AND seq <= \(last) AND incident = \(state.id.rawValue)
        ORDER BY seq
        """)
      var any = false
      while true {
        let page = try envelopes(
          run("FETCH \(unescaped: String(Self.pageSize)) FROM warroom_fold"))
        for envelope in page { Reducer.apply(envelope, to: &state) }
        any = any || !page.isEmpty
        if page.count < Self.pageSize { return any }
      }
    }
  }

  /// The cached snapshot of `incident`, when the event it covers is still the store's event
  /// at that number, of that incident, with the same content. Events are immutable here
  /// (see `verify`), so the ones before it are what the snapshot folded.
  private func cachedSnapshot(of incident: IncidentID, history: HistoryReading) throws
    -> IncidentState?
  {
    guard let cache, let key = cacheKey else { return nil }
    return try cache.load(store: key, incident: incident, history: history) { seq, fingerprint in
      try self.fingerprint(of: seq, incident: incident) == fingerprint
    }
  }

  /// The event's content hash (`EventChain.hash` with nothing before it), when the store
  /// holds it and it belongs to `incident`.
  private func fingerprint(of seq: Int64, incident: IncidentID) throws -> String? {
    let event = try transaction { run in try storedEvent(seq, run) }
    guard let event, event.incident == incident.rawValue else { return nil }
    return EventChain.hash(previous: "", event)
  }

  /// The event at `seq` exactly as stored, if there is one.
  private func storedEvent(_ seq: Int64, _ run: Runner) throws -> StoredEvent? {
    try run(
      """
      SELECT incident, at_ms, actor, type, payload, os_user FROM warroom_events
      WHERE seq = \(seq)
      """
    ).rows.first.map {
      let (incident, at, actor, type, payload, osUser) = try $0.decode(
        (String, Int64, String, String, String, String?).self)
      return StoredEvent(
        seq: seq, incident: incident, atMilliseconds: at, actor: actor, type: type,
        payload: payload, osUser: osUser)
    }
  }

  /// Saves `state` in the cache when `SnapshotPolicy` says it pays. A failure (the server
  /// gone, a full disk) is passed over: readers fold the events.
  private func saveSnapshotIfDue(_ state: IncidentState) {
    guard let cache, let key = cacheKey, snapshots.isDue(state) else { return }
    // A summary lacks what its snapshot left unread: the whole state is loaded, which saves
    // it (as due as this one), so that readers of summaries keep getting newer snapshots.
    guard state.holdsWholeHistory else {
      _ = try? load(state.id, history: .whole)
      return
    }
    guard let fingerprint = try? fingerprint(of: state.lastSeq, incident: state.id) else {
      return
    }
    if cache.save(store: key, state: state, fingerprint: fingerprint) {
      snapshots.covers(state)
    }
  }

  /// Folds the events each cached snapshot covers afresh; one that disagrees is removed.
  public func checkSnapshots() throws -> [SnapshotFinding] {
    guard let cache, let key = cacheKey else { return [] }
    var findings: [SnapshotFinding] = []
    for incident in try incidentIDs() {
      var covered: Int64 = 0
      guard
        let snapshot = cache.load(
          store: key, incident: incident, history: .wholeChecked,
          isCurrent: { seq, _ in
            covered = seq
            return true
          })
      else {
        if covered > 0 {
          findings.append(
            SnapshotFinding(
              incident: incident, seq: covered, problem: "does not read",
              removed: cache.remove(store: key, incident: incident)))
        }
        continue
      }
      var folded = IncidentState(id: incident)
      try fold(into: &folded, through: snapshot.lastSeq)
      if folded != snapshot {
        findings.append(
          SnapshotFinding(
            incident: incident, seq: snapshot.lastSeq, problem: "disagrees with its events",
            removed: cache.remove(store: key, incident: incident)))
      }
    }
    return findings
  }

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

  /// No chain here: the witness is the newest number, which a removal would lower.
  public func chainHead() throws -> ChainHead? {
    let seq = try latestSequence()
    return seq == 0 ? nil : ChainHead(seq: seq, hash: "")
  }

  public func sequence(ofHead hash: String) throws -> Int64? { nil }

  public func storedEvents(after seq: Int64, limit: Int?) throws -> [StoredEvent] {
    try transaction { run in
      let limitValue = Int64(limit ?? Int(Int32.max))
      return try run(
        """
        SELECT \(unescaped: Self.columns) FROM warroom_events
        WHERE seq > \(seq) ORDER BY seq LIMIT \(limitValue)
        """
      ).rows.map {
        let (seq, incident, at, actor, type, payload, osUser, _) = try $0.decode(
          (Int64, String, Int64, String, String, String, String?, String?).self)
        return StoredEvent(
          seq: seq, incident: incident, atMilliseconds: at, actor: actor, type: type,
          payload: payload, osUser: osUser)
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
          SELECT \(unescaped: Self.columns) FROM warroom_events
          WHERE seq > \(seq) AND incident = \(incident.rawValue) ORDER BY seq LIMIT \(limitValue)
          """))
    }
    return try envelopes(
      run(
        """
        SELECT \(unescaped: Self.columns) FROM warroom_events
        WHERE seq > \(seq) ORDER BY seq LIMIT \(limitValue)
        """))
  }

  /// The events an earlier submission with this request id wrote, if any.
  private func previouslyWritten(_ request: RequestID, _ run: Runner) throws -> [EventEnvelope] {
    try envelopes(
      run(
        """
        SELECT \(unescaped: Self.columns) FROM warroom_events
        WHERE request = \(request.rawValue) ORDER BY seq
        """))
  }

  private static let columns = "seq, incident, at_ms, actor, type, payload, os_user, db_role"

  private func envelopes(_ result: PostgresQueryResult) throws -> [EventEnvelope] {
    try result.rows.map { row in
      let (seq, incident, at, actor, type, payload, osUser, dbRole) = try row.decode(
        (Int64, String, Int64, String, String, String, String?, String?).self)
      return .stored(
        seq: seq, incident: incident, atMilliseconds: at, actor: actor, type: type,
        payload: payload, osUser: osUser, dbRole: dbRole)
    }
  }

  /// PostgreSQL stores keep no hash chain: the server's privileges and the immutability
  /// triggers stand in for it. This checks what can be checked: the triggers are in place
  /// and the numbers run without gaps.
  public func verify() throws -> StoreVerification {
    try transaction { run in
      let triggers =
        try run(
          """
          SELECT count(*) FROM pg_trigger
          WHERE tgrelid = 'warroom_events'::regclass AND tgenabled <> 'D'
            AND tgname IN ('warroom_events_are_immutable', 'warroom_events_are_permanent')
          """
        ).rows.first.map { try $0.decode(Int64.self) } ?? 0
      let row = try run("SELECT count(*), COALESCE(MAX(seq), 0) FROM warroom_events").rows.first
      let cells = row?.makeRandomAccess()
      let count = try cells?[0].decode(Int64.self) ?? 0
      let highest = try cells?[1].decode(Int64.self) ?? 0
      if triggers < 2 {
        return StoreVerification(
          report: .broken(seq: 0, reason: "the immutability triggers were removed or disabled"),
          chainedAfter: nil, chainedAt: nil, note: nil)
      }
      if count != highest {
        return StoreVerification(
          report: .broken(
            seq: highest, reason: "\(highest - count) events are missing below #\(highest)"),
          chainedAfter: nil, chainedAt: nil, note: nil)
      }
      return StoreVerification(
        report: .intact(events: Int(count), head: ""), chainedAfter: nil, chainedAt: nil,
        note: "PostgreSQL keeps events immutable by trigger and privileges; "
          + "\(count) events, numbered without gaps")
    }
  }

  // MARK: - Leases

  public func claimLease(_ candidate: Lease, now: Date, gone: String?) throws -> Lease {
    if isReadOnly { throw StoreError.readOnly(path: location) }
    let nowMs = Int64(milliseconds: now)
    let latestMs = Int64(milliseconds: now.addingTimeInterval(Lease.term + Lease.clockSkewAllowed))
    let goneHolder = gone ?? ""
    return try transaction { run in
      // One statement, so two claimants at once cannot both win: the update applies only
      // where `Lease.mayTake` would allow it.
      let taken = try run(
        """
        INSERT INTO warroom_leases (name, holder, label, host, pid, expires_ms)
        VALUES (\(candidate.name), \(candidate.holder), \(candidate.label), \(candidate.host),
          \(Int32(candidate.pid)), \(candidate.expiresMs))
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, label = excluded.label,
          host = excluded.host, pid = excluded.pid, expires_ms = excluded.expires_ms
        WHERE warroom_leases.holder = excluded.holder OR warroom_leases.expires_ms <= \(nowMs)
          OR warroom_leases.expires_ms > \(latestMs) OR warroom_leases.holder = \(goneHolder)
        RETURNING holder
        """
      ).rows
      if !taken.isEmpty { return candidate }
      return try Self.lease(named: candidate.name, run) ?? candidate
    }
  }

  public func releaseLease(_ lease: Lease) throws {
    if isReadOnly { return }
    _ = try transaction { run in
      // Expired rather than deleted: on-call roles are granted UPDATE, not DELETE.
      try run(
        """
        UPDATE warroom_leases SET expires_ms = 0
        WHERE name = \(lease.name) AND holder = \(lease.holder)
        """)
    }
  }

  public func lease(named name: String) throws -> Lease? {
    try transaction { run in try Self.lease(named: name, run) }
  }

  private static func lease(named name: String, _ run: Runner) throws -> Lease? {
    guard
      let row = try run(
        """
        SELECT name, holder, label, host, pid, expires_ms FROM warroom_leases
        WHERE name = \(name)
        """
      ).rows.first
    else { return nil }
    let (name, holder, label, host, pid, expires) = try row.decode(
      (String, String, String, String, Int32, Int64).self)
    return Lease(
      name: name, holder: holder, label: label, host: host, pid: pid, expiresMs: expires)
  }

  // MARK: - Probe samples

  public func appendSamples(_ samples: [ProbeSample]) throws {
    guard !samples.isEmpty else { return }
    if isReadOnly { throw StoreError.readOnly(path: location) }
    _ = try transaction { run in
      for sample in samples {
        let value = sample.value.flatMap { $0.isFinite ? $0 : nil }
        let latency = sample.latencyMs.map { Int32(clamping: $0) }
        try run(
          """
          INSERT INTO warroom_probe_samples (incident, probe, at_ms, value, latency_ms, state)
          VALUES (\(sample.incident.rawValue), \(sample.probe), \(sample.atMs), \(value),
            \(latency), \(sample.state.rawValue))
          """)
      }
    }
  }

  public func samples(of incident: IncidentID, since: Date) throws -> [ProbeSample] {
    let from = Int64(milliseconds: since)
    return try transaction { run in
      try run(
        """
        SELECT probe, at_ms, value, latency_ms, state FROM warroom_probe_samples
        WHERE incident = \(incident.rawValue) AND at_ms >= \(from) ORDER BY at_ms
        """
      ).rows.compactMap { row in
        let (probe, at, value, latency, word) = try row.decode(
          (String, Int64, Double?, Int32?, String).self)
        guard let state = ProbeState(rawValue: word) else { return nil }
        return ProbeSample(
          incident: incident, probe: probe, atMs: at,
          value: value.flatMap { $0.isFinite ? $0 : nil },
          latencyMs: latency.map(Int.init), state: state)
      }
    }
  }

  /// One value from one query, in a transaction of its own.
  func scalar<T: PostgresDecodable>(_ sql: String, as type: T.Type) throws -> T? {
    try transaction { run in
      try run(PostgresQuery(unsafeSQL: sql)).rows.first.map { try $0.decode(T.self) }
    }
  }

  // MARK: - Transactions

  /// Runs the statements of a transaction, in order, on one connection. A statement whose
  /// answer nothing needs at once (BEGIN, the table lock, COMMIT) is queued: PostgresNIO
  /// sends it as soon as the connection is free, and the next wait takes its answer with
  /// the rest, instead of a round trip through this thread for each (an append waits twice
  /// instead of four times). The first failure, in order, is the one reported.
  final class Runner {
    let connection: PostgresConnection
    let logger: Logger
    private var queued: [EventLoopFuture<PostgresQueryResult>] = []

    init(connection: PostgresConnection, logger: Logger) {
      self.connection = connection
      self.logger = logger
    }

    /// Longer than any lock wait between writers (each holds the lock for milliseconds),
    /// as long as SQLite's busy timeout; a server that stops answering mid-query (a cut
    /// network, no reset) is given up on instead of waited for forever. It bounds each
    /// wait, which covers at most the few statements queued before it.
    static let statementTimeout = TimeAmount.seconds(15)

    /// Sends `query` after those before it, without waiting for its answer.
    func queue(_ query: PostgresQuery) {
      queued.append(connection.query(query, logger: logger))
    }

    /// Runs `query` after those queued and waits for its rows.
    @discardableResult
    func callAsFunction(_ query: PostgresQuery) throws -> PostgresQueryResult {
      queue(query)
      guard let rows = try settle() else { preconditionFailure("a statement was queued") }
      return rows
    }

    /// Waits for every queued statement; the last one's rows.
    @discardableResult
    func settle() throws -> PostgresQueryResult? {
      guard !queued.isEmpty else { return nil }
      let pending = queued
      queued = []
      let connection = connection
      let results = try EventLoopFuture.whenAllComplete(pending, on: connection.eventLoop)
        .wait(atMost: Self.statementTimeout) {
          let _: EventLoopFuture<Void> = connection.close()  // a lost connection from now on
        }
      for result in results.dropLast() { _ = try result.get() }
      return try results.last?.get()
    }
  }

  /// A write: the table lock makes sequence numbers follow commit order.
  private func writeTransaction<T>(_ body: (Runner) throws -> T) throws -> T {
    if isReadOnly { throw StoreError.readOnly(path: location) }
    return try transaction { run in
      run.queue("LOCK TABLE warroom_events IN EXCLUSIVE MODE")
      return try body(run)
    }
  }

  func transaction<T>(_ body: (Runner) throws -> T) throws -> T {
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
      run.queue("BEGIN")
      let result = try body(run)
      run.queue("COMMIT")
      try run.settle()
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
}

extension PostgresQueryResult {
  var rows: [PostgresRow] { Array(self) }
}
