import Foundation

/// Everything known about one incident, as folded from its events by `Reducer`.
/// A plain value: compare it, copy it, render it.
public struct IncidentState: Sendable, Equatable {
  public var id: IncidentID
  /// What declared it when not a person (an alert), from `Declared.source`.
  public var declaredFrom: String?
  /// Alerts from monitoring that reached it, in the order first heard of.
  public var alerts: [AlertRecord] = []
  /// Where each alert is in `alerts`, by `AlertReceived.identity`.
  public var alertIndex: [String: Int] = [:]
  /// The alert groups it holds (`AlertReceived.groupIdentity`), for its whole life.
  public var alertGroups: Set<String> = []
  /// False until the declaration event has been folded in.
  public var isDeclared = false
  public var title = ""
  public var severity = Severity.p1
  public var impact: String?
  public var ticket: String?
  public var channel: String?
  public var declaredAt = Date(timeIntervalSince1970: 0)
  public var declaredBy = ""
  public var runbook = Runbook.standard

  public var status = IncidentStatus.investigating

  /// Declared and not resolved: one a person may mean when naming none.
  public var isOpen: Bool { isDeclared && status != .resolved }

  /// Whether every log entry and timeline line is here: false for a state read as a
  /// summary (`HistoryReading.summary`), which is never saved as a snapshot.
  public var holdsWholeHistory: Bool { log.isWhole && timeline.isWhole }
  /// When customers began to be hurt, and when someone noticed, if recorded.
  public var impactStartedAt: Date?
  public var detectedAt: Date?
  /// Every time the incident turned yellow, and every reopening with its reason.
  public var mitigations: [Mark] = []
  public var reopenings: [Mark] = []
  /// Steps still open when green was announced.
  public var openStepsAtGreen: [Int] = []
  /// First time the incident turned yellow; kept across reopening, for time-to-mitigate.
  public var firstMitigatedAt: Date?
  public var mitigatedAt: Date?
  public var resolvedAt: Date?
  public var forcedResolution: String?
  public var customerVerification: Mark?

  /// Steps ticked by hand, by index into the runbook (zero-based).
  public var manualSteps: [Int: Mark] = [:]
  /// Steps whose `AutoCheck` the data currently proves, by index, with the event that did it.
  public var autoSteps: [Int: Mark] = [:]
  /// Which kinds of `AutoCheck` held after the last event (a bit each, in declaration
  /// order); nil until worked out for this runbook. See `Reducer.refreshAutoSteps`.
  public var autoChecksHeld: UInt64?

  public var roles = RoleBoard()
  public var experiments: [Experiment] = []
  public var log = LogBook()
  /// Entries of `log` written by people, not the deliverer (a probe's findings): counted
  /// as they are added, for the checklist, which asks after every event.
  public var entriesByPeople = 0
  public var manualChangeCount = 0
  public var updates: [StakeholderUpdate] = []
  /// Announcements of the outage to the company (step 4).
  public var announcements: [Mark] = []
  /// Every message for stakeholders, oldest first: what deliverers send.
  public var outgoing: [OutgoingMessage] = []
  /// Each message's way to each destination, in the order first attempted.
  public var deliveries: [DeliveryRecord] = []
  /// Position in `deliveries` by delivery id.
  public var deliveryIndex: [String: Int] = [:]
  /// Deliveries counted by message, for the checklist (`anUpdateReachedStakeholders`).
  public var deliveryTally = DeliveryTally()
  /// Probes of the customer-visible symptom, in the order added (removed ones kept).
  public var probes: [ProbeRecord] = []
  /// When the probes last proved recovery; cleared when one leaves passing.
  public var recoveryProvenAt: Date?
  /// Every time recovery was proven, for the post-mortem.
  public var recoveries: [Mark] = []
  /// Each time proven recovery was lost again (a probe failing or unknown after it), with
  /// what the probe said: the post-mortem shows every relapse between the proofs.
  public var relapses: [Mark] = []
  /// Due times (milliseconds) already noted as overdue, so each is noted once.
  public var overdueNoted: Set<Int64> = []
  /// Seconds between stakeholder updates.
  public var cadence = Runbook.standard.defaultCadence
  public var whyChains: [[WhyLink]] = []
  public var followups: [Followup] = []
  /// A one-line summary of every event, oldest first, for the timeline and the post-mortem.
  public var timeline = Timeline()

