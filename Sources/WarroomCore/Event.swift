import Foundation

/// Something that happened in an incident. Events are the only thing stored: every state
/// the dashboard shows is a fold of them (see `Reducer`). They are never changed or
/// deleted; a correction is a new event.
public enum Event: Sendable, Equatable {
  /// Boxed: a declaration carries its runbook, and inline it made every event of a
  /// 100k-event incident as large as one (137 bytes, most of a fold's memory).
  indirect case declared(Declared)
  case detailsChanged(DetailsChanged)
  case stepCompleted(StepRef)
  case stepUndone(StepRef)
  case roleAssigned(RoleChange)
  case roleReleased(RoleChange)
  case experimentProposed(ExperimentProposed)
  case experimentStarted(ExperimentRef)
  case experimentConcluded(ExperimentConcluded)
  case experimentAbandoned(ExperimentRef)
  case logged(LogAdded)
  /// A log entry's text corrected; the earlier text stays in the record.
  case logEdited(LogEdited)
  /// A log entry withdrawn, with the reason; it stays in the record, shown struck.
  case logStruck(LogStruck)
  case stakeholderUpdated(TextBody)
  /// The outage announced to the company (step 4), in the words sent.
  case announced(TextBody)
  /// The update countdown fell due with nothing posted; written by the deliverer.
  case updateOverdue(UpdateOverdue)
  /// A message's way to a destination (see `DeliveryRecord`), written by the deliverer;
  /// a resend is asked for by a person.
  case deliveryAttempted(DeliveryAttempted)
  case delivered(Delivered)
  case deliveryFailed(DeliveryFailed)
  case deliveryResend(DeliveryResend)
  case cadenceChanged(CadenceChanged)
  /// Probes of the customer-visible symptom (see `ProbeSpec`): added, removed, paused and
  /// resumed by people; their changes of state and proven recovery written by the runner.
  case probeAdded(ProbeSpec)
  case probeRemoved(ProbeRef)
  case probePaused(ProbeRef)
  case probeResumed(ProbeRef)
  case probeChanged(ProbeChanged)
  case recoveryProven(RecoveryProven)
  case whyAdded(WhyAdded)
  case followupAdded(FollowupAdded)
  case followupDone(FollowupRef)
  case mitigated(Mitigated = Mitigated())
  case customerVerified(TextBody)
  case resolved(Resolved)
  case reopened(Reopened)
  /// A person took back their own last change: the event that follows this one is its
  /// inverse. Both stay in the record.
  case undone(UndoRef)
  /// An alert from monitoring reached the incident (written by the relay's intake): it
  /// shows as a finding in the log and on the Alerts page.
  case alertReceived(AlertReceived)
  /// A type written by a newer version of warroom: kept as it is, skipped by the reducer.
  case unknown(type: String, payload: String)
  /// A stored event this version cannot use (its payload does not decode, or a number in
  /// it is out of range): kept as it is, skipped by the reducer and reported by number.
  case unreadable(type: String, payload: String, reason: String)
}

// MARK: - Payloads

public struct Declared: Codable, Sendable, Equatable {
  public var title: String
  public var severity: Severity
  public var cadence: Int
  public var ticket: String?
  public var channel: String?
  public var impact: String?
  public var runbook: Runbook
  /// When customers began to be hurt, if known (milliseconds since 1970, UTC).
  public var impactStartedMs: Int64?
  /// What declared it when not a person: the alert, as `alertmanager: HighErrorRate`.
  public var source: String?

  public init(
    title: String, severity: Severity = .p1, cadence: Int? = nil, ticket: String? = nil,
    channel: String? = nil, impact: String? = nil, runbook: Runbook = .standard,
    impactStartedMs: Int64? = nil, source: String? = nil
  ) {
    self.title = title
    self.severity = severity
    self.cadence = cadence ?? runbook.defaultCadence
    self.ticket = ticket
    self.channel = channel
    self.impact = impact
    self.runbook = runbook
    self.impactStartedMs = impactStartedMs
    self.source = source
  }
}

