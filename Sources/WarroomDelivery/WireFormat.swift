import Crypto
import Foundation
import WarroomCore

/// One HTTP request as it goes on the wire: built by pure functions, so tests compare the
/// exact method, path, headers and body a receiver gets.
public struct WireRequest: Sendable, Equatable {
  public var method: String
  public var url: String
  public var headers: [(String, String)]
  public var body: Data

  public static func == (lhs: WireRequest, rhs: WireRequest) -> Bool {
    lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
      && lhs.headers.map { "\($0.0): \($0.1)" } == rhs.headers.map { "\($0.0): \($0.1)" }
  }

  public func header(_ name: String) -> String? {
    headers.first { $0.0.lowercased() == name.lowercased() }?.1
  }
}

/// An HTTP answer, as much as the wire formats need.
public struct WireResponse: Sendable, Equatable {
  public var status: Int
  public var headers: [(String, String)]
  public var body: Data

  public init(status: Int, headers: [(String, String)], body: Data) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  public static func == (lhs: WireResponse, rhs: WireResponse) -> Bool {
    lhs.status == rhs.status && lhs.body == rhs.body
  }

  func header(_ name: String) -> String? {
    headers.first { $0.0.lowercased() == name.lowercased() }?.1
  }
}

/// What to send for a message, and how to read the answer, per kind of destination.
public enum WireFormat {
  static let userAgent = "warroom/1"
  /// The version of the webhook's JSON body (documented in the README).
  public static let webhookVersion = 1

  /// The requests for one delivery: the first decides the outcome; a second (Slack's
  /// edit of its parent message) is made after it and only noted if it fails.
  public static func requests(
    for content: MessageContent, to destination: Destination, parent: String?, now: Date
  ) -> [WireRequest] {
    switch destination.kind {
    case .slackWebhook:
      return [json("POST", destination.url ?? "", slackBody(content, destination, extra: [:]))]
    case .teams:
      return [json("POST", destination.url ?? "", teamsBody(content, destination))]
    case .slack:
      return slackRequests(content, destination, parent: parent)
    case .statuspage:
      return [statusPageRequest(content, destination, incident: parent)]
    case .webhook:
      return [webhookRequest(content, destination, now: now)]
    case .command:
      return []
    case .jira, .github:
      return TicketFormat.requests(content, destination, parent: parent)
    case .slackChannel:
      // Creating the channel is the transport's (a taken name is tried again with a suffix).
      guard let parent else { return [SlackChannelFormat.create(content, destination, attempt: 1)] }
      return SlackChannelFormat.followUps(
        content, destination, channel: SlackChannelID.id(in: parent))
    }
  }

  // MARK: Slack

  static func slackBody(_ content: MessageContent, _ destination: Destination, extra: [String: Any])
    -> [String: Any]
  {
    let mrkdwn = MessageText.render(content, style: .slack, template: destination.template)
    var body: [String: Any] = [
      "text": fallbackText(content),
      "blocks": [["type": "section", "text": ["type": "mrkdwn", "text": clip(mrkdwn, 3000)]]],
    ]
    body.merge(extra) { _, new in new }
    return body
  }

  /// The notification text Slack shows where blocks are not: one plain line, escaped.
  static func fallbackText(_ content: MessageContent) -> String {
    SlackText.escape(content.notification)
  }

  static func slackRequests(_ content: MessageContent, _ destination: Destination, parent: String?)
    -> [WireRequest]
  {
    let base = destination.apiBase
    let auth = [("Authorization", "Bearer \(destination.token ?? "")")]
    let channel = (destination.incidentChannel ? content.channel : destination.channel) ?? ""
    var extra: [String: Any] = ["channel": channel]
    if let parent {
      extra["thread_ts"] = parent
      if destination.replyBroadcast { extra["reply_broadcast"] = true }
    }
    var requests = [
      json("POST", base + "/chat.postMessage", slackBody(content, destination, extra: extra), auth)
    ]
    // The parent message carries the colour: edit it in place when the colour changes.
    if let parent, [.mitigated, .resolved, .reopened].contains(content.type) {
      var parentContent = content
      parentContent.text = nil
      let body = slackBody(parentContent, destination, extra: ["channel": channel, "ts": parent])
      requests.append(json("POST", base + "/chat.update", body, auth))
    }
    return requests
  }

  // MARK: Teams