  /// The last events folded in (at most `recentLimit`), for taking one back.
  public var recentEvents: [EventEnvelope] = []
  public static let recentLimit = 64
  /// Events taken back, by sequence number: who did it and when.
  public var undone: [Int64: Mark] = [:]

  /// The sequence number of the last event folded in: read on from here.
  public var lastSeq: Int64 = 0
  /// How many of the incident's events were folded in (skipped ones included): how far a
  /// snapshot has fallen behind (`SnapshotPolicy`).
  public var foldedEvents = 0
  /// Events left out of the fold: written by a newer warroom, or unreadable.
  public var skipped: [SkippedEvent] = []

  public init(id: IncidentID) { self.id = id }
}

/// A stored event the reducer left out, and why: a newer warroom's type, or a row whose
/// payload does not decode or holds a number out of range.
public struct SkippedEvent: Sendable, Equatable {
  public var seq: Int64
  public var type: String
  public var reason: String
  public init(seq: Int64, type: String, reason: String) {
    self.seq = seq
    self.type = type
    self.reason = reason
  }
}

extension IncidentState {
  /// One line naming the skipped events, for warnings; nil when none were skipped.
  public var skippedSummary: String? {
    guard !skipped.isEmpty else { return nil }
    let named = skipped.prefix(3).map { "#\($0.seq) \($0.type): \($0.reason)" }
    let more = skipped.count > 3 ? "; and \(skipped.count - 3) more" : ""
    let count = skipped.count == 1 ? "1 event" : "\(skipped.count) events"
    return "\(id) skips \(count) it cannot use (" + named.joined(separator: "; ") + more + ")"
  }
}

/// Who did something, and when.
public struct Mark: Sendable, Equatable {
  public var by: String
  public var at: Date
  public var text: String?
  public init(by: String, at: Date, text: String? = nil) {
    self.by = by
    self.at = at
    self.text = text
  }
}

/// The holders of each role now, and every hand-off that led there.
public struct RoleBoard: Sendable, Equatable {
  /// Holders in the order they were assigned; single-holder roles have at most one.
  public var holders: [Role: [String]] = [:]
  public var history: [RoleHandoff] = []

  public init() {}

  public func holders(of role: Role) -> [String] { holders[role] ?? [] }

  /// Which of lead, communicator and recorder nobody holds, in that order.
  public var unfilledCoreRoles: [Role] {
    [Role.lead, .communicator, .recorder].filter { holders(of: $0).isEmpty }
  }

  /// Lead, communicator and recorder each have someone (asked after every event).
  public var coreRolesFilled: Bool {
    !holders(of: .lead).isEmpty && !holders(of: .communicator).isEmpty
      && !holders(of: .recorder).isEmpty
  }

  /// The roles a person holds now.
  public func roles(of person: String) -> [Role] {
    Role.allCases.filter { holders(of: $0).contains(person) }
  }
}

public struct RoleHandoff: Sendable, Equatable {
  public var role: Role
  public var person: String
  public var assigned: Bool
  public var by: String
  public var at: Date
}

public enum ExperimentState: String, Sendable, Equatable {
  case proposed
  case running
  case concluded
  case abandoned
}

public struct Experiment: Sendable, Equatable, Identifiable {
  public var id: Int
  public var hypothesis: String
  public var change: String?
  public var owner: String?
  public var target: String?
  public var state = ExperimentState.proposed
  public var outcome: ExperimentOutcome?
  public var result: String?
  public var proposed: Mark
  public var startedAt: Date?
  public var endedAt: Date?
}

