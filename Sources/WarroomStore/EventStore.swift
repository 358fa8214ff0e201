import Foundation
import WarroomCore

/// Where incidents live: an append-only log of events in one total order, shared by every
/// process that opens it. SQLite implements it today; another backend must keep the same
/// guarantees (nothing lost, one order every reader sees) and pass the same tests.
public protocol EventStore: AnyObject, Sendable {
  /// A human-readable location (a path), for messages.
  var location: String { get }
  /// True when the store can be read but not written.
  var isReadOnly: Bool { get }

  /// Declares a new incident, allocating its identifier inside the write transaction.
  /// With a `request` the store has seen, declares nothing and returns that incident.
  func declare(_ declared: Declared, actor: String, at: Date, request: RequestID?) throws
    -> IncidentID

  /// Brings `state` up to date and appends what `decide` returns, atomically: no other
  /// writer can slip an event in between the state `decide` saw and the append.
  /// `state` is updated in place, including the new events.
  ///
  /// With a `request` the store has seen, nothing is decided or appended: `state` is
  /// brought up to date and the events that request wrote before are returned.
  @discardableResult
  func write(
    to state: inout IncidentState, actor: String, at: Date, request: RequestID?,
    decide: (IncidentState) throws -> [Event]
  ) throws -> [EventEnvelope]

  /// Appends events as they are, with no rules: for copying stores and for benchmarks.
  @discardableResult
  func append(_ events: [NewEvent]) throws -> [EventEnvelope]

  /// Events with a sequence number above `seq`, oldest first; of one incident or all.
  func events(after seq: Int64, incident: IncidentID?, limit: Int?) throws -> [EventEnvelope]

  /// Folds events of `state`'s incident written since `state.lastSeq` into it. Returns
  /// whether any arrived. A state folded from nothing may start from a snapshot, of which
  /// `history` says what to read. (A default reads the events with `events(after:)`.)
  @discardableResult
  func refresh(_ state: inout IncidentState, history: HistoryReading) throws -> Bool

  /// Incidents in the order they were declared.
  func incidentIDs() throws -> [IncidentID]

  /// The highest sequence number written so far (0 for an empty store).
  func latestSequence() throws -> Int64

  /// A signal that fires when any process may have written: poll its file descriptor.
  func makeChangeSignal() throws -> any ChangeSignal

  /// Events exactly as stored (payload text untouched), for copying a store.
  func storedEvents(after seq: Int64, limit: Int?) throws -> [StoredEvent]

  /// Adds events at their own sequence numbers, in one transaction. An event already
  /// there, identical, is skipped, so importing twice changes nothing; a different event
  /// at the same number is a conflict, and then nothing is imported.
  func importEvents(_ events: [StoredEvent]) throws -> ImportResult

  /// Checks the hash chain over every event: where history was changed, if anywhere.
  func verify() throws -> StoreVerification

  /// Checks the chain past the newest snapshot, which stands for the events before it
  /// (their chain is checked whole whenever one is saved): what readers check on every
  /// run. Stores without snapshots check it all.
  func verifyRecent() throws -> StoreVerification

  /// Folds the events each snapshot covers afresh and returns the snapshots that disagree
  /// (or do not read), removing them where the store can be written so that no reader
  /// starts from them again. As costly as folding every incident: for `store verify`.
  func checkSnapshots() throws -> [SnapshotFinding]

  /// The newest event's number and chain hash, to keep outside the store as a witness
  /// (the chain alone cannot show that its newest events were removed). Nil for an empty
  /// store; the hash is empty where the backend keeps no chain.
  func chainHead() throws -> ChainHead?

  /// The number of the event whose chain hash is `hash`, if the store holds it.
  func sequence(ofHead hash: String) throws -> Int64?

  /// Takes or renews `candidate`'s lease where `Lease.mayTake` allows, atomically, and
  /// returns the lease as it stands afterwards: the candidate's, or the holder's who keeps it.
  func claimLease(_ candidate: Lease, now: Date, gone: String?) throws -> Lease

  /// Gives the lease up (it expires at once), if `lease`'s holder still holds it.
  func releaseLease(_ lease: Lease) throws

  /// The lease as recorded (perhaps expired), or nil when nobody ever took it.
  func lease(named name: String) throws -> Lease?

  /// Keeps probe readings (one per probe per minute) in a table of their own: not events,
  /// so a day of them neither bloats the log nor slows the fold.
  func appendSamples(_ samples: [ProbeSample]) throws

  /// An incident's probe readings since `since`, oldest first.
  func samples(of incident: IncidentID, since: Date) throws -> [ProbeSample]
}

/// What `warroom store verify` reports.
public struct StoreVerification: Sendable, Equatable {
  public var report: ChainReport
  /// Events up to this number were chained from their content when the store was
  /// upgraded, not as they were written (0 when chained from the start).
  public var chainedAfter: Int64?
  public var chainedAt: String?
  /// Said instead of a report when the store has no chain to check.
  public var note: String?

  public init(report: ChainReport, chainedAfter: Int64?, chainedAt: String?, note: String?) {
    self.report = report
    self.chainedAfter = chainedAfter
    self.chainedAt = chainedAt
    self.note = note
  }

  public var isIntact: Bool {
    if case .intact = report { return true }
    return false
  }
}

