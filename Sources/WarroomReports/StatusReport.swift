import Foundation
import WarroomCore

/// The incident at a glance: what `warroom status` prints and `--json` encodes.
public struct StatusReport: Encodable, Sendable, Equatable {
  public struct Checklist: Encodable, Sendable, Equatable {
    public var done: Int
    public var total: Int
    public var next: String?
    public var steps: [Step]
  }

  public struct Step: Encodable, Sendable, Equatable {
    public var number: Int
    public var title: String
    public var done: Bool
  }

  public struct Running: Encodable, Sendable, Equatable {
    public var id: Int
    public var owner: String?
    public var target: String?
    public var hypothesis: String
    public var conflict: Bool
  }

  public struct Probe: Encodable, Sendable, Equatable {
    public var name: String
    /// passing, failing, unknown, paused, or pending before the first reading.
    public var state: String
    public var since: String
    public var value: String?
    public var reason: String?
  }

  /// An alert from monitoring that reached the incident.
  public struct Alert: Encodable, Sendable, Equatable {
    public var source: String
    public var name: String
    public var status: String
    public var since: String
    public var url: String?
    public var acknowledgedBy: String?
  }

  public struct NextUpdate: Encodable, Sendable, Equatable {
    public var dueAt: String
    /// Seconds left; negative when overdue.
    public var remainingSeconds: Int
    public var overdue: Bool
    public var cadenceSeconds: Int
    public var text: String
  }

  public var id: String
  public var title: String
  public var severity: String
  public var status: String
  public var colour: String
  public var declaredAt: String
  public var declaredBy: String
  public var elapsedSeconds: Int
  public var ticket: String?
  public var channel: String?
  public var checklist: Checklist
  public var roles: [String: [String]]
  public var unfilledRoles: [String]
  public var running: [Running]
  public var conflicts: [String]
  public var nextUpdate: NextUpdate
  public var openFollowups: Int
  public var customerVerified: Bool
  /// Messages for stakeholders that failed to arrive somewhere (see the Updates page).
  public var undelivered: Int
  public var probes: [Probe]
  /// Whether the probes proved recovery (every one passing for its window).
  public var recoveryProven: Bool
  /// Alerts from monitoring, firing first; and what declared it when an alert did.
  public var alerts: [Alert]
  public var declaredFrom: String?

  public init(state: IncidentState, now: Date) {
    id = state.id.rawValue
    title = state.title
    severity = state.severity.rawValue
    status = state.status.rawValue
    colour = state.status.colourWord
    declaredAt = UTCTime.iso8601(state.declaredAt)
    declaredBy = state.declaredBy
    let end = state.resolvedAt ?? now
    elapsedSeconds = max(0, Int(seconds: end.timeIntervalSince(state.declaredAt)))
    ticket = state.ticket
    channel = state.channel
    checklist = Checklist(
      done: state.completedStepCount, total: state.runbook.steps.count,
      next: state.nextStepIndex.map { "\($0 + 1). \(state.runbook.steps[$0].title)" },
      steps: state.runbook.steps.indices.map {
        Step(number: $0 + 1, title: state.runbook.steps[$0].title, done: state.isStepDone($0))
      })
    var roles: [String: [String]] = [:]
    for role in Role.allCases { roles[role.rawValue] = state.roles.holders(of: role) }
    self.roles = roles
    unfilledRoles = state.roles.unfilledCoreRoles.map(\.rawValue)
    let conflicting = state.conflictingTargets
    running = state.runningExperiments.map {
      Running(
        id: $0.id, owner: $0.owner, target: $0.target, hypothesis: $0.hypothesis,
        conflict: state.isInConflict($0, among: conflicting))
    }
    conflicts = conflicting
    let countdown = Countdown(state: state, now: now)
    nextUpdate = NextUpdate(
      dueAt: UTCTime.iso8601(countdown.dueAt), remainingSeconds: countdown.remaining,
      overdue: countdown.phase == .overdue, cadenceSeconds: state.cadence,
      text: countdown.phrase)
    openFollowups = state.openFollowups.count
    customerVerified = state.customerVerification != nil
    undelivered = state.undeliveredCount
    probes = state.currentProbes.map {
      Probe(
        name: $0.spec.name, state: $0.stateWord, since: UTCTime.iso8601($0.since),
        value: $0.value, reason: $0.reason)
    }
    recoveryProven = state.recoveryProvenAt != nil && state.probesNotPassing.isEmpty
    alerts = state.alertsFiringFirst.map {
      Alert(
        source: $0.source, name: $0.name, status: $0.status.rawValue,
        since: UTCTime.iso8601($0.since), url: $0.url, acknowledgedBy: $0.acknowledgedBy)
    }
    declaredFrom = state.declaredFrom
  }

