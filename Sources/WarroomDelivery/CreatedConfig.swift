import Foundation
import TOMLKit
import WarroomCore

/// `[[ticket]]`, `[[channel]]` and `[people]`: what the relay creates when an incident is
/// declared. Each becomes a destination of the outbox, so a ticket or a channel is created
/// exactly once, recorded before and after like any message, and retried the same way.
enum CreatedConfig {
  /// A ticket comments on mitigation and resolution; a channel's topic follows every
  /// status message (and updates, which also invite new role holders).
  static let ticketMessages: Set<MessageType> = [.declared, .mitigated, .resolved, .reopened]
  static let channelMessages: Set<MessageType> = [
    .declared, .update, .mitigated, .resolved, .reopened,
  ]

  static func read(_ table: TOMLTable, path: String, environment: [String: String])
    throws(ConfigError) -> [Destination]
  {
    let people = try readPeople(table["people"], path: path)
    var destinations: [Destination] = []
    for (section, reader) in [("ticket", ticket), ("channel", channel)]
      as [(String, (EntryReader) throws(ConfigError) -> Destination)]
    {
      guard let value = table[section] else { continue }
      guard let array = value.array else {
        throw ConfigError("\(path): \(section) must be an array of tables ([[\(section)]])")
      }
      for (index, element) in array.enumerated() {
        guard let entry = element.table else {
          throw ConfigError("\(path): \(section) \(index + 1) is not a table")
        }
        var destination = try reader(
          EntryReader(
            table: entry, path: path, index: index + 1, environment: environment, what: section))
        destination.people = people
        // Named by kind; a second of the same kind is told apart by its number.
        let taken = destinations.filter { $0.kind == destination.kind }.count
        destination.name =
          destination.kind.rawValue + (taken == 0 ? "" : "-\(taken + 1)")
        destinations.append(destination)
      }
    }
    return destinations
  }

  private static func readPeople(_ value: (any TOMLValueConvertible)?, path: String)
    throws(ConfigError) -> [String: String]
  {
    guard let value else { return [:] }
    guard let table = value.table else {
      throw ConfigError("\(path): [people] must be a table of name = \"SLACK_USER_ID\"")
    }
    var people: [String: String] = [:]
    for name in table.keys {
      guard let id = table[name]?.string, Self.isSlackID(id) else {
        throw ConfigError("\(path): [people] \(name) must be a Slack user id such as \"U024BE7LH\"")
      }
      people[name] = id
    }
    return people
  }

  static func isSlackID(_ text: String) -> Bool {
    (2...32).contains(text.count)
      && text.unicodeScalars.allSatisfy { $0.isASCII && CharacterSet.alphanumerics.contains($0) }
  }

  private static func ticket(_ reader: EntryReader) throws(ConfigError) -> Destination {
    let fields: Set<String> = [
      "kind", "url", "project", "issue_type", "token_env", "token_file", "user_env", "user_file",
      "repo", "resolved_transition", "timeout", "ca_file",
    ]
    try reader.onlyFields(fields)
    guard let kindText = try reader.string("kind") else {
      throw reader.fail("kind is missing (jira or github)")
    }
    let kind: DestinationKind
    switch kindText {
    case "jira": kind = .jira
    case "github": kind = .github
    default: throw reader.fail("kind \"\(kindText)\" is not jira or github")
    }
    var destination = Destination(name: kindText, kind: kind, messages: ticketMessages)
    try reader.common(&destination)
    switch kind {
    case .jira:
      guard destination.url != nil else { throw reader.fail("a jira ticket needs url") }
      guard let project = try reader.string("project"), !project.isEmpty else {
        throw reader.fail("a jira ticket needs project (its key, such as \"OPS\")")
      }
      destination.project = project
      destination.issueType = try reader.string("issue_type") ?? "Task"
      if let transition = try reader.string("resolved_transition") {
        guard !transition.isEmpty, transition.allSatisfy({ $0.isASCII && $0.isNumber }) else {
          throw reader.fail("resolved_transition must be the transition's id, such as \"31\"")
        }
        destination.resolvedTransition = transition
      }
      if destination.problem == nil {
        try reader.readSecrets(into: &destination) { $0.user = try reader.secret("user") }
      }
    default:
      guard let repo = try reader.string("repo"),
        repo.split(separator: "/").count == 2, !repo.hasPrefix("/"), !repo.hasSuffix("/"),
        repo.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) })
      else { throw reader.fail("a github ticket needs repo = \"OWNER/NAME\"") }
      destination.repo = repo
    }
    return destination
  }

  private static func channel(_ reader: EntryReader) throws(ConfigError) -> Destination {
    try reader.onlyFields([
      "kind", "url", "token_env", "token_file", "name", "invite", "timeout", "ca_file",
    ])
    guard let kindText = try reader.string("kind") else {
      throw reader.fail("kind is missing (slack)")
    }
    guard kindText == "slack" else { throw reader.fail("kind \"\(kindText)\" is not slack") }
    var destination = Destination(
      name: "slack-channel", kind: .slackChannel, messages: channelMessages)
    try reader.common(&destination)
    if let name = try reader.string("name") {
      guard name.utf8.count <= 200 else { throw reader.fail("name is longer than 200 bytes") }
      if let problem = AlertRouting.checkTemplate(name) { throw reader.fail("name: \(problem)") }
      destination.channelName = name
    }
    let invite = try reader.strings("invite") ?? []
    for id in invite where !isSlackID(id) {
      throw reader.fail(
        "invite: \"\(SafeText.inert(id))\" is not a Slack user id such as \"U024BE7LH\"")
    }
    destination.invite = invite
    return destination
  }
}

extension EntryReader {
  /// What tickets and channels share with destinations: the address, the token, the
  /// timeout, the CA file.
  func common(_ destination: inout Destination) throws(ConfigError) {
    if let url = try string("url") {
      if let problem = WebAddress.problem(url) { throw fail("url: \(problem)") }
      destination.url = url
    }
    destination.timeout = try timeout() ?? destination.timeout
    destination.caFile = try string("ca_file").map(resolve)
    try readSecrets(into: &destination) { destination in
      destination.token = try secret("token")
      if destination.token == nil {
        destination.problem = "a \(what) needs token_env or token_file"
      }
    }
  }
}