/// Only the fields that are set change.
public struct DetailsChanged: Codable, Sendable, Equatable {
  public var title: String?
  public var severity: Severity?
  public var impact: String?
  public var ticket: String?
  public var channel: String?
  /// When impact began, and when it was noticed (milliseconds since 1970, UTC).
  public var impactStartedMs: Int64?
  public var detectedMs: Int64?

  public init(
    title: String? = nil, severity: Severity? = nil, impact: String? = nil,
    ticket: String? = nil, channel: String? = nil, impactStartedMs: Int64? = nil,
    detectedMs: Int64? = nil
  ) {
    self.title = title
    self.severity = severity
    self.impact = impact
    self.ticket = ticket
    self.channel = channel
    self.impactStartedMs = impactStartedMs
    self.detectedMs = detectedMs
  }

  public var isEmpty: Bool {
    title == nil && severity == nil && impact == nil && ticket == nil && channel == nil
      && impactStartedMs == nil && detectedMs == nil
  }
}

public struct StepRef: Codable, Sendable, Equatable {
  /// One-based, as people count the checklist.
  public var step: Int
  public init(step: Int) { self.step = step }
}

public struct RoleChange: Codable, Sendable, Equatable {
  public var role: Role
  public var person: String
  public init(role: Role, person: String) {
    self.role = role
    self.person = person
  }
}

public struct ExperimentProposed: Codable, Sendable, Equatable {
  public var id: Int
  public var hypothesis: String
  /// What will be changed or tested.
  public var change: String?
  public var owner: String?
  /// The component the experiment touches; two running on one target interfere.
  public var target: String?

  public init(
    id: Int, hypothesis: String, change: String? = nil, owner: String? = nil,
    target: String? = nil
  ) {
    self.id = id
    self.hypothesis = hypothesis
    self.change = change
    self.owner = owner
    self.target = target
  }
}

public struct ExperimentRef: Codable, Sendable, Equatable {
  public var id: Int
  public var reason: String?
  public init(id: Int, reason: String? = nil) {
    self.id = id
    self.reason = reason
  }
}

public enum ExperimentOutcome: String, Codable, Sendable, CaseIterable {
  case supported
  case refuted
  case inconclusive
}

public struct ExperimentConcluded: Codable, Sendable, Equatable {
  public var id: Int
  public var outcome: ExperimentOutcome
  public var result: String
  public init(id: Int, outcome: ExperimentOutcome, result: String) {
    self.id = id
    self.outcome = outcome
    self.result = result
  }
}

public enum LogKind: String, Codable, Sendable, CaseIterable {
  case note
  case finding
  case decision
  case manualChange = "manual-change"

  public var label: String {
    switch self {
    case .note: "note"
    case .finding: "finding"
    case .decision: "decision"
    case .manualChange: "MANUAL CHANGE"
    }
  }
}

public struct LogAdded: Codable, Sendable, Equatable {
  public var kind: LogKind
  public var text: String
  public init(kind: LogKind, text: String) {
    self.kind = kind
    self.text = text
  }
}

public struct LogEdited: Codable, Sendable, Equatable {
  /// The entry's number in its incident's log, one-based.
  public var entry: Int
  public var text: String
  public init(entry: Int, text: String) {
    self.entry = entry
    self.text = text
  }
}

public struct LogStruck: Codable, Sendable, Equatable {
  public var entry: Int
  public var reason: String
  public init(entry: Int, reason: String) {
    self.entry = entry
    self.reason = reason
  }
}

public struct TextBody: Codable, Sendable, Equatable {
  public var text: String
  public init(text: String) { self.text = text }
}

public struct CadenceChanged: Codable, Sendable, Equatable {
  public var seconds: Int
  public init(seconds: Int) { self.seconds = seconds }
}

public struct WhyAdded: Codable, Sendable, Equatable {
  /// One-based chain number; several chains record causes that are each necessary.
  public var chain: Int
  public var why: String
  public var because: String
  public init(chain: Int, why: String, because: String) {
    self.chain = chain
    self.why = why
    self.because = because
  }
}

public struct FollowupAdded: Codable, Sendable, Equatable {
  public var id: Int
  public var text: String
  public var owner: String?
  public init(id: Int, text: String, owner: String? = nil) {
    self.id = id
    self.text = text
    self.owner = owner
  }
}