/// A snapshot that is not what folding its events gives.
public struct SnapshotFinding: Sendable, Equatable, CustomStringConvertible {
  public var incident: IncidentID
  public var seq: Int64
  public var problem: String
  /// Whether it was removed, so that no reader starts from it again.
  public var removed: Bool
  public init(incident: IncidentID, seq: Int64, problem: String, removed: Bool = false) {
    self.incident = incident
    self.seq = seq
    self.problem = problem
    self.removed = removed
  }
  public var description: String {
    "the snapshot of \(incident) through event #\(seq) \(problem)"
  }
}

/// The newest event of a store as a witness keeps it: `SEQ:HASH`.
public struct ChainHead: Sendable, Equatable, CustomStringConvertible {
  public var seq: Int64
  public var hash: String
  public init(seq: Int64, hash: String) {
    self.seq = seq
    self.hash = hash
  }
  public var description: String { hash.isEmpty ? "\(seq)" : "\(seq):\(hash)" }

  /// Reads `SEQ:HASH`, or a bare hash (seq 0: found by its hash).
  public init?(parsing text: String) {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
    let hash = parts.last ?? ""
    guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit }) else { return nil }
    if parts.count == 2 {
      guard let seq = Int64(parts[0]), seq > 0 else { return nil }
      self.init(seq: seq, hash: hash.lowercased())
    } else {
      self.init(seq: 0, hash: hash.lowercased())
    }
  }
}

/// One event as a store keeps it, opaque payload included: what a copy carries.
public struct StoredEvent: Sendable, Equatable {
  public var seq: Int64
  public var incident: String
  public var atMilliseconds: Int64
  public var actor: String
  public var type: String
  public var payload: String
  /// The operating-system user whose warroom wrote it; nil for events written before
  /// warroom recorded it.
  public var osUser: String?

  public init(
    seq: Int64, incident: String, atMilliseconds: Int64, actor: String, type: String,
    payload: String, osUser: String? = nil
  ) {
    self.seq = seq
    self.incident = incident
    self.atMilliseconds = atMilliseconds
    self.actor = actor
    self.type = type
    self.payload = payload
    self.osUser = osUser
  }
}

public struct ImportResult: Sendable, Equatable {
  public var added: Int
  public var alreadyThere: Int
  public init(added: Int, alreadyThere: Int) {
    self.added = added
    self.alreadyThere = alreadyThere
  }
}

/// Something the event loop can wait on, alongside the keyboard, to learn that the
/// store changed. The loop then reads the new events; the signal carries no data.
public protocol ChangeSignal: AnyObject {
  /// Becomes readable when the store may have changed.
  var fileDescriptor: Int32 { get }
  /// Consumes pending notifications. Returns true if any might mean a change.
  func drain() -> Bool
  /// True once the signal can no longer fire (its connection to a server dropped): the
  /// owner must make a new one when the store is reachable again.
  var isBroken: Bool { get }
}

extension ChangeSignal {
  public var isBroken: Bool { false }
}

extension EventStore {
  /// Declares a new incident, once per call (no request id).
  public func declare(_ declared: Declared, actor: String, at: Date) throws -> IncidentID {
    try declare(declared, actor: actor, at: at, request: nil)
  }

  /// `write(to:actor:at:request:decide:)` for a submission that is not retried.
  @discardableResult
  public func write(
    to state: inout IncidentState, actor: String, at: Date,
    decide: (IncidentState) throws -> [Event]
  ) throws -> [EventEnvelope] {
    try write(to: &state, actor: actor, at: at, request: nil, decide: decide)
  }

  /// The incident's state, folded; `.summary` for a command that shows no log entry or timeline
  /// line from before it ran (`HistoryReading`).
  public func load(_ incident: IncidentID, history: HistoryReading = .whole) throws
    -> IncidentState
  {
    var state = IncidentState(id: incident)
    try refresh(&state, history: history)
    return state
  }

  /// Folds events written since `state.lastSeq` into `state`, reading the whole history.
  @discardableResult
  public func refresh(_ state: inout IncidentState) throws -> Bool {
    try refresh(&state, history: .whole)
  }

  /// Folds events written since `state.lastSeq` into `state`. Returns whether any arrived.
  @discardableResult
  public func refresh(_ state: inout IncidentState, history: HistoryReading) throws -> Bool {
    let fresh = try events(after: state.lastSeq, incident: state.id, limit: nil)
    for envelope in fresh { Reducer.apply(envelope, to: &state) }
    return !fresh.isEmpty
  }

  public func verifyRecent() throws -> StoreVerification { try verify() }

  /// Stores that keep no snapshots have none to check.
  public func checkSnapshots() throws -> [SnapshotFinding] { [] }

  /// Every incident, folded, in declaration order.
  public func loadAll(history: HistoryReading = .whole) throws -> [IncidentState] {
    try incidentIDs().map { try load($0, history: history) }
  }

  /// The incident people mean when they name none: the newest that is not resolved.
  /// Only a declaration the fold could read counts: a planted row that names an incident
  /// but does not decode never becomes anyone's current incident.
  public func currentIncident(history: HistoryReading = .whole) throws -> IncidentState? {
    for id in try incidentIDs().reversed() {
      let state = try load(id, history: history)
      if state.isOpen { return state }
    }
    return nil
  }

  /// Every declared incident that is not resolved, in declaration order.
  public func openIncidents(history: HistoryReading = .whole) throws -> [IncidentState] {
    try incidentIDs().map { try load($0, history: history) }.filter { $0.isOpen }
  }
}
