import Foundation
import WarroomCore

/// What the relay knows between turns: the incidents as folded from the store, what it
/// has in flight, the lease, and the store's health. A value: only `RelayUpdate` changes
/// it, and the loop (`Deliverer`) only reads it.
public struct RelayState: Sendable {
  public let identity: Deliverer.Identity
  let destinations: [Destination]
  /// Whether the chain head is kept in a witness file (`relay --head-file`).
  let witnessesHead: Bool

  var incidents: [IncidentID: IncidentState] = [:]
  var order: [IncidentID] = []
  var lastSeq: Int64 = 0
  var headWritten: Int64 = 0

  /// Sends and probe checks under way, and when each probe last started and was sampled
  /// (by `INC-n/name`).
  var inFlight: [String: DeliveryJob] = [:]
  var probesInFlight: Set<String> = []
  var probeStarted: [String: Date] = [:]
  var probeSampled: [String: Date] = [:]
  /// What finished since the last turn, to be recorded (an outcome stays here until it is).
  var finished: [FinishedSend] = []
  var readings: [ProbeResult] = []

  var holding = false
  var lastClaim = Date.distantPast
  /// Until when the lease is surely this relay's: its last successful claim plus the
  /// term, less a margin. A relay paused past it (a stopped process, a frozen VM) may have
  /// been replaced, so it sends nothing until it has claimed again.
  var heldUntil = Date.distantPast
  var lastHolder: String?

  /// Alerts the intake holds until an incident is open.
  var alertsWaiting = 0

  /// Backs off while the store fails (see `StoreTrouble`).
  public internal(set) var trouble = StoreTrouble()
  var failedThisTurn = false
  var wroteThisTurn = false
  /// The clock of the turn under way, and its draw for spreading retries.
  var now = Date.distantPast
  var jitter = 0.5
  /// The turn's writes, one at a time, and what follows once they are done.
  var writes: [PendingWrite] = []
  var afterWrites: [RelayEffect] = []

  /// Set by a stop: sends in flight are waited for until then, and no new ones start.
  public internal(set) var stopDeadline: Date?
  /// Whether the last read found new events (the loop then stops looking again early).
  public internal(set) var readFoundEvents = false
  /// The loop may end.
  public internal(set) var isDone = false

  public init(identity: Deliverer.Identity, destinations: [Destination], witnessesHead: Bool) {
    self.identity = identity
    self.destinations = destinations
    self.witnessesHead = witnessesHead
  }

  /// This relay's claim on the lease, lasting a term from `now`.
  func candidate(now: Date) -> Lease {
    Lease(
      holder: identity.holder, label: identity.label, host: identity.host, pid: identity.pid,
      expiresMs: Int64(milliseconds: now.addingTimeInterval(Lease.term)))
  }
}

/// A send that finished, waiting to be recorded.
public struct FinishedSend: Sendable, Equatable {
  public var job: DeliveryJob
  public var incident: IncidentID
  public var outcome: SendOutcome

  public init(job: DeliveryJob, incident: IncidentID, outcome: SendOutcome) {
    self.job = job
    self.incident = incident
    self.outcome = outcome
  }
}

/// A probe check that finished.
public struct ProbeResult: Sendable, Equatable {
  public var key: String
  public var incident: IncidentID
  public var probe: String
  public var reading: ProbeReading

  public init(key: String, incident: IncidentID, probe: String, reading: ProbeReading) {
    self.key = key
    self.incident = incident
    self.probe = probe
    self.reading = reading
  }
}

/// One of the relay's own records, and why it is written (what follows when it lands).
struct PendingWrite: Sendable {
  enum Purpose: Sendable {
    case attempt(DeliveryJob, Destination)
    case uncertain(DeliveryFailed)
    case overdue
    case recovery(RecoveryProven)
    case probeChange(ProbeChanged)
    case outcome(FinishedSend)
    /// A created ticket or channel becoming the incident's.
    case adopt(DetailsChanged)
  }

  var command: Command
  var incident: IncidentID
  var purpose: Purpose
}
