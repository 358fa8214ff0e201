import Foundation
import WarroomCore

/// One place messages go, as configured, with its secrets read: what a transport needs.
public struct Destination: Sendable {
  public var name: String
  public var kind: DestinationKind
  public var messages: Set<MessageType>
  public var severities: Set<Severity>?
  /// Where to send: the webhook's URL, or for `slack` and `statuspage` the API's base
  /// (its public address unless configured, for a proxy or a test server).
  public var url: String?
  /// True when the url came from a variable or a file (a Slack or Teams webhook's address
  /// is its credential): previews and errors never show it.
  public var urlIsSecret = false
  /// Slack's bot token, Statuspage's API key, the webhook's signing secret.
  public var token: String?
  public var secret: String?
  public var channel: String?
  /// Slack: post in the incident's own channel (created by `[[channel]]`, or set by a
  /// person) instead of `channel`.
  public var incidentChannel = false
  public var replyBroadcast = false
  public var pageID: String?
  public var componentIDs: [String] = []
  /// Statuspage's `impact_override`: none, minor, major or critical.
  public var impact: String?
  public var command: String?
  /// Addresses for a `command` that sends e-mail: with them, its input is a whole
  /// message (To, Subject, body) as `sendmail -t` reads it.
  public var emailTo: [String] = []
  /// A Mustache template that replaces the built-in text.
  public var template: String?
  public var caFile: String?
  /// Per request; connecting has 5 s of its own.
  public var timeout: TimeInterval = 15
  /// Tickets: Jira's project key and issue type, the user of Jira Cloud's basic auth (its
  /// token is then an API token), the transition that closes the issue on resolution;
  /// GitHub's `owner/repo`.
  public var project: String?
  public var issueType = "Task"
  public var user: String?
  public var resolvedTransition: String?
  public var repo: String?
  /// Channels: the name (a Mustache template), Slack users to invite, and warroom names
  /// mapped to Slack user ids (`[people]`), whose role holders are invited.
  public var channelName = "inc-{{number}}-{{slug}}"
  public var invite: [String] = []
  public var people: [String: String] = [:]
  /// Set when the destination cannot be used (a secret that is missing, say): every send
  /// to it fails at once with this reason, and the rest go on.
  public var problem: String?

  public init(name: String, kind: DestinationKind, messages: Set<MessageType>) {
    self.name = name
    self.kind = kind
    self.messages = messages
  }

  public var rule: DestinationRule {
    DestinationRule(
      name: name, kind: kind, messages: messages, severities: severities,
      waitsForChannel: incidentChannel)
  }

  /// The base URL of `slack` and `statuspage` when none is configured.
  var apiBase: String {
    if let url { return url.hasSuffix("/") ? String(url.dropLast()) : url }
    switch kind {
    case .slack, .slackChannel: return "https://slack.com/api"
    case .github: return "https://api.github.com"
    case .statuspage: return "https://api.statuspage.io"
    default: return ""
    }
  }
}
