import Foundation
import Mustache
import TOMLKit
import WarroomCore

/// The destinations file (TOML): where stakeholder messages go. A syntax error or an
/// unknown kind or message refuses the whole file with one line; a secret that cannot be
/// read disables only its destination (see `Destination.problem`).
public struct DeliveryConfig: Sendable {
  public var path: String
  public var destinations: [Destination]
  /// What this deliverer lets probes do (`[probes]`).
  public var probes = ProbePolicy()
  /// The relay's alert intake (`[intake]`), if configured.
  public var intake: IntakeConfig?

  public init(
    path: String, destinations: [Destination], probes: ProbePolicy = ProbePolicy(),
    intake: IntakeConfig? = nil
  ) {
    self.path = path
    self.destinations = destinations
    self.probes = probes
    self.intake = intake
  }

  /// The file to read: `--config`, else `$WARROOM_CONFIG`, else
  /// `$XDG_CONFIG_HOME/warroom/config.toml`, else `~/.config/warroom/config.toml`.
  /// `explicit` says whether a person named it (then it must exist).
  public static func locate(explicit: String?, environment: [String: String])
    -> (path: String, explicit: Bool)
  {
    if let explicit, !explicit.isEmpty { return (explicit, true) }
    if let named = environment["WARROOM_CONFIG"], !named.isEmpty { return (named, true) }
    if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
      return (xdg + "/warroom/config.toml", false)
    }
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return (home + "/.config/warroom/config.toml", false)
  }

  /// Reads the config a command should use; nil when none was named and the default file
  /// does not exist.
  public static func load(explicit: String?, environment: [String: String]) throws(ConfigError)
    -> DeliveryConfig?
  {
    let (path, named) = locate(explicit: explicit, environment: environment)
    if !named, !FileManager.default.fileExists(atPath: path) { return nil }
    return try load(path: path, environment: environment)
  }

  public static func load(path: String, environment: [String: String]) throws(ConfigError)
    -> DeliveryConfig
  {
    let text: String
    do {
      text = try SecretFile.readText(path, limit: 1 << 20, private: false)
    } catch {
      throw ConfigError("\(path): \(error.reason)")
    }
    return try parse(text, path: path, environment: environment)
  }

  /// Parses config text; `path` names it in errors and places relative file names.
  public static func parse(_ text: String, path: String, environment: [String: String])
    throws(ConfigError) -> DeliveryConfig
  {
    if let problem = SecretFile.badByte(in: Data(text.utf8)) {
      throw ConfigError("\(path):\(problem)")
    }
    let table: TOMLTable
    do {
      table = try TOMLTable(string: text)
    } catch let error as TOMLParseError {
      throw ConfigError("\(path):\(error.source.begin.line): \(error.description)")
    } catch {
      throw ConfigError("\(path): not valid TOML")
    }
    for key in table.keys
    where !["destination", "probes", "intake", "ticket", "channel", "people"].contains(key) {
      throw ConfigError(
        "\(path): unknown setting \"\(key)\" (expected [[destination]], [[ticket]], "
          + "[[channel]], [people], [probes] and [intake])")
    }
    let created = try CreatedConfig.read(table, path: path, environment: environment)
    let probes = try ProbePolicy.read(table["probes"], path: path)
    let intake = try IntakeConfig.read(table["intake"], path: path, environment: environment)
    var destinations: [Destination] = []
    if let list = table["destination"] {
      guard let array = list.array else {
        throw ConfigError("\(path): destination must be an array of tables ([[destination]])")
      }
      for (index, element) in array.enumerated() {
        guard let entry = element.table else {
          throw ConfigError("\(path): destination \(index + 1) is not a table")
        }
        let reader = EntryReader(
          table: entry, path: path, index: index + 1, environment: environment)
        destinations.append(try reader.destination())
      }
    }
    destinations += created
    var names: Set<String> = []
    for destination in destinations where !names.insert(destination.name).inserted {
      throw ConfigError("\(path): two destinations are named \"\(destination.name)\"")
    }
    return DeliveryConfig(
      path: path, destinations: destinations, probes: probes, intake: intake)
  }

  public func destination(named name: String) -> Destination? {
    destinations.first { $0.name == name }
  }
}

public struct ConfigError: Error, Equatable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Reads one `[[destination]]` table (or `[[ticket]]`, `[[channel]]`), field by field,
/// naming it in every error.
struct EntryReader {
  let table: TOMLTable
  let path: String
  let index: Int
  let environment: [String: String]
  var what = "destination"

