import Foundation
import WarroomCore

/// An alert as warroom reads it, whichever system sent it: what the relay's intake
/// routes (declare, attach, ignore) and what the Alerts page will show.
public struct Alert: Sendable, Equatable {
  public enum Source: String, Sendable, CaseIterable {
    case alertmanager, grafana, pagerduty, generic
  }

  public typealias Status = AlertStatus

  public var source: Source
  /// Which notifications are the same alert group, and so belong to one incident for its
  /// life: Alertmanager's and Grafana's `groupKey`, else the alert's `fingerprint`;
  /// PagerDuty's incident id; the generic `dedup_key`.
  public var group: String
  /// Tells the alerts of one group apart: Alertmanager's and Grafana's `fingerprint`, else
  /// the name.
  public var key: String
  public var name: String
  public var status: Status
  public var labels: [String: String]
  /// PagerDuty's urgency (`high`, `low`).
  public var urgency: String?
  public var startedAt: Date?
  public var endedAt: Date?
  public var url: String?
  public var description: String?
  /// Who acknowledged it (PagerDuty's `incident.acknowledged`).
  public var acknowledgedBy: String?

  public init(
    source: Source, group: String, key: String? = nil, name: String, status: Status,
    labels: [String: String] = [:], urgency: String? = nil, startedAt: Date? = nil,
    endedAt: Date? = nil, url: String? = nil, description: String? = nil,
    acknowledgedBy: String? = nil
  ) {
    self.source = source
    self.group = group
    self.key = key ?? name
    self.name = name
    self.status = status
    self.labels = labels
    self.urgency = urgency
    self.startedAt = startedAt
    self.endedAt = endedAt
    self.url = url
    self.description = description
    self.acknowledgedBy = acknowledgedBy
  }
}

/// Why a request to the intake is refused, with the HTTP status it answers.
public struct IntakeRefusal: Error, Equatable, Sendable {
  public var status: Int
  /// One line, for the sender's logs.
  public var reason: String

  public init(_ status: Int, _ reason: String) {
    self.status = status
    self.reason = reason
  }

  static func badBody(_ reason: String) -> IntakeRefusal { IntakeRefusal(400, reason) }
}