public struct LogEntry: Sendable, Equatable {
  /// Its number in the incident's log, one-based, in the order logged.
  public var number: Int = 0
  public var kind: LogKind
  /// The latest text; earlier ones are in `corrections`.
  public var text: String
  public var by: String
  public var at: Date
  /// The event that logged it.
  public var seq: Int64 = 0
  /// Each correction, oldest first: the text it replaced, who and when.
  public var corrections: [Mark] = []
  /// Set when the entry was withdrawn: who, when, and the reason (as the mark's text).
  public var struck: Mark? {
    get { strike.first }
    set { strike = newValue.map { [$0] } ?? [] }
  }
  /// Held as an array (8 bytes, empty for almost every entry) rather than an optional
  /// mark (41 bytes inline in every entry).
  var strike: [Mark] = []

  public init(kind: LogKind, text: String, by: String, at: Date) {
    self.kind = kind
    self.text = text
    self.by = by
    self.at = at
  }
}

public struct StakeholderUpdate: Sendable, Equatable {
  public var text: String
  public var by: String
  public var at: Date
  /// Whether it was posted before the countdown ran out.
  public var onTime: Bool
  /// When it was due, and the event that recorded it.
  public var due: Date = .distantFuture
  public var seq: Int64 = 0
}

public struct WhyLink: Sendable, Equatable {
  public var why: String
  public var because: String
  public var by: String
  public var at: Date
}

public struct Followup: Sendable, Equatable, Identifiable {
  public var id: Int
  public var text: String
  public var owner: String?
  public var added: Mark
  public var done: Mark?
}

public struct TimelineEntry: Sendable, Equatable {
  public var seq: Int64
  public var at: Date
  public var actor: String
  public var summary: String
  /// The operating-system user that wrote the event, when recorded.
  public var osUser: String? = nil
  /// Whether the post-mortem's short timeline shows it (see `KeyMoment`).
  public var isKeyMoment = false
}

// MARK: - Derived facts

extension IncidentState {
  /// Whether checklist step `index` (zero-based) is done, by hand or by the data.
  public func isStepDone(_ index: Int) -> Bool {
    manualSteps[index] != nil || autoSteps[index] != nil
  }

  /// Who completed the step and when: the hand mark if any, else the proving event.
  public func stepMark(_ index: Int) -> Mark? { manualSteps[index] ?? autoSteps[index] }

  public var completedStepCount: Int {
    runbook.steps.indices.filter(isStepDone).count
  }

  /// The first step not yet done, zero-based; nil when all are.
  public var nextStepIndex: Int? { runbook.steps.indices.first { !isStepDone($0) } }

  public var runningExperiments: [Experiment] { experiments.filter { $0.state == .running } }

  /// Alerts still firing, then those resolved; each part newest change first.
  public var alertsFiringFirst: [AlertRecord] {
    alerts.enumerated().sorted { a, b in
      if a.element.status != b.element.status { return a.element.status == .firing }
      if a.element.since != b.element.since { return a.element.since > b.element.since }
      return a.offset < b.offset
    }.map(\.element)
  }

  /// The alert monitoring saw first: the earliest start among its alerts.
  public var firstAlert: AlertRecord? { alerts.min { $0.startedAt < $1.startedAt } }
  /// When an alert about it first reached warroom.
  public var firstAlertReceivedAt: Date? { alerts.map(\.receivedAt).min() }

  /// Targets with more than one running experiment: those experiments interfere.
  public var conflictingTargets: [String] {
    var counts: [String: Int] = [:]
    for experiment in runningExperiments {
      guard let target = experiment.target?.lowercased(), !target.isEmpty else { continue }
      counts[target, default: 0] += 1
    }
    return counts.filter { $0.value > 1 }.keys.sorted()
  }

  /// Whether this experiment runs on a target that another running experiment shares.
  public func isInConflict(_ experiment: Experiment) -> Bool {
    isInConflict(experiment, among: conflictingTargets)
  }

  /// The same, with `conflictingTargets` computed once by a caller checking many.
  public func isInConflict(_ experiment: Experiment, among conflicting: [String]) -> Bool {
    guard experiment.state == .running, let target = experiment.target?.lowercased() else {
      return false
    }
    return conflicting.contains(target)
  }

  public var openFollowups: [Followup] { followups.filter { $0.done == nil } }

  public var lastUpdate: StakeholderUpdate? { updates.last }
}
