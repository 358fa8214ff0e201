import Foundation
import WarroomCore
import WarroomStore

/// A store the dashboard was pointed at that does not exist yet. Nothing is created until
/// someone declares an incident, so a dashboard opened on a mistyped path never leaves a
/// second, empty war room behind; if another process creates the store meanwhile, this
/// one reads it from then on.
final class DeferredStore: EventStore, @unchecked Sendable {
  let location: String
  var isReadOnly: Bool { false }
  private var real: SQLiteEventStore?
  private let lock = NSLock()

  init(path: String) { location = path }

  /// The real store, if it exists now (made by this dashboard or by anyone else).
  private func existing() throws -> SQLiteEventStore? {
    lock.lock()
    defer { lock.unlock() }
    if real == nil, FileManager.default.fileExists(atPath: location) {
      real = try SQLiteEventStore(
        path: location, create: false, snapshotAfter: StoreOpener.snapshotAfter)
    }
    return real
  }

  private func created() throws -> SQLiteEventStore {
    if let store = try existing() { return store }
    lock.lock()
    defer { lock.unlock() }
    let store = try SQLiteEventStore(
      path: location, create: true, snapshotAfter: StoreOpener.snapshotAfter)
    real = store
    return store
  }

  func declare(_ declared: Declared, actor: String, at: Date, request: RequestID?) throws
    -> IncidentID
  {
    try created().declare(declared, actor: actor, at: at, request: request)
  }

  func write(
    to state: inout IncidentState, actor: String, at: Date, request: RequestID?,
    decide: (IncidentState) throws -> [Event]
  ) throws -> [EventEnvelope] {
    guard let store = try existing() else { throw StoreError.noStore(path: location) }
    return try store.write(to: &state, actor: actor, at: at, request: request, decide: decide)
  }

  func append(_ events: [NewEvent]) throws -> [EventEnvelope] {
    try created().append(events)
  }

  func events(after seq: Int64, incident: IncidentID?, limit: Int?) throws -> [EventEnvelope] {
    try existing()?.events(after: seq, incident: incident, limit: limit) ?? []
  }

  func refresh(_ state: inout IncidentState, history: HistoryReading) throws -> Bool {
    try existing()?.refresh(&state, history: history) ?? false
  }

  func incidentIDs() throws -> [IncidentID] { try existing()?.incidentIDs() ?? [] }

  func latestSequence() throws -> Int64 { try existing()?.latestSequence() ?? 0 }
  func chainHead() throws -> ChainHead? { try existing()?.chainHead() }
  func sequence(ofHead hash: String) throws -> Int64? {
    try existing()?.sequence(ofHead: hash)
  }

  /// Watches the folder, where the store will appear, when there is one.
  func makeChangeSignal() throws -> any ChangeSignal {
    if let store = try existing() { return try store.makeChangeSignal() }
    if FileManager.default.fileExists(atPath: StoreLocation.folder(of: location)) {
      return try SQLiteEventStore.folderSignal(watching: location)
    }
    guard let signal = SilentSignal() else {
      throw StoreError.cannotOpen(path: location, reason: "out of file descriptors")
    }
    return signal
  }

  func storedEvents(after seq: Int64, limit: Int?) throws -> [StoredEvent] {
    try existing()?.storedEvents(after: seq, limit: limit) ?? []
  }

  func importEvents(_ events: [StoredEvent]) throws -> ImportResult {
    try created().importEvents(events)
  }

  /// No store, no lease to take: a deliverer waits until the store exists.
  func claimLease(_ candidate: Lease, now: Date, gone: String?) throws -> Lease {
    guard let store = try existing() else { throw StoreError.noStore(path: location) }
    return try store.claimLease(candidate, now: now, gone: gone)
  }

  func releaseLease(_ lease: Lease) throws { try existing()?.releaseLease(lease) }

  func lease(named name: String) throws -> Lease? { try existing()?.lease(named: name) }

  func appendSamples(_ samples: [ProbeSample]) throws {
    guard let store = try existing() else { throw StoreError.noStore(path: location) }
    try store.appendSamples(samples)
  }

  func samples(of incident: IncidentID, since: Date) throws -> [ProbeSample] {
    try existing()?.samples(of: incident, since: since) ?? []
  }

  func verifyRecent() throws -> StoreVerification {
    try existing()?.verifyRecent() ?? verify()
  }

  func checkSnapshots() throws -> [SnapshotFinding] {
    try existing()?.checkSnapshots() ?? []
  }

  func verify() throws -> StoreVerification {
    try existing()?.verify()
      ?? StoreVerification(
        report: .intact(events: 0, head: ""), chainedAfter: nil, chainedAt: nil,
        note: "no store yet")
  }
}

/// A change signal that never fires: for a store whose folder does not exist yet.
final class SilentSignal: ChangeSignal {
  private let pipe: WakePipe
  init?() {
    guard let pipe = WakePipe() else { return nil }
    self.pipe = pipe
  }
  var fileDescriptor: Int32 { pipe.fileDescriptor }
  func drain() -> Bool { false }
}