  /// One screen of plain text. People's words are made inert before they reach a terminal.
  public var text: String {
    let s = SafeText.inert
    var lines: [String] = []
    lines.append("\(id)  \(severity)  \(s(title))")
    lines.append(
      "Status     \(colour.uppercased()) (\(status)), \(DurationText.age(elapsedSeconds)) since declared by \(SafeText.name(declaredBy))"
    )
    lines.append("Ticket     \(ticket.map(s) ?? "none")    Channel  \(channel.map(s) ?? "none")")
    let bar =
      String(repeating: "#", count: checklist.done)
      + String(repeating: ".", count: max(0, checklist.total - checklist.done))
    lines.append(
      "Checklist  \(checklist.done)/\(checklist.total) [\(bar)]"
        + (checklist.next.map { "  next: \(s($0))" } ?? "  all done"))
    let roleText = Role.allCases.map { role -> String in
      let holders = self.roles[role.rawValue] ?? []
      if holders.isEmpty { return role == .ic ? "ICs none" : "\(role.rawValue) UNFILLED" }
      return
        "\(role == .ic ? "ICs" : role.rawValue) \(holders.map(SafeText.name).joined(separator: ", "))"
    }
    lines.append("Roles      " + roleText.joined(separator: " · "))
    if running.isEmpty {
      lines.append("Running    no experiments running")
    } else {
      for (index, experiment) in running.enumerated() {
        let label = index == 0 ? "Running    " : "           "
        let owner = experiment.owner.map(SafeText.name) ?? "unowned"
        let target = experiment.target.map { " on \(s($0))" } ?? ""
        let flag = experiment.conflict ? "  CONFLICT" : ""
        lines.append(
          "\(label)#\(experiment.id) \(owner)\(target): \(s(experiment.hypothesis))\(flag)")
      }
    }
    for target in conflicts {
      let ids = running.filter { $0.target?.lowercased() == target }.map { "#\($0.id)" }
      lines.append(
        "CONFLICT   \(ids.joined(separator: " and ")) both run on \(s(target)): they may interfere")
    }
    lines.append(
      "Update     next stakeholder update \(nextUpdate.text) (cadence \(DurationText.short(nextUpdate.cadenceSeconds)))"
    )
    for (index, probe) in probes.enumerated() {
      let label = index == 0 ? "Probes     " : "           "
      let detail = (probe.reason ?? probe.value).map { ": \(s($0))" } ?? ""
      lines.append("\(label)\(probe.name) \(probe.state.uppercased())\(detail)")
    }
    if !probes.isEmpty {
      lines.append("Recovery   " + (recoveryProven ? "proven by the probes" : "not proven yet"))
    }
    let firing = alerts.filter { $0.status == AlertStatus.firing.rawValue }
    if !alerts.isEmpty {
      lines.append(
        "Alerts     \(firing.count) firing, \(alerts.count - firing.count) resolved"
          + (firing.first.map {
            ": \(s($0.name)) (\(s($0.source)))" + (firing.count > 1 ? " and others" : "")
          } ?? ""))
    }
    if undelivered > 0 {
      lines.append(
        "DELIVERY   \(undelivered) message\(undelivered == 1 ? "" : "s") not delivered: see warroom notify status"
      )
    }
    return lines.joined(separator: "\n")
  }
}