  static func teamsBody(_ content: MessageContent, _ destination: Destination) -> [String: Any] {
    let colour: String =
      switch content.status {
      case .investigating: "attention"
      case .mitigated: "warning"
      case .resolved: "good"
      }
    var facts: [[String: String]] = [
      ["title": "Incident", "value": content.incident],
      ["title": "Severity", "value": content.severity],
      ["title": "Status", "value": "\(content.colour) (\(content.status.rawValue))"],
    ]
    if let impact = content.impact, !impact.isEmpty {
      facts.append(["title": content.impactLabel, "value": impact])
    }
    if let next = content.nextUpdateText { facts.append(["title": "Next update", "value": next]) }
    let text = MessageText.render(content, style: .plain, template: destination.template)
    let card: [String: Any] = [
      "type": "AdaptiveCard",
      "version": "1.4",
      "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
      "body": [
        [
          "type": "TextBlock", "text": "\(content.incident): \(content.title)", "weight": "Bolder",
          "size": "Medium", "color": colour, "wrap": true,
        ] as [String: Any],
        ["type": "TextBlock", "text": content.headline, "weight": "Bolder", "wrap": true],
        ["type": "TextBlock", "text": clip(text, 20_000), "wrap": true],
        ["type": "FactSet", "facts": facts],
      ],
    ]
    return [
      "type": "message",
      "summary": content.notification,
      "attachments": [
        ["contentType": "application/vnd.microsoft.card.adaptive", "content": card] as [String: Any]
      ],
    ]
  }

  // MARK: Statuspage

  static func statusPageRequest(
    _ content: MessageContent, _ destination: Destination, incident: String?
  ) -> WireRequest {
    let page = percentEncoded(destination.pageID ?? "")
    let auth = [("Authorization", "OAuth \(destination.token ?? "")")]
    let body = MessageText.render(content, style: .statusPage, template: destination.template)
    var fields: [String: Any] = ["status": content.statusPageStatus, "body": clip(body, 10_000)]
    if !destination.componentIDs.isEmpty {
      let state =
        content.status == .resolved
        ? "operational" : (content.status == .mitigated ? "degraded_performance" : "major_outage")
      fields["components"] = Dictionary(
        uniqueKeysWithValues: destination.componentIDs.map { ($0, state) })
    }
    guard let incident else {
      // No incident on the page yet: this message makes it (normally the declaration).
      fields["name"] = clip(content.title, 250)
      fields["deliver_notifications"] = true
      if !destination.componentIDs.isEmpty { fields["component_ids"] = destination.componentIDs }
      if let impact = destination.impact { fields["impact_override"] = impact }
      return json(
        "POST", destination.apiBase + "/v1/pages/\(page)/incidents", ["incident": fields], auth)
    }
    return json(
      "PATCH",
      destination.apiBase + "/v1/pages/\(page)/incidents/\(percentEncoded(incident))",
      ["incident": fields], auth)
  }

  // MARK: Webhook

  /// The webhook's documented body (version 1).
  public static func webhookBody(_ content: MessageContent, summary: String) -> [String: Any] {
    var incident: [String: Any] = [
      "id": content.incident, "title": content.title, "severity": content.severity,
      "status": content.status.rawValue, "colour": content.colour,
    ]
    incident["impact"] = content.impact ?? NSNull()
    incident["ticket"] = content.ticket ?? NSNull()
    incident["channel"] = content.channel ?? NSNull()
    return [
      "version": webhookVersion,
      "delivery": content.delivery,
      "test": content.isTest,
      "incident": incident,
      "message": [
        "type": content.type.rawValue, "text": content.text ?? NSNull(), "by": content.by,
        "at": UTCTime.iso8601(content.at),
      ] as [String: Any],
      "summary": summary,
      "next_update_due": content.nextUpdateDue.map { UTCTime.iso8601($0) } ?? NSNull(),
    ]
  }

  static func webhookRequest(_ content: MessageContent, _ destination: Destination, now: Date)
    -> WireRequest
  {
    let summary = MessageText.render(content, style: .plain, template: destination.template)
    var request = json("POST", destination.url ?? "", webhookBody(content, summary: summary))
    let timestamp = String(Int64(now.timeIntervalSince1970.rounded(.down)))
    request.headers.append(("X-Warroom-Delivery", content.delivery))
    request.headers.append(("X-Warroom-Timestamp", timestamp))
    if let secret = destination.secret {
      request.headers.append(
        (
          "X-Warroom-Signature",
          "v1=" + signature(secret: secret, timestamp: timestamp, body: request.body)
        ))
    }
    return request
  }

