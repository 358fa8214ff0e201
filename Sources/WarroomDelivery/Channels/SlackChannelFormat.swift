import Foundation
import WarroomCore

/// The war-room channel on Slack: `conversations.create` on declaration (a taken name gets
/// a suffix), then its topic (status and ticket) and the invitations (the configured users
/// and the role holders named in `[people]`); later messages set the topic again and
/// invite whoever took a role since.
enum SlackChannelFormat {
  /// The channel's name: the template over the incident, as Slack allows names (lowercase
  /// letters, digits, `-` and `_`, at most 80), with `-2`… when the name is taken.
  static func name(_ content: MessageContent, template: String, attempt: Int) -> String {
    var context: [String: Any] = [
      "number": content.number, "slug": slug(content.title),
      "severity": content.severity.lowercased(),
      "incident": content.incident.lowercased(),
    ]
    context["title"] = content.title
    let rendered = MessageText.textTemplate(template)?.render(context) ?? "inc-\(content.number)"
    var name = slug(rendered, limit: 74)
    if name.isEmpty { name = "inc-\(content.number)" }
    return attempt <= 1 ? name : "\(name)-\(attempt)"
  }

  /// Lowercase words joined by `-`: `Checkout returns 502!` → `checkout-returns-502`.
  static func slug(_ text: String, limit: Int = 40) -> String {
    var out = ""
    var dash = false
    for scalar in text.lowercased().unicodeScalars {
      if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) || scalar == "_" {
        if dash, !out.isEmpty { out.append("-") }
        dash = false
        out.unicodeScalars.append(scalar)
      } else {
        dash = true
      }
      if out.count >= limit { break }
    }
    while out.hasSuffix("-") { out.removeLast() }
    return String(out.prefix(limit))
  }

  static func auth(_ destination: Destination) -> [(String, String)] {
    [("Authorization", "Bearer \(destination.token ?? "")")]
  }

  static func create(_ content: MessageContent, _ destination: Destination, attempt: Int)
    -> WireRequest
  {
    WireFormat.json(
      "POST", destination.apiBase + "/conversations.create",
      [
        "name": name(content, template: destination.channelName, attempt: attempt),
        "is_private": false,
      ], auth(destination))
  }

  /// `P1 RED investigating · INC-3 · ticket OPS-42`
  static func topic(_ content: MessageContent) -> String {
    var parts = [
      "\(content.severity) \(content.colour.uppercased()) \(content.status.rawValue)",
      content.incident,
    ]
    if let ticket = content.ticket { parts.append("ticket \(ticket)") }
    parts.append(content.title)
    return WireFormat.clip(SafeText.oneLine(parts.joined(separator: " · ")), 250)
  }

  /// The topic, then the invitations (when there is anyone to invite).
  static func followUps(_ content: MessageContent, _ destination: Destination, channel: String)
    -> [WireRequest]
  {
    var requests = [
      WireFormat.json(
        "POST", destination.apiBase + "/conversations.setTopic",
        ["channel": channel, "topic": topic(content)], auth(destination))
    ]
    var users = destination.invite
    for person in content.roleHolders {
      if let id = destination.people[person], !users.contains(id) { users.append(id) }
    }
    if !users.isEmpty {
      requests.append(
        WireFormat.json(
          "POST", destination.apiBase + "/conversations.invite",
          ["channel": channel, "users": users.prefix(1000).joined(separator: ",")],
          auth(destination)))
    }
    return requests
  }

  /// What `notify test` asks instead of creating a channel: whether the token works.
  static func check(_ destination: Destination) -> WireRequest {
    WireFormat.json("POST", destination.apiBase + "/auth.test", [:], auth(destination))
  }

  /// The created channel as recorded (`ID#name`), from `conversations.create`'s answer.
  static func remote(_ response: WireResponse) -> String? {
    guard let channel = WireFormat.jsonObject(response.body)?["channel"] as? [String: Any],
      let id = channel["id"] as? String, CreatedConfig.isSlackID(id)
    else { return nil }
    let name = (channel["name"] as? String).map { slug($0, limit: 80) }
    return SlackChannelID.remote(id: id, name: name.flatMap { $0.isEmpty ? nil : $0 })
  }

  static func error(_ response: WireResponse) -> String? {
    WireFormat.jsonObject(response.body)?["error"] as? String
  }

  /// What to do about Slack's refusal, where the error names it.
  static func hint(_ error: String) -> String {
    switch error {
    case "missing_scope":
      " (the bot token needs channels:manage, channels:write.topic and channels:write.invites)"
    case "invalid_auth", "not_authed", "token_revoked", "account_inactive":
      " (check token_env: a bot token, xoxb-…)"
    case "restricted_action":
      " (the workspace does not let this bot create channels)"
    case "invalid_name_specials", "invalid_name", "invalid_name_required":
      " (check name under [[channel]])"
    default: ""
    }
  }
}
