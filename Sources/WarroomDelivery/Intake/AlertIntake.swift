import Crypto
import Foundation
import WarroomCore

/// Where alerts go, decided from the incidents as they stand: pure, so the same alerts and
/// the same store decide the same way in every relay. `IntakeRecorder` carries it out,
/// each write deciding again against the latest state inside the store's transaction.
public enum AlertIntake {
  /// Where one alert goes.
  public enum Placement: Sendable, Equatable {
    /// Into this open incident: the one that holds its group, or the current one.
    case incident(IncidentID)
    /// A new incident. The request id names this group's next incident, the same in every
    /// relay, so two relays given the same alert declare once.
    case declare(Declared, request: RequestID)
    /// No incident is open: it waits, and joins the next one declared.
    case wait
    case ignore
  }

  /// An alert group belongs to one incident for that incident's life: while one holds it,
  /// everything about the group goes there. Otherwise the rules decide (`AlertRouting`).
  /// `incidents` are every declared incident, in declaration order.
  public static func place(_ alert: Alert, incidents: [IncidentState], rules: [IntakeRule])
    -> Placement
  {
    let group = alert.groupIdentity
    if let holder = incidents.last(where: { $0.isOpen && $0.alertGroups.contains(group) }) {
      return .incident(holder.id)
    }
    let route = AlertRouting.route(alert, rules: rules)
    // The end of a group whose incident is over tells no open incident anything.
    let held = incidents.filter { $0.alertGroups.contains(group) }.count
    if alert.status == .resolved, held > 0 { return .ignore }
    switch route {
    case .ignore:
      return .ignore
    case .declare(let severity, let title):
      let declared = Declared(
        title: title, severity: severity,
        impactStartedMs: nil, source: "\(alert.source.rawValue): \(SafeText.inert(alert.name))")
      return .declare(declared, request: declareRequest(group: group, episode: held))
    case .attach:
      guard let current = incidents.last(where: \.isOpen) else { return .wait }
      return .incident(current.id)
    }
  }

  /// What to write for `alert` in `state`: nothing when the incident already knows it as it
  /// is (a repeated notification, a redelivered request).
  public static func events(for alert: Alert, in state: IncidentState) -> [Event] {
    var received = record(of: alert)
    if let index = state.alertIndex[received.identity] {
      let known = state.alerts[index]
      let newAck =
        alert.acknowledgedBy != nil && alert.acknowledgedBy != known.acknowledgedBy
      guard known.status != alert.status || newAck else { return [] }
    }
    // Past a few of one group in one status, the rest go to the Alerts page only.
    let sameGroup = state.alerts.filter {
      $0.source == received.source && $0.group == received.group && $0.key != received.key
        && $0.status == received.status
    }
    if sameGroup.count >= AlertReceived.loggedPerGroup { received.quiet = true }
    return [.alertReceived(received)]
  }

  /// The alert as the store keeps it: every text made inert and held to a line's length.
  public static func record(of alert: Alert) -> AlertReceived {
    AlertReceived(
      source: alert.source.rawValue, group: line(alert.group, 512), key: line(alert.key, 512),
      name: line(alert.name, 200), status: alert.status,
      startedMs: alert.startedAt.map { Int64(milliseconds: $0) },
      endedMs: alert.endedAt.map { Int64(milliseconds: $0) },
      url: alert.url.flatMap { WebAddress.problem($0) == nil ? line($0, 2000) : nil },
      summary: alert.description.map { line($0, 500) },
      acknowledgedBy: alert.acknowledgedBy.map { line($0, 200) })
  }

  static func line(_ text: String, _ limit: Int) -> String {
    let inert = SafeText.inert(text)
    return inert.count > limit ? String(inert.prefix(limit - 1)) + "…" : inert
  }

  static func declareRequest(group: String, episode: Int) -> RequestID {
    let digest = SHA256.hash(data: Data("alert-declare\u{1F}\(group)\u{1F}\(episode)".utf8))
    return RequestID(
      rawValue: "alert-" + digest.prefix(16).map { String(format: "%02x", $0) }.joined())
  }
}

extension Alert {
  /// The alert's group as the incident records it (see `AlertReceived.groupIdentity`).
  public var groupIdentity: String {
    AlertReceived.groupIdentity(source: source.rawValue, group: AlertIntake.line(group, 512))
  }
}
