import Foundation
import WarroomCore
import WarroomStore

/// Carries out `AlertIntake` against the store, on the relay's loop thread: keeps every
/// incident folded (read incrementally), places each alert, and writes it through the
/// store's write cycle, which decides again against the latest state in its transaction.
/// So a repeated notification stores nothing, a redelivered request nothing twice, and two
/// relays given the same new group declare one incident (same request id).
public final class IntakeRecorder {
  /// What a batch of alerts became, for the sender's answer and the relay's log.
  public struct Outcome: Sendable, Equatable {
    public var stored = 0
    public var incidents: [IncidentID] = []
    public var declared: [IncidentID] = []
    public var waiting = 0
    public var ignored = 0
    public var repeated = 0

    public init() {}

    /// One line: `stored 2 alerts in INC-3 (declared)`.
    public var line: String {
      var parts: [String] = []
      if stored > 0 || (waiting == 0 && ignored == 0) {
        let names = incidents.map(\.rawValue).joined(separator: ", ")
        parts.append(
          "stored \(stored) alert\(stored == 1 ? "" : "s")" + (names.isEmpty ? "" : " in \(names)")
            + (declared.isEmpty
              ? "" : " (declared \(declared.map(\.rawValue).joined(separator: ", ")))"))
      }
      if repeated > 0 { parts.append("\(repeated) already known") }
      if waiting > 0 { parts.append("\(waiting) waiting for an incident") }
      if ignored > 0 { parts.append("\(ignored) ignored") }
      return parts.joined(separator: "; ")
    }
  }

  /// The most alerts kept waiting for an incident; the oldest go first.
  public static let waitingLimit = 500

  private let store: any EventStore
  private let rules: [IntakeRule]
  private var incidents: [IncidentID: IncidentState] = [:]
  private var order: [IncidentID] = []
  private var lastSeq: Int64 = 0
  /// Alerts that came while no incident was open: they join the next one.
  public private(set) var waiting: [Alert] = []

  public init(store: any EventStore, rules: [IntakeRule]) {
    self.store = store
    self.rules = rules
  }

  /// Places and writes `alerts`, in order.
  public func record(_ alerts: [Alert], at now: Date) throws -> Outcome {
    var outcome = Outcome()
    try refresh()
    for alert in alerts {
      try record(alert, at: now, into: &outcome)
    }
    return outcome
  }

  /// Alerts waiting for an incident join one that is now open. Returns what was stored,
  /// nil when nothing waits or no incident is open yet.
  public func attachWaiting(at now: Date) throws -> Outcome? {
    guard !waiting.isEmpty else { return nil }
    try refresh()
    guard order.contains(where: { incidents[$0]?.isOpen == true }) else { return nil }
    let alerts = waiting
    waiting = []
    var outcome = Outcome()
    for alert in alerts { try record(alert, at: now, into: &outcome) }
    return outcome
  }

  private func record(_ alert: Alert, at now: Date, into outcome: inout Outcome) throws {
    let placement = AlertIntake.place(
      alert, incidents: order.compactMap { incidents[$0] }, rules: rules)
    let target: IncidentID
    switch placement {
    case .ignore:
      outcome.ignored += 1
      return
    case .wait:
      waiting.removeAll {
        $0.source == alert.source && $0.group == alert.group && $0.key == alert.key
      }
      waiting.append(alert)
      if waiting.count > Self.waitingLimit {
        waiting.removeFirst(waiting.count - Self.waitingLimit)
      }
      outcome.waiting += 1
      return
    case .incident(let id):
      target = id
    case .declare(let declared, let request):
      target = try store.declare(declared, actor: actor(alert), at: now, request: request)
      try refresh()
      if !outcome.declared.contains(target) { outcome.declared.append(target) }
    }
    var state = incidents[target] ?? IncidentState(id: target)
    let written = try store.write(to: &state, actor: actor(alert), at: now) { latest in
      latest.isOpen ? AlertIntake.events(for: alert, in: latest) : []
    }
    incidents[target] = state
    if written.isEmpty {
      outcome.repeated += 1
    } else {
      outcome.stored += 1
      if !outcome.incidents.contains(target) { outcome.incidents.append(target) }
    }
  }

  /// Who the store records as having written an alert: its sender.
  private func actor(_ alert: Alert) -> String { alert.source.rawValue }

  /// Folds what was written since the last look, by anyone.
  private func refresh() throws {
    for envelope in try store.events(after: lastSeq, incident: nil, limit: nil) {
      if incidents[envelope.incident] == nil {
        incidents[envelope.incident] = IncidentState(id: envelope.incident)
        order.append(envelope.incident)
      }
      Reducer.apply(envelope, to: &incidents[envelope.incident]!)
      lastSeq = max(lastSeq, envelope.seq)
    }
  }
}