  static let secretFields = ["url", "token", "api_key", "secret"]
  static let known: Set<String> = {
    var fields: Set<String> = [
      "name", "kind", "messages", "severities", "url", "channel", "reply_broadcast", "page_id",
      "component_ids", "impact", "command", "to", "template", "ca_file", "timeout",
      "incident_channel",
    ]
    for field in secretFields { fields.formUnion([field + "_env", field + "_file"]) }
    return fields
  }()

  /// `destination "slack"`, `ticket 2`; a table of its own (`[intake]`, index 0) by name.
  var label: String {
    table["name"]?.string.map { "\(what) \"\($0)\"" }
      ?? (index == 0 ? what : "\(what) \(index)")
  }

  func fail(_ message: String) -> ConfigError {
    ConfigError("\(path): \(label): \(message)")
  }

  func string(_ key: String) throws(ConfigError) -> String? {
    guard let value = table[key] else { return nil }
    guard let text = value.string else { throw fail("\(key) must be a string") }
    return text
  }

  func strings(_ key: String) throws(ConfigError) -> [String]? {
    guard let value = table[key] else { return nil }
    if let single = value.string { return [single] }
    guard let array = value.array else { throw fail("\(key) must be a list of strings") }
    var result: [String] = []
    for element in array {
      guard let text = element.string else { throw fail("\(key) must be a list of strings") }
      result.append(text)
    }
    return result
  }