public struct FollowupRef: Codable, Sendable, Equatable {
  public var id: Int
  public init(id: Int) { self.id = id }
}

public struct Resolved: Codable, Sendable, Equatable {
  /// Set when green was forced past its gate; the reason goes into the post-mortem.
  public var forcedReason: String?
  /// Checklist steps (one-based) still open when green was announced, for the record.
  public var openSteps: [Int]?
  public init(forcedReason: String? = nil, openSteps: [Int]? = nil) {
    self.forcedReason = forcedReason
    self.openSteps = openSteps
  }
}

public struct UndoRef: Codable, Sendable, Equatable {
  /// The event taken back.
  public var seq: Int64
  public init(seq: Int64) { self.seq = seq }
}

/// Yellow. `reason`: why it is called mitigated while a probe still fails (the message
/// carries it, so stakeholders are not told more than the data shows).
public struct Mitigated: Codable, Sendable, Equatable {
  public var reason: String?
  public init(reason: String? = nil) { self.reason = reason }
}

public struct Reopened: Codable, Sendable, Equatable {
  public var reason: String?
  /// Set when undo takes back a status change (event `corrects`) made by mistake: the
  /// message says so ("Correction: …"), and goes only where the mistaken one went.
  public var corrects: Int64?
  public init(reason: String? = nil, corrects: Int64? = nil) {
    self.reason = reason
    self.corrects = corrects
  }
}

// MARK: - Stored form

/// An event as the store keeps it: a position in the store's one total order, the incident
/// it belongs to, when (UTC, millisecond precision) and by whom.
public struct EventEnvelope: Sendable, Equatable {
  public var seq: Int64
  public var incident: IncidentID
  public var at: Date
  public var actor: String
  public var event: Event
  /// Who wrote it as far as the system can tell, beside the name people act under: the
  /// operating-system user, and on PostgreSQL the database role. Nil where not recorded.
  public var osUser: String?
  public var dbRole: String?

  public init(
    seq: Int64, incident: IncidentID, at: Date, actor: String, event: Event,
    osUser: String? = nil, dbRole: String? = nil
  ) {
    self.seq = seq
    self.incident = incident
    self.at = at
    self.actor = actor
    self.event = event
    self.osUser = osUser
    self.dbRole = dbRole
  }
}

/// An event on its way into the store, before it has a sequence number.
public struct NewEvent: Sendable, Equatable {
  public var incident: IncidentID
  public var at: Date
  public var actor: String
  public var event: Event

  public init(incident: IncidentID, at: Date, actor: String, event: Event) {
    self.incident = incident
    self.at = at
    self.actor = actor
    self.event = event
  }
}

extension Event {
  /// The kind of a known event and its payload; nil for `.unknown` and `.unreadable`,
  /// which carry their stored form as it was. With `EventKind.decode`, the one place
  /// that knows which payload goes with which case.
  public var parts: (kind: EventKind, payload: any Encodable & Sendable)? {
    switch self {
    case .declared(let p): (.declared, p)
    case .detailsChanged(let p): (.detailsChanged, p)
    case .stepCompleted(let p): (.stepCompleted, p)
    case .stepUndone(let p): (.stepUndone, p)
    case .roleAssigned(let p): (.roleAssigned, p)
    case .roleReleased(let p): (.roleReleased, p)
    case .experimentProposed(let p): (.experimentProposed, p)
    case .experimentStarted(let p): (.experimentStarted, p)
    case .experimentConcluded(let p): (.experimentConcluded, p)
    case .experimentAbandoned(let p): (.experimentAbandoned, p)
    case .logged(let p): (.logged, p)
    case .logEdited(let p): (.logEdited, p)
    case .logStruck(let p): (.logStruck, p)
    case .stakeholderUpdated(let p): (.stakeholderUpdated, p)
    case .announced(let p): (.announced, p)
    case .updateOverdue(let p): (.updateOverdue, p)
    case .deliveryAttempted(let p): (.deliveryAttempted, p)
    case .delivered(let p): (.delivered, p)
    case .deliveryFailed(let p): (.deliveryFailed, p)
    case .deliveryResend(let p): (.deliveryResend, p)
    case .cadenceChanged(let p): (.cadenceChanged, p)
    case .probeAdded(let p): (.probeAdded, p)
    case .probeRemoved(let p): (.probeRemoved, p)
    case .probePaused(let p): (.probePaused, p)
    case .probeResumed(let p): (.probeResumed, p)
    case .probeChanged(let p): (.probeChanged, p)
    case .recoveryProven(let p): (.recoveryProven, p)
    case .whyAdded(let p): (.whyAdded, p)
    case .followupAdded(let p): (.followupAdded, p)
    case .followupDone(let p): (.followupDone, p)
    case .mitigated(let p): (.mitigated, p)
    case .customerVerified(let p): (.customerVerified, p)
    case .resolved(let p): (.resolved, p)
    case .reopened(let p): (.reopened, p)
    case .undone(let p): (.undone, p)
    case .alertReceived(let p): (.alertReceived, p)
    case .unknown, .unreadable: nil
    }
  }

