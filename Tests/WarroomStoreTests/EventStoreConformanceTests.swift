import Foundation
import Testing
import WarroomCore
import WarroomPostgres
import WarroomStore
import WarroomTestSupport

/// A way to open a store, so every backend runs the same conformance tests.
/// Opening the same name twice gives two independent connections, as two processes have.
struct StoreBackend: CustomStringConvertible, Sendable {
  var description: String
  var open: @Sendable (TemporaryFolder, String) throws -> any EventStore

  static let sqlite = StoreBackend(description: "SQLite") { folder, name in
    try SQLiteEventStore(path: folder.path(name))
  }

  /// PostgreSQL at `$WARROOM_TEST_POSTGRES` (CI starts a throwaway server); each store
  /// name gets a schema of its own in that database.
  static let postgres: StoreBackend? = PostgresTestServer.url.map { url in
    StoreBackend(description: "PostgreSQL") { folder, name in
      try PostgresEventStore(url: PostgresTestServer.isolated(url, folder.url.path + "/" + name))
    }
  }

  /// Every backend the conformance suite runs against.
  static let all: [StoreBackend] = [.sqlite] + (postgres.map { [$0] } ?? [])
}

/// What every `EventStore` must guarantee, whatever keeps the events.
@Suite("Event store conformance")
struct EventStoreConformanceTests {
  let folder: TemporaryFolder
  let clock = Date(timeIntervalSince1970: 1_798_000_000)

  init() throws { folder = try TemporaryFolder() }

  @Test(arguments: StoreBackend.all) func declaresIncidentsWithIncreasingIDs(backend: StoreBackend)
    throws
  {
    let store = try backend.open(folder, "w.db")
    let first = try store.declare(Declared(title: "one"), actor: "a", at: clock)
    let second = try store.declare(Declared(title: "two"), actor: "a", at: clock)
    #expect(first == IncidentID(number: 1))
    #expect(second == IncidentID(number: 2))
    #expect(try store.incidentIDs() == [first, second])
    #expect(try store.load(second).title == "two")
    #expect(try store.currentIncident()?.id == second)
  }

