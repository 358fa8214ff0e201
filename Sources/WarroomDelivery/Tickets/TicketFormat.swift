import Foundation
import WarroomCore

/// Tickets on the wire: Jira (REST API v3, descriptions and comments in Atlassian Document
/// Format) and GitHub issues. The declaration creates the ticket; mitigation and
/// resolution comment on it (resolution with the post-mortem's summary, and Jira's
/// `resolved_transition` after it).
enum TicketFormat {
  static func requests(_ content: MessageContent, _ destination: Destination, parent: String?)
    -> [WireRequest]
  {
    let text = MessageText.render(content, style: .plain, template: destination.template)
    let comment =
      content.postMortemSummary.map { text + "\n\nPost-mortem summary\n\n" + $0 } ?? text
    switch destination.kind {
    case .jira: return jira(content, destination, text: parent == nil ? text : comment, key: parent)
    default:
      return github(content, destination, text: parent == nil ? text : comment, number: parent)
    }
  }

  static func title(_ content: MessageContent) -> String {
    WireFormat.clip("[\(content.severity)] \(content.incident): \(content.title)", 250)
  }

  // MARK: Jira

  static func jira(
    _ content: MessageContent, _ destination: Destination, text: String, key: String?
  ) -> [WireRequest] {
    let base = destination.apiBase + "/rest/api/3/issue"
    let auth = [("Authorization", jiraAuthorization(destination)), ("Accept", "application/json")]
    guard let key else {
      let fields: [String: Any] = [
        "project": ["key": destination.project ?? ""],
        "issuetype": ["name": destination.issueType],
        "summary": title(content),
        "description": document(text),
        "labels": ["warroom", content.incident],
      ]
      return [WireFormat.json("POST", base, ["fields": fields], auth)]
    }
    let issue = base + "/" + WireFormat.percentEncoded(key)
    var requests = [WireFormat.json("POST", issue + "/comment", ["body": document(text)], auth)]
    if content.type == .resolved, let transition = destination.resolvedTransition {
      requests.append(
        WireFormat.json("POST", issue + "/transitions", ["transition": ["id": transition]], auth))
    }
    return requests
  }

  /// Jira Cloud: basic auth of the account's e-mail and an API token; Jira Data Center:
  /// the token alone, as a bearer (a personal access token).
  static func jiraAuthorization(_ destination: Destination) -> String {
    let token = destination.token ?? ""
    guard let user = destination.user else { return "Bearer \(token)" }
    return "Basic " + Data("\(user):\(token)".utf8).base64EncodedString()
  }

  /// Plain text as an Atlassian document: a paragraph per block, its lines kept apart.
  static func document(_ text: String) -> [String: Any] {
    let blocks = text.components(separatedBy: "\n\n").filter {
      !$0.trimmingCharacters(in: .whitespaces).isEmpty
    }
    let paragraphs: [[String: Any]] = blocks.map { block in
      var nodes: [[String: Any]] = []
      for (index, line) in block.split(separator: "\n", omittingEmptySubsequences: false)
        .enumerated()
      {
        if index > 0 { nodes.append(["type": "hardBreak"]) }
        if !line.isEmpty { nodes.append(["type": "text", "text": String(line)]) }
      }
      return ["type": "paragraph", "content": nodes]
    }
    return ["type": "doc", "version": 1, "content": paragraphs]
  }

  // MARK: GitHub

  static func github(
    _ content: MessageContent, _ destination: Destination, text: String, number: String?
  ) -> [WireRequest] {
    let repo = (destination.repo ?? "").split(separator: "/").map {
      WireFormat.percentEncoded(String($0))
    }.joined(separator: "/")
    let base = destination.apiBase + "/repos/\(repo)/issues"
    let headers = [
      ("Authorization", "Bearer \(destination.token ?? "")"),
      ("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28"),
    ]
    guard let number else {
      return [
        WireFormat.json(
          "POST", base, ["title": title(content), "body": WireFormat.clip(text, 60_000)], headers)
      ]
    }
    return [
      WireFormat.json(
        "POST", base + "/\(WireFormat.percentEncoded(number))/comments",
        ["body": WireFormat.clip(text, 60_000)], headers)
    ]
  }

  /// What `notify test` asks instead of creating a ticket: the project (Jira) or the repo
  /// (GitHub), which proves the address, the credentials and the name at once.
  static func check(_ destination: Destination) -> WireRequest {
    switch destination.kind {
    case .jira:
      return WireRequest(
        method: "GET",
        url: destination.apiBase + "/rest/api/3/project/"
          + WireFormat.percentEncoded(destination.project ?? ""),
        headers: [
          ("Authorization", jiraAuthorization(destination)), ("Accept", "application/json"),
          ("User-Agent", WireFormat.userAgent),
        ], body: Data())
    default:
      let repo = (destination.repo ?? "").split(separator: "/").map {
        WireFormat.percentEncoded(String($0))
      }.joined(separator: "/")
      return WireRequest(
        method: "GET", url: destination.apiBase + "/repos/\(repo)",
        headers: [
          ("Authorization", "Bearer \(destination.token ?? "")"),
          ("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28"),
          ("User-Agent", WireFormat.userAgent),
        ], body: Data())
    }
  }

  // MARK: Answers

  /// The created ticket's key (Jira) or number (GitHub); nil for a comment's answer.
  static func remote(_ response: WireResponse, kind: DestinationKind) -> String? {
    let answer = WireFormat.jsonObject(response.body)
    switch kind {
    case .jira:
      guard let key = answer?["key"] as? String,
        CreatedThing.ticket.details(from: key, kind: .jira) != nil
      else { return nil }
      return key
    default:
      guard let number = answer?["number"] as? Int, number > 0 else { return nil }
      return String(number)
    }
  }

  /// A refusal in words that say what to change.
  static func failure(_ response: WireResponse, kind: DestinationKind) -> String? {
    let answer = WireFormat.jsonObject(response.body)
    let who = kind == .jira ? "Jira" : "GitHub"
    switch response.status {
    case 401:
      return kind == .jira
        ? "Jira: HTTP 401: the token was refused (check token_env, and user_env for Jira Cloud)"
        : "GitHub: HTTP 401: the token was refused (check token_env)"
    case 403:
      return kind == .jira
        ? "Jira: HTTP 403: this account may not create issues in the project"
        : "GitHub: HTTP 403: the token needs the issues write permission on the repo"
    case 404:
      return kind == .jira
        ? "Jira: HTTP 404: check url (the site, without /rest) and project"
        : "GitHub: HTTP 404: the repo does not exist or the token cannot see it (check repo)"
    case 400, 422:
      var details: [String] = []
      if let errors = answer?["errors"] as? [String: Any] {
        for key in errors.keys.sorted() { details.append("\(key): \(errors[key] ?? "")") }
      }
      if let messages = answer?["errorMessages"] as? [String] { details += messages }
      if let message = answer?["message"] as? String { details.append(message) }
      let said = details.isEmpty ? "" : ": " + SafeText.oneLine(details.joined(separator: "; "))
      let hint =
        kind == .jira ? " (check project and issue_type in [[ticket]])" : " (check repo)"
      return "\(who): HTTP \(response.status)\(WireFormat.clip(said, 200))\(hint)"
    default:
      return nil
    }
  }
}