  /// HMAC-SHA256, keyed with the secret, of the timestamp, a `.` and the exact body bytes,
  /// in lowercase hex: what receivers compute to check a request.
  public static func signature(secret: String, timestamp: String, body: Data) -> String {
    var signed = Data(timestamp.utf8)
    signed.append(UInt8(ascii: "."))
    signed.append(body)
    let code = HMAC<SHA256>.authenticationCode(
      for: signed, using: SymmetricKey(data: Data(secret.utf8)))
    return code.map { String(format: "%02x", $0) }.joined()
  }

  // MARK: Answers

  /// How a send went, from the first request's answer.
  public static func outcome(of response: WireResponse, kind: DestinationKind) -> SendOutcome {
    let status = response.status
    if (200..<300).contains(status) {
      switch kind {
      case .slack:
        // Slack's Web API answers 200 with `ok: false` for its errors.
        let answer = jsonObject(response.body)
        if answer?["ok"] as? Bool == true {
          return .delivered(status: status, remote: answer?["ts"] as? String)
        }
        let error = (answer?["error"] as? String) ?? "an answer that is not Slack's JSON"
        let retryable = [
          "ratelimited", "service_unavailable", "internal_error", "fatal_error", "request_timeout",
        ]
        return .failed(
          reason: "Slack: \(SafeText.oneLine(String(error.prefix(120))))",
          permanent: !retryable.contains(error), retryAfter: retryAfter(response))
      case .slackChannel:
        if jsonObject(response.body)?["ok"] as? Bool == true {
          return .delivered(status: status, remote: SlackChannelFormat.remote(response))
        }
        let error = SlackChannelFormat.error(response) ?? "an answer that is not Slack's JSON"
        let retryable = ["ratelimited", "service_unavailable", "internal_error", "fatal_error"]
        return .failed(
          reason: "Slack: \(SafeText.oneLine(String(error.prefix(120))))"
            + SlackChannelFormat.hint(error),
          permanent: !retryable.contains(error), retryAfter: retryAfter(response))
      case .jira, .github:
        return .delivered(status: status, remote: TicketFormat.remote(response, kind: kind))
      case .statuspage:
        guard let id = jsonObject(response.body)?["id"] as? String, !id.isEmpty else {
          return .failed(
            reason: "HTTP \(status) without an incident id in the answer", permanent: false,
            retryAfter: nil)
        }
        return .delivered(status: status, remote: id)
      default:
        return .delivered(status: status, remote: nil)
      }
    }
    let permanent = (400..<500).contains(status) && status != 408 && status != 429
    let said = kind.creates == .ticket ? TicketFormat.failure(response, kind: kind) : nil
    return .failed(
      reason: said ?? ("HTTP \(status)" + bodyLine(response.body)), permanent: permanent,
      retryAfter: retryAfter(response))
  }

  /// `Retry-After` in seconds or as an HTTP date.
  static func retryAfter(_ response: WireResponse) -> TimeInterval? {
    guard let value = response.header("Retry-After")?.trimmingCharacters(in: .whitespaces) else {
      return nil
    }
    if let seconds = Int(value), seconds >= 0 { return TimeInterval(min(seconds, 3600)) }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
    guard let date = formatter.date(from: value) else { return nil }
    return min(max(0, date.timeIntervalSinceNow), 3600)
  }

  /// `: ` and the answer's first line, short and inert, or nothing.
  static func bodyLine(_ body: Data) -> String {
    let text = String(decoding: body.prefix(400), as: UTF8.self)
    let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    let clean = SafeText.oneLine(line).trimmingCharacters(in: .whitespaces)
    return clean.isEmpty ? "" : ": " + String(clean.prefix(120))
  }

  // MARK: Helpers

  static func json(
    _ method: String, _ url: String, _ body: [String: Any], _ extraHeaders: [(String, String)] = []
  ) -> WireRequest {
    // Sorted keys: the same message is the same bytes, which signatures and tests rely on.
    let data =
      (try? JSONSerialization.data(
        withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]))
      ?? Data("{}".utf8)
    return WireRequest(
      method: method, url: url,
      headers: [("Content-Type", "application/json; charset=utf-8"), ("User-Agent", userAgent)]
        + extraHeaders,
      body: data)
  }

  static func jsonObject(_ data: Data) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: data.prefix(1 << 20))) as? [String: Any]
  }

  static func clip(_ text: String, _ limit: Int) -> String {
    text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
  }

  static func percentEncoded(_ text: String) -> String {
    text.addingPercentEncoding(
      withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? ""
  }
}