  /// One numbering rule on every backend (`DeclareCycle`): only the form the store hands
  /// out counts, so rows copied in with other forms neither take nor block a number.
  @Test(arguments: StoreBackend.all)
  func incidentNumbersPassOverFormsTheStoreNeverHandsOut(backend: StoreBackend) throws {
    let store = try backend.open(folder, "w.db")
    let payload = Event.declared(Declared(title: "planted")).payloadJSON()
    let planted = [
      "INC-4", "INC-9223372036854775807", "INC-007", "INC-1000000000", "INC-x", "OPS-9",
    ]
    let rows = planted.enumerated().map { index, incident in
      StoredEvent(
        seq: Int64(index + 1), incident: incident, atMilliseconds: 1_798_000_000_000,
        actor: "mallory", type: "declared", payload: payload)
    }
    #expect(try store.importEvents(rows).added == planted.count)
    #expect(
      try store.declare(Declared(title: "next"), actor: "a", at: clock) == IncidentID(number: 5))
    #expect(throws: Refusal.self) { try DeclareCycle.nextIncident(after: ["INC-999999999"]) }
  }

  @Test(arguments: StoreBackend.all) func writesRunTheRulesAgainstTheLatestState(
    backend: StoreBackend
  ) throws {
    let mine = try backend.open(folder, "w.db")
    let theirs = try backend.open(folder, "w.db")
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

  @Test(arguments: StoreBackend.all) func refusedWritesStoreNothing(backend: StoreBackend) throws {
    let store = try backend.open(folder, "w.db")
    let id = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    var state = try store.load(id)
    #expect(throws: Refusal.self) {
      try store.write(to: &state, actor: "a", at: clock) {
        try Rules.decide(.startExperiment(9), in: $0)
      }
    }
    #expect(try store.latestSequence() == 1)
  }

  /// A write that fails leaves the state true: others' events it caught up with are in
  /// it (they were committed), its own are not.
  @Test(arguments: StoreBackend.all) func aFailedWriteLeavesTheStateAsTheStoreHasIt(
    backend: StoreBackend
  ) throws {
    let store = try backend.open(folder, "w.db")
    let other = try backend.open(folder, "w.db")
    let id = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    var state = try store.load(id)
    var theirs = try other.load(id)
    try other.write(to: &theirs, actor: "b", at: clock) {
      try Rules.decide(.log(.note, "by another process"), in: $0)
    }
    #expect(throws: Refusal.self) {
      try store.write(to: &state, actor: "a", at: clock) { latest in
        _ = try Rules.decide(.log(.note, "mine"), in: latest)
        return try Rules.decide(.startExperiment(9), in: latest)
      }
    }
    #expect(state == (try other.load(id)))
    #expect(state.log.map(\.text) == ["by another process"])
    try store.write(to: &state, actor: "a", at: clock) {
      try Rules.decide(.log(.note, "mine"), in: $0)
    }
    #expect(state == (try other.load(id)))
  }

  @Test(arguments: StoreBackend.all) func readsIncrementallyAfterASequenceNumber(
    backend: StoreBackend
  ) throws {
    let store = try backend.open(folder, "w.db")
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
    try store.append([NewEvent(incident: id, at: clock, actor: "r", event: .mitigated())])
    #expect(try store.refresh(&state) == true)
    #expect(state.status == .mitigated)
  }

  @Test(arguments: StoreBackend.all) func timestampsKeepMilliseconds(backend: StoreBackend) throws {
    let store = try backend.open(folder, "w.db")
    let at = Date(timeIntervalSince1970: 1_798_000_000.123)
    let id = try store.declare(Declared(title: "x"), actor: "a", at: at)
    #expect(try store.load(id).declaredAt == at)
  }

  @Test(arguments: StoreBackend.all) func theChangeSignalFiresOnAnotherConnectionsCommit(
    backend: StoreBackend
  ) throws {
    let reader = try backend.open(folder, "w.db")
    let writer = try backend.open(folder, "w.db")
    let id = try writer.declare(Declared(title: "x"), actor: "a", at: clock)
    let signal = try reader.makeChangeSignal()
    _ = signal.drain()
    #expect(waitReadable(signal.fileDescriptor, milliseconds: 50) == false)
    _ = try reader.load(id)  // reading alone does not fire it
    #expect(waitReadable(signal.fileDescriptor, milliseconds: 50) == false)
    try writer.append([NewEvent(incident: id, at: clock, actor: "a", event: .mitigated())])
    #expect(waitReadable(signal.fileDescriptor, milliseconds: 2000))
    #expect(signal.drain())
  }

  @Test(arguments: StoreBackend.all)
  func aStoreCopiesWholeAndACopyTwiceChangesNothing(backend: StoreBackend) throws {
    let source = try backend.open(folder, "source.db")
    let id = try source.declare(Declared(title: "x"), actor: "a", at: clock)
    var state = try source.load(id)
    for n in 1...5 {
      try source.write(to: &state, actor: "r", at: clock) {
        try Rules.decide(.log(.note, "entry \(n)"), in: $0)
      }
    }
    let events = try source.storedEvents(after: 0, limit: nil)
    #expect(events.count == 6)
    let destination = try backend.open(folder, "copy.db")
    #expect(try destination.importEvents(events) == ImportResult(added: 6, alreadyThere: 0))
    #expect(try destination.importEvents(events) == ImportResult(added: 0, alreadyThere: 6))
    #expect(try destination.storedEvents(after: 0, limit: nil) == events)
    #expect(try destination.load(id) == state)
    // New writes continue after the copied numbers.
    var copy = try destination.load(id)
    let next = try destination.write(to: &copy, actor: "r", at: clock) { _ in [.mitigated()] }
    #expect(next.map(\.seq) == [7])
  }

  @Test(arguments: StoreBackend.all)
  func anImportThatConflictsImportsNothing(backend: StoreBackend) throws {
    let source = try backend.open(folder, "source.db")
    _ = try source.declare(Declared(title: "one"), actor: "a", at: clock)
    _ = try source.declare(Declared(title: "two"), actor: "a", at: clock)
    let destination = try backend.open(folder, "other.db")
    _ = try destination.declare(Declared(title: "different"), actor: "b", at: clock)
    let before = try destination.storedEvents(after: 0, limit: nil)
    #expect(throws: StoreError.self) {
      try destination.importEvents(source.storedEvents(after: 0, limit: nil))
    }
    #expect(try destination.storedEvents(after: 0, limit: nil) == before)
  }

  /// One import rule for every backend (`ImportPlan`): events land in number order
  /// whatever order they came in, numbers continue without a gap, and the incidents they
  /// hold are counted when the next one is declared.
  @Test(arguments: StoreBackend.all)
  func anUnsortedImportLandsInOrderAndNumbersContinue(backend: StoreBackend) throws {
    let source = try backend.open(folder, "source.db")
    _ = try source.declare(Declared(title: "one"), actor: "a", at: clock)
    _ = try source.declare(Declared(title: "two"), actor: "a", at: clock)
    var two = try source.load(IncidentID(number: 2))
    try source.write(to: &two, actor: "a", at: clock) { _ in [.mitigated()] }
    let events = try source.storedEvents(after: 0, limit: nil)
    let destination = try backend.open(folder, "copy.db")
    let result = try destination.importEvents(events.reversed())
    #expect(result == ImportResult(added: events.count, alreadyThere: 0))
    #expect(try destination.storedEvents(after: 0, limit: nil) == events)
    guard case .intact = try destination.verify().report else {
      Issue.record("an unsorted import broke the store: \(try destination.verify().report)")
      return
    }
    let next = try destination.declare(Declared(title: "three"), actor: "b", at: clock)
    #expect(next == IncidentID(number: 3))
    #expect(try destination.latestSequence() == Int64(events.count + 1))
  }

  @Test(arguments: StoreBackend.all)
  func anImportWithAGapOrTwoVersionsOfOneEventImportsNothing(backend: StoreBackend) throws {
    let source = try backend.open(folder, "source.db")
    for title in ["one", "two", "three"] {
      _ = try source.declare(Declared(title: title), actor: "a", at: clock)
    }
    let events = try source.storedEvents(after: 0, limit: nil)
    let destination = try backend.open(folder, "copy.db")
    // Number 2 missing: 3 would leave a hole that no later write could fill.
    #expect(throws: StoreError.self) {
      try destination.importEvents(events.filter { $0.seq != 2 })
    }
    var forged = events[1]
    forged.actor = "mallory"
    #expect(throws: StoreError.self) { try destination.importEvents(events + [forged]) }
    #expect(try destination.storedEvents(after: 0, limit: nil).isEmpty)
    // The very same event listed twice is only itself.
    #expect(
      try destination.importEvents(events + [events[0]])
        == ImportResult(added: events.count, alreadyThere: 1))
  }

  @Test(arguments: StoreBackend.all)
  func aSubmissionSentAgainIsStoredOnce(backend: StoreBackend) throws {
    // A client whose acknowledgement was lost sends the same request again, perhaps from
    // a stale view: the store answers with what it wrote the first time.
    let store = try backend.open(folder, "w.db")
    let request = RequestID()
    let id = try store.declare(Declared(title: "x"), actor: "a", at: clock, request: request)
    #expect(try store.declare(Declared(title: "x"), actor: "a", at: clock, request: request) == id)
    #expect(try store.incidentIDs() == [id])

    let note = RequestID()
    var stale = try store.load(id)
    var view = stale
    let first = try store.write(to: &view, actor: "r", at: clock, request: note) {
      try Rules.decide(.log(.note, "restarted the pool"), in: $0)
    }
    let again = try store.write(to: &stale, actor: "r", at: clock, request: note) {
      try Rules.decide(.log(.note, "restarted the pool"), in: $0)
    }
    #expect(again == first)
    #expect(stale == view)
    #expect(view.log.map(\.text) == ["restarted the pool"])
    #expect(try store.latestSequence() == 2)

    // Another request with the same text is a new entry.
    try store.write(to: &view, actor: "r", at: clock, request: RequestID()) {
      try Rules.decide(.log(.note, "restarted the pool"), in: $0)
    }
    #expect(view.log.count == 2)
  }

  @Test func continuousIntegrationRunsThePostgreSQLSuite() {
    // In CI a missing server is a failure, not a quiet skip.
    if ProcessInfo.processInfo.environment["CI"] == "true" {
      #expect(StoreBackend.postgres != nil, "set WARROOM_TEST_POSTGRES (.ci/run starts a server)")
    }
  }

  // MARK: - The deliverer's lease

  func lease(_ holder: String, expiresIn seconds: TimeInterval, host: String = "h1", pid: Int32 = 1)
    -> Lease
  {
    Lease(
      holder: holder, label: "relay", host: host, pid: pid,
      expiresMs: Int64(milliseconds: clock.addingTimeInterval(seconds)))
  }

  @Test(arguments: StoreBackend.all) func oneDelivererHoldsTheLeaseAtATime(backend: StoreBackend)
    throws
  {
    let first = try backend.open(folder, "w.db")
    let second = try backend.open(folder, "w.db")
    _ = try first.declare(Declared(title: "x"), actor: "a", at: clock)
    #expect(try first.lease(named: Lease.deliverer) == nil)
    #expect(try first.claimLease(lease("A", expiresIn: 12), now: clock, gone: nil).holder == "A")
    // Held and not expired: the other is told who holds it.
    let refused = try second.claimLease(lease("B", expiresIn: 12), now: clock, gone: nil)
    #expect(refused.holder == "A")
    #expect(refused.label == "relay")
    // Renewed by its holder.
    let renewed = try first.claimLease(
      lease("A", expiresIn: 20), now: clock.addingTimeInterval(4), gone: nil)
    #expect(renewed.expiresMs == Int64(milliseconds: clock.addingTimeInterval(20)))
    // Expired: taken over.
    let later = clock.addingTimeInterval(21)
    #expect(try second.claimLease(lease("B", expiresIn: 40), now: later, gone: nil).holder == "B")
    // A holder known to be gone is replaced at once, expired or not.
    #expect(
      try first.claimLease(lease("A", expiresIn: 50), now: later, gone: "B").holder == "A")
    // Released only by its holder.
    try second.releaseLease(lease("B", expiresIn: 0))
    #expect(try first.lease(named: Lease.deliverer)?.holder == "A")
    try first.releaseLease(lease("A", expiresIn: 0))
    #expect(try second.lease(named: Lease.deliverer)?.isExpired(at: later) == true)
    #expect(try second.claimLease(lease("B", expiresIn: 60), now: later, gone: nil).holder == "B")
  }

  @Test(arguments: StoreBackend.all) func aLeasePlantedToLastForeverDoesNotWedgeDelivery(
    backend: StoreBackend
  ) throws {
    let store = try backend.open(folder, "w.db")
    _ = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    var planted = lease("mallory", expiresIn: 0)
    planted.expiresMs = Limits.milliseconds.upperBound
    #expect(try store.claimLease(planted, now: clock, gone: nil).holder == "mallory")
    #expect(try store.lease(named: Lease.deliverer)?.isExpired(at: clock) == true)
    #expect(try store.claimLease(lease("A", expiresIn: 12), now: clock, gone: nil).holder == "A")
  }

  @Test(arguments: StoreBackend.all) func probeSamplesAreKeptBesideTheEvents(backend: StoreBackend)
    throws
  {
    let store = try backend.open(folder, "w.db")
    let id = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    let at = { (minute: Int) in Int64(milliseconds: clock.addingTimeInterval(Double(minute) * 60)) }
    try store.appendSamples([
      ProbeSample(
        incident: id, probe: "api", atMs: at(0), value: 0.5, latencyMs: 80, state: .passing),
      ProbeSample(
        incident: id, probe: "api", atMs: at(1), value: .nan, latencyMs: nil, state: .unknown),
      ProbeSample(
        incident: id, probe: "db", atMs: at(2), value: nil, latencyMs: 9, state: .failing),
      ProbeSample(
        incident: IncidentID(number: 9), probe: "api", atMs: at(2), value: 1, latencyMs: 1,
        state: .passing),
    ])
    let read = try backend.open(folder, "w.db").samples(of: id, since: clock.addingTimeInterval(30))
    #expect(read.map(\.probe) == ["api", "db"])
    #expect(read[0].value == nil)  // NaN is kept as no value
    #expect(read[1].state == .failing)
    #expect(read[1].latencyMs == 9)
    // Not events: the incident's fold does not see them.
    #expect(try store.load(id).lastSeq == 1)
  }

  @Test(arguments: StoreBackend.all) func manyClaimantsAtOnceLeaveOneHolder(backend: StoreBackend)
    throws
  {
    _ = try backend.open(folder, "w.db").declare(Declared(title: "x"), actor: "a", at: clock)
    let stores = try (0..<4).map { _ in try backend.open(folder, "w.db") }
    let results = ResultList()
    let now = clock
    let candidates = (0..<4).map { lease("H\($0)", expiresIn: 12) }
    DispatchQueue.concurrentPerform(iterations: 4) { index in
      let holder = try? stores[index].claimLease(candidates[index], now: now, gone: nil).holder
      results.append(holder ?? "error")
    }
    let winners = Set(results.values)
    #expect(winners.count == 1)
    #expect(!winners.contains("error"))
    #expect(try stores[0].lease(named: Lease.deliverer)?.holder == winners.first)
  }

  @Test(arguments: StoreBackend.all) func deliveryEventsRoundTripThroughTheStore(
    backend: StoreBackend
  ) throws {
    let store = try backend.open(folder, "w.db")
    let id = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    var state = try store.load(id)
    try store.write(to: &state, actor: "a", at: clock) {
      try Rules.decide(.postUpdate("all hands"), in: $0)
    }
    let seq = state.outgoing.last!.seq
    let delivery = DeliveryID.make(incident: id, message: seq, destination: "slack")
    for event: Event in [
      .deliveryAttempted(
        DeliveryAttempted(
          delivery: delivery, destination: "slack", message: seq, attempt: 1, deliverer: "D")),
      .deliveryFailed(
        DeliveryFailed(
          delivery: delivery, destination: "slack", message: seq, reason: "HTTP 500",
          retryAtMs: Int64(milliseconds: clock.addingTimeInterval(2)))),
      .delivered(
        Delivered(
          delivery: delivery, destination: "slack", message: seq, status: 200, remote: "1.2")),
    ] {
      try store.write(to: &state, actor: "warroom", at: clock) {
        try Rules.decide(.recordDelivery(event), in: $0)
      }
    }
    let reloaded = try backend.open(folder, "w.db").load(id)
    #expect(reloaded.delivery(delivery)?.phase == .delivered(status: 200, remote: "1.2"))
    #expect(reloaded.delivery(delivery)?.attempts == 1)
    #expect(reloaded.parentRemote(of: "slack") == "1.2")
    // Bookkeeping stays out of the timeline.
    #expect(reloaded.timeline.count == 2)
  }
}

/// Collects strings from concurrent closures.
final class ResultList: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [String] = []
  func append(_ item: String) { lock.withLock { items.append(item) } }
  var values: [String] { lock.withLock { items } }
}
