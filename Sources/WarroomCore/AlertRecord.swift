import Foundation

/// Whether an alert from monitoring is still going off.
public enum AlertStatus: String, Codable, Sendable, CaseIterable {
  case firing, resolved
}

/// An alert that reached the incident (written by the relay's intake): what the monitoring
/// system said, as data only. The log line people read is derived from it when folded, so
/// the record holds facts, not wording.
public struct AlertReceived: Codable, Sendable, Equatable {
  /// The system that sent it: `alertmanager`, `grafana`, `pagerduty`, `generic`.
  public var source: String
  /// The alert group (Alertmanager's `groupKey`, PagerDuty's incident id, …): a group
  /// belongs to one incident for that incident's life.
  public var group: String
  /// Tells one alert of a group from another (Alertmanager's fingerprint; else its name).
  public var key: String
  public var name: String
  public var status: AlertStatus
  /// When the alert began firing, and when it ended, by the sender's clock.
  public var startedMs: Int64?
  public var endedMs: Int64?
  public var url: String?
  public var summary: String?
  /// Who acknowledged it at the sender (PagerDuty).
  public var acknowledgedBy: String?
  /// Kept off the log (the Alerts page and the timeline still have it): its group had
  /// already put `AlertReceived.loggedPerGroup` alerts in this status there, and a group of
  /// two hundred must not bury what people typed.
  public var quiet: Bool?

  /// The most alerts of one group, in one status, that become findings in the log.
  public static let loggedPerGroup = 5

  public init(
    source: String, group: String, key: String, name: String, status: AlertStatus,
    startedMs: Int64? = nil, endedMs: Int64? = nil, url: String? = nil, summary: String? = nil,
    acknowledgedBy: String? = nil
  ) {
    self.source = source
    self.group = group
    self.key = key
    self.name = name
    self.status = status
    self.startedMs = startedMs
    self.endedMs = endedMs
    self.url = url
    self.summary = summary
    self.acknowledgedBy = acknowledgedBy
  }

  /// Which incident-long group it belongs to: the same group from two senders is two.
  public var groupIdentity: String { Self.groupIdentity(source: source, group: group) }

  public static func groupIdentity(source: String, group: String) -> String {
    source + "\u{1F}" + group
  }
  /// Which alert of the incident it is.
  public var identity: String { groupIdentity + "\u{1F}" + key }
}

/// One alert as the incident holds it: its latest status and since when.
public struct AlertRecord: Sendable, Equatable {
  public var source: String
  public var group: String
  public var key: String
  public var name: String
  public var status: AlertStatus
  /// Since when it has had that status: its start (or end) by the sender's clock, else when
  /// warroom heard of it.
  public var since: Date
  /// When it first began firing (by the sender's clock, else when warroom first heard).
  public var startedAt: Date
  /// When warroom first heard of it.
  public var receivedAt: Date
  public var url: String?
  public var acknowledgedBy: String?
}

extension AlertReceived {
  /// The timeline's line for an alert kept off the log, from its record once folded.
  public static func quietLine(_ record: AlertRecord) -> String {
    "alert \(record.name) \(record.status.rawValue) (\(record.source)), "
      + "shown on the Alerts page only: its group has more than \(loggedPerGroup)"
  }

  /// The log line an alert becomes (a finding), in the state before it is folded in.
  public func finding(previous: AlertRecord?, at: Date) -> String {
    let from = " (\(source))"
    if let acknowledgedBy, previous?.status == status, previous?.acknowledgedBy != acknowledgedBy {
      return "alert \(name) acknowledged by \(acknowledgedBy)\(from)"
    }
    switch status {
    case .firing:
      let started = startedMs.map(Reducer.date) ?? at
      let again = previous?.status == .resolved ? " again" : ""
      return "alert \(name) firing\(again)\(from) since \(UTCTime.hourMinute(started)) UTC"
        + (summary.map { ": \($0)" } ?? "")
    case .resolved:
      let ended = endedMs.map(Reducer.date) ?? at
      return "alert \(name) resolved at \(UTCTime.hourMinute(ended)) UTC\(from)"
    }
  }
}
