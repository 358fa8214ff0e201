import Foundation
import WarroomCore

/// The log pane's Alerts page: what monitoring said about the incident, firing first, each
/// with its source, since when, who acknowledged it and where to look.
enum AlertsPage {
  static func summaryParts(_ state: IncidentState) -> [String] {
    guard !state.alerts.isEmpty else { return ["no alerts"] }
    let firing = state.alerts.filter { $0.status == .firing }.count
    return ["\(firing) firing", "\(state.alerts.count - firing) resolved"]
  }

  static func rows(_ context: RenderContext, _ state: IncidentState) -> [(String, StyleRole)] {
    let alerts = state.alertsFiringFirst
    guard !alerts.isEmpty else {
      return [("no alerts: the relay takes them with --listen (see warroom relay --help)", .dim)]
    }
    return alerts.map { alert in
      let age = DurationText.age(max(0, Int(seconds: context.now.timeIntervalSince(alert.since))))
      var parts = [
        alert.name, alert.source, "since \(UTCTime.hourMinute(alert.since)) UTC (\(age))",
      ]
      if let by = alert.acknowledgedBy { parts.append("acked by \(by)") }
      if let url = alert.url { parts.append(url) }
      let status = alert.status == .firing ? "FIRING   " : "resolved "
      return (status + parts.joined(separator: " · "), alert.status == .firing ? .statusRed : .dim)
    }
  }
}