  func destination() throws(ConfigError) -> Destination {
    try onlyFields(Self.known)
    guard let name = try string("name"), !name.isEmpty else { throw fail("name is missing") }
    guard name.count <= 40,
      name.unicodeScalars.allSatisfy({
        $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0))
      })
    else {
      throw fail("the name may hold up to 40 letters, digits, '-', '_' and '.'")
    }
    guard let kindText = try string("kind") else { throw fail("kind is missing") }
    // Tickets and channels have tables of their own ([[ticket]], [[channel]]).
    guard let kind = DestinationKind(rawValue: kindText), kind.creates == nil else {
      let kinds = DestinationKind.allCases.filter { $0.creates == nil }.map(\.rawValue)
        .joined(separator: ", ")
      throw fail("unknown kind \"\(kindText)\" (expected one of \(kinds))")
    }
    guard let messageNames = try strings("messages"), !messageNames.isEmpty else {
      throw fail("messages is missing (a list such as [\"update\"], or [\"*\"] for all)")
    }
    var messages: Set<MessageType> = []
    for word in messageNames {
      if word == "*" {
        messages.formUnion(MessageType.allCases)
      } else if let type = MessageType(rawValue: word) {
        messages.insert(type)
      } else {
        let known = MessageType.allCases.map(\.rawValue).joined(separator: ", ")
        throw fail("unknown message \"\(word)\" (expected \(known) or *)")
      }
    }
    var destination = Destination(name: name, kind: kind, messages: messages)
    if let severityNames = try strings("severities") {
      var severities: Set<Severity> = []
      for word in severityNames {
        guard let severity = Severity(rawValue: word.uppercased()) else {
          throw fail("unknown severity \"\(word)\"")
        }
        severities.insert(severity)
      }
      destination.severities = severities
    }
    destination.channel = try string("channel")
    if let value = table["incident_channel"] {
      guard let flag = value.bool else { throw fail("incident_channel must be true or false") }
      guard kind == .slack else { throw fail("incident_channel is for a slack destination") }
      guard !flag || destination.channel == nil else {
        throw fail("give channel or incident_channel = true, not both")
      }
      destination.incidentChannel = flag
    }
    destination.pageID = try string("page_id")
    destination.componentIDs = try strings("component_ids") ?? []
    destination.impact = try string("impact")
    if let impact = destination.impact, !["none", "minor", "major", "critical"].contains(impact) {
      throw fail("impact must be none, minor, major or critical")
    }
    destination.command = try string("command")
    destination.emailTo = try strings("to") ?? []
    if let value = table["reply_broadcast"] {
      guard let flag = value.bool else { throw fail("reply_broadcast must be true or false") }
      destination.replyBroadcast = flag
    }
    destination.timeout = try timeout() ?? destination.timeout
    destination.caFile = try string("ca_file").map(resolve)
    if let templatePath = try string("template").map(resolve) {
      let text: String
      do {
        text = try SecretFile.readText(
          templatePath, limit: MessageText.templateLimit, private: false)
      } catch {
        throw fail("template \(templatePath): \(error.reason)")
      }
      do {
        // Parsed once, here, exactly as it will be rendered; sends reuse it.
        try MessageText.prepare(template: text, for: kind)
      } catch {
        throw fail("template \(templatePath) is not valid Mustache: \(error)")
      }
      destination.template = text
    }

    try readSecrets(into: &destination) { destination in
      destination.url = try secret("url")
      destination.urlIsSecret = table["url"] == nil && destination.url != nil
      destination.token = try secret(kind == .statuspage ? "api_key" : "token")
      destination.secret = try secret("secret")
      try requireWhatTheKindNeeds(destination)
    }
    if let url = destination.url, destination.problem == nil,
      let problem = WebAddress.problem(url)
    {
      // Never the address itself: a webhook's url is its credential.
      destination.problem = "its url is not usable: \(problem)"
    }
    return destination
  }

  /// Refuses a field the table does not take; a secret written in plain (a field taken
  /// only as `X_env` or `X_file`) is told how to give it instead.
  func onlyFields(_ fields: Set<String>) throws(ConfigError) {
    for key in table.keys where !fields.contains(key) {
      if fields.contains(key + "_env") {
        throw fail(
          "\(key) must not be written in the config: name it with \(key)_env or \(key)_file")
      }
      throw fail("unknown field \"\(key)\"")
    }
  }

  /// `timeout`: 1 to 300 seconds, as a number or as text such as `"20s"`.
  func timeout() throws(ConfigError) -> TimeInterval? {
    guard let value = table["timeout"] else { return nil }
    let seconds = value.int ?? value.string.flatMap(DurationText.parse)
    guard let seconds, (1...300).contains(seconds) else {
      throw fail("timeout must be 1 to 300 seconds (a number, or text such as \"20s\")")
    }
    return TimeInterval(seconds)
  }

  /// Secrets are read when the config is, so a missing one is said at start, once: it
  /// becomes the destination's problem and disables only it. Anything else is one line.
  func readSecrets(
    into destination: inout Destination, _ read: (inout Destination) throws -> Void
  ) throws(ConfigError) {
    do {
      try read(&destination)
    } catch let error as SecretError {
      destination.problem = error.reason
    } catch let error as ConfigError {
      throw error
    } catch {
      throw fail("\(error)")
    }
  }

  /// A field given as itself, as `X_env` (a variable's name) or `X_file` (a private file).
  func secret(_ field: String) throws -> String? {
    let plain = try string(field)
    let variable = try string(field + "_env")
    let file = try string(field + "_file")
    if [plain, variable, file].compactMap({ $0 }).count > 1 {
      throw ConfigError(
        "\(path): \(label): give \(field) one way: \(field), \(field)_env or \(field)_file")
    }
    if let plain { return plain }
    if let variable {
      guard let value = environment[variable], !value.isEmpty else {
        throw SecretError(reason: "\(field)_env names $\(variable), which is not set")
      }
      return value.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    if let file {
      let value: String
      do {
        value = try SecretFile.readText(resolve(file), limit: 64 << 10, private: true)
          .trimmingCharacters(in: .whitespacesAndNewlines)
      } catch {
        throw SecretError(reason: "\(field)_file: \(error.reason)")
      }
      guard !value.isEmpty else { throw SecretError(reason: "\(field)_file \(file) is empty") }
      return value
    }
    return nil
  }

  func requireWhatTheKindNeeds(_ destination: Destination) throws {
    func need(_ value: Any?, _ what: String) throws {
      if value == nil {
        throw SecretError(reason: "a \(destination.kind.rawValue) destination needs \(what)")
      }
    }
    switch destination.kind {
    case .slackWebhook, .teams, .webhook: try need(destination.url, "url (or url_env, url_file)")
    case .slack:
      try need(destination.token, "token_env or token_file")
      if !destination.incidentChannel {
        try need(destination.channel, "channel (or incident_channel = true)")
      }
    case .statuspage:
      try need(destination.token, "api_key_env or api_key_file")
      try need(destination.pageID, "page_id")
    case .command: try need(destination.command, "command")
    case .jira, .github, .slackChannel: try need(destination.token, "token_env or token_file")
    }
  }

  /// Relative file names are read from the config's folder.
  func resolve(_ file: String) -> String {
    if file.hasPrefix("/") { return file }
    if file.hasPrefix("~/") {
      let home = environment["HOME"] ?? NSHomeDirectory()
      return home + file.dropFirst()
    }
    let folder = (path as NSString).deletingLastPathComponent
    return folder.isEmpty ? file : folder + "/" + file
  }
}