  /// The type name stored beside the payload. Stable: stores written today must read forever.
  public var typeName: String {
    switch self {
    case .unknown(let type, _), .unreadable(let type, _, _): type
    default: parts?.kind.rawValue ?? ""
    }
  }

  /// The payload as compact JSON text, fields in declaration order, so equal events store
  /// equal bytes.
  public func payloadJSON() -> String {
    switch self {
    case .unknown(_, let payload), .unreadable(_, let payload, _): payload
    default:
      if let payload = parts?.payload { Self.json(payload) } else { "{}" }
    }
  }

  /// Rebuilds an event from a stored row, whatever the row holds: a type this version does
  /// not know becomes `.unknown`, and a payload that does not decode or holds a number out
  /// of range becomes `.unreadable`, so one bad row never stops a store from loading.
  public static func stored(type: String, payload: String) -> Event {
    guard payload.utf8.count <= Limits.payloadBytes else {
      return .unreadable(type: type, payload: payload, reason: "payload larger than 1 MiB")
    }
    do {
      let event = try Event(typeName: type, payloadJSON: payload)
      if let problem = event.rangeProblem {
        return .unreadable(type: type, payload: payload, reason: problem)
      }
      return event
    } catch let error as DecodingError {
      return .unreadable(type: type, payload: payload, reason: error.shortDescription)
    } catch {
      return .unreadable(type: type, payload: payload, reason: "payload does not decode")
    }
  }

  /// Rebuilds an event from its stored type and payload. A type this version does not
  /// know becomes `.unknown`, so it is kept rather than lost. A known type whose payload
  /// does not decode is an error. Numbers are not range-checked here: see `stored`.
  public init(typeName: String, payloadJSON: String) throws {
    guard let kind = EventKind(rawValue: typeName) else {
      self = .unknown(type: typeName, payload: payloadJSON)
      return
    }
    self = try kind.decode(payloadJSON, with: Self.decoder)
  }

  // Made once: building a decoder per event cost a fifth of a load.
  private static let decoder = JSONDecoder()

  private static func json<T: Encodable>(_ value: T) -> String {
    // Encoding these plain value types cannot fail: they hold no floating-point values.
    (try? PayloadJSON.encode(value)) ?? "{}"
  }
}

extension EventEnvelope {
  /// An envelope from a stored row, whatever the row holds: a time outside `Limits`
  /// makes the event unreadable (skipped and reported) rather than a date that later
  /// arithmetic cannot handle. Both store backends read rows through this.
  public static func stored(
    seq: Int64, incident: String, atMilliseconds: Int64, actor: String, type: String,
    payload: String, osUser: String? = nil, dbRole: String? = nil
  ) -> EventEnvelope {
    var event = Event.stored(type: type, payload: payload)
    var milliseconds = atMilliseconds
    if !Limits.milliseconds.contains(atMilliseconds) {
      event = .unreadable(
        type: type, payload: payload, reason: "time \(atMilliseconds) ms is out of range")
      milliseconds = 0
    }
    return EventEnvelope(
      seq: seq, incident: IncidentID(rawValue: incident),
      at: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000), actor: actor,
      event: event, osUser: osUser, dbRole: dbRole)
  }
}
