import Foundation
import WarroomCore
import WarroomReports

/// What a stakeholder message carries, whatever the destination: the incident, how bad,
/// its colour, the impact, what changed, and when the next update is due (in UTC). Built
/// from the incident as it stands when the message is sent. Plain values only: every
/// transport and template reads from here.
public struct MessageContent: Sendable, Equatable {
  public var delivery: String
  public var incident: String
  public var title: String
  public var severity: String
  public var status: IncidentStatus
  public var type: MessageType
  /// What a person wrote: the update, the announcement, a reason; nil for bare events.
  public var text: String?
  public var by: String
  public var at: Date
  public var impact: String?
  public var ticket: String?
  public var channel: String?
  public var nextUpdateDue: Date?
  /// Statuspage's status word for the incident now.
  public var statusPageStatus: String
  /// A test message (`warroom notify test`), not an incident's.
  public var isTest = false
  /// It corrects an earlier message sent by mistake (an undone status change).
  public var isCorrection = false
  /// For tickets and channels: the incident's number, everyone holding a role (warroom
  /// names), and on resolution the post-mortem's summary.
  public var number = 0
  public var roleHolders: [String] = []
  public var postMortemSummary: String?

  public init(
    job: DeliveryJob, state: IncidentState, now: Date
  ) {
    delivery = job.id
    incident = state.id.rawValue
    title = state.title
    severity = state.severity.rawValue
    status = job.message.status
    type = job.message.type
    text = job.message.text
    by = job.message.by
    at = job.message.at
    impact = state.impact
    ticket = state.ticket
    channel = state.channel
    nextUpdateDue = state.status == .resolved ? nil : Countdown.dueDate(of: state)
    statusPageStatus = Self.statusPageStatus(status: job.message.status, state: state)
    isCorrection = job.message.corrects != nil
    number = state.id.number ?? 0
    var holders: [String] = []
    for role in Role.allCases {
      for person in state.roles.holders(of: role) where !holders.contains(person) {
        holders.append(person)
      }
    }
    roleHolders = holders
    if job.message.type == .resolved {
      postMortemSummary = PostMortem.summaryMarkdown(state)
    }
  }

  /// red → investigating, or identified once an experiment supported a cause; yellow →
  /// monitoring; green → resolved.
  static func statusPageStatus(status: IncidentStatus, state: IncidentState) -> String {
    switch status {
    case .investigating:
      state.experiments.contains { $0.outcome == .supported } ? "identified" : "investigating"
    case .mitigated: "monitoring"
    case .resolved: "resolved"
    }
  }

  public var colour: String { status.colourWord }

  /// A few words for what happened, as a heading.
  public var headline: String {
    if isTest { return "Test message from warroom" }
    if isCorrection { return "Correction" }
    switch type {
    case .declared: return "Incident declared"
    case .announce: return "Outage announced"
    case .update: return "Stakeholder update"
    // With a reason (a probe still failing), the headline claims no more than the data.
    case .mitigated:
      return text == nil ? "Mitigated: customers are no longer affected" : "Mitigated"
    case .resolved: return "Resolved"
    case .reopened: return "Reopened: the fix did not hold"
    case .overdue: return "Stakeholder update overdue"
    }
  }

  public var icon: String {
    switch status {
    case .investigating: "🔴"
    case .mitigated: "🟡"
    case .resolved: "🟢"
    }
  }

  /// The next update, as people read it: `14:35 UTC`, or nil once resolved.
  public var nextUpdateText: String? {
    nextUpdateDue.map { UTCTime.hourMinute($0) + " UTC" }
  }

  /// A subject line: one line, whatever the title holds.
  public var subject: String {
    let line = "[\(severity) \(colour.uppercased())] \(incident): \(title) - \(headline)"
    return String(SafeText.oneLine(line).prefix(200))
  }

  /// What a phone's notification shows (Slack's `text`, Teams' summary): the news itself
  /// first, so each update reads differently on a lock screen, then the incident's title.
  public var notification: String {
    let news =
      text.flatMap { $0.split(whereSeparator: \.isNewline).first.map(String.init) }
      .map { "\(headline): \($0)" } ?? headline
    let line = "[\(severity) \(colour.uppercased())] \(incident) \(news) · \(title)"
    return String(SafeText.oneLine(line).prefix(200))
  }

  /// "Impact" while customers are hurt, "Impact was" once mitigated or resolved.
  public var impactLabel: String { status == .investigating ? "Impact" : "Impact was" }
}

extension SafeText {
  /// Text on one line: line breaks and other control characters become spaces.
  static func oneLine(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.unicodeScalars.map {
          $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}"
            ? " " : $0
        }))
  }
}
