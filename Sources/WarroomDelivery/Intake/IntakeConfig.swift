import Foundation
import TOMLKit
import WarroomCore

/// The relay's alert intake (`[intake]` in the config): where it listens, the credential
/// each sender proves itself with, and the routing rules (`[[intake.rule]]`, in order).
/// Secrets are named by variable (`token_env`) or private file (`token_file`), never
/// written in the config.
public struct IntakeConfig: Sendable, Equatable {
  /// `listen = "HOST:PORT"`; `relay --listen` overrides it.
  public var listen: ListenAddress?
  /// The bearer token Alertmanager and Grafana send.
  public var token: String?
  /// PagerDuty's webhook signing secret.
  public var pagerDutySecret: String?
  /// The secret generic alerts are signed with.
  public var genericSecret: String?
  public var rules: [IntakeRule] = []
  /// Secrets named but unreadable, one line each: said at start; their senders are refused.
  public var problems: [String] = []

  public init(
    listen: ListenAddress? = nil, token: String? = nil, pagerDutySecret: String? = nil,
    genericSecret: String? = nil, rules: [IntakeRule] = []
  ) {
    self.listen = listen
    self.token = token
    self.pagerDutySecret = pagerDutySecret
    self.genericSecret = genericSecret
    self.rules = rules
  }

  static let fields: Set<String> = [
    "listen", "token_env", "token_file", "pagerduty_secret_env", "pagerduty_secret_file",
    "generic_secret_env", "generic_secret_file", "rule",
  ]

  static func read(
    _ value: (any TOMLValueConvertible)?, path: String, environment: [String: String]
  ) throws(ConfigError) -> IntakeConfig? {
    guard let value else { return nil }
    guard let table = value.table else { throw ConfigError("\(path): [intake] must be a table") }
    func fail(_ message: String) -> ConfigError { ConfigError("\(path): [intake] \(message)") }
    for key in table.keys where !fields.contains(key) {
      if ["token", "pagerduty_secret", "generic_secret"].contains(key) {
        throw fail(
          "\(key) must not be written in the config: name it with \(key)_env or \(key)_file")
      }
      throw fail("unknown field \"\(key)\"")
    }
    var config = IntakeConfig()
    if let listen = table["listen"] {
      guard let text = listen.string else { throw fail("listen must be a string \"HOST:PORT\"") }
      do {
        config.listen = try ListenAddress(parsing: text)
      } catch {
        throw fail("listen: \(error.message)")
      }
    }
    // Secrets are read as a destination's are; one that cannot be read is a problem said
    // at start, and its senders are refused.
    let reader = EntryReader(
      table: table, path: path, index: 0, environment: environment, what: "[intake]")
    func secret(_ field: String) throws(ConfigError) -> String? {
      do {
        return try reader.secret(field)
      } catch let error as SecretError {
        config.problems.append(error.reason)
        return nil
      } catch let error as ConfigError {
        throw error
      } catch {
        throw fail("\(error)")
      }
    }
    config.token = try secret("token")
    config.pagerDutySecret = try secret("pagerduty_secret")
    config.genericSecret = try secret("generic_secret")
    if let rules = table["rule"] {
      guard let array = rules.array else {
        throw fail("rule must be an array of tables ([[intake.rule]])")
      }
      for (index, element) in array.enumerated() {
        guard let rule = element.table else { throw fail("rule \(index + 1) is not a table") }
        config.rules.append(try readRule(rule, number: index + 1, path: path))
      }
    }
    return config
  }

  private static func readRule(_ table: TOMLTable, number: Int, path: String)
    throws(ConfigError) -> IntakeRule
  {
    func fail(_ message: String) -> ConfigError {
      ConfigError("\(path): [[intake.rule]] \(number): \(message)")
    }
    for key in table.keys where !["match", "action", "severity", "title"].contains(key) {
      throw fail("unknown field \"\(key)\"")
    }
    var match: [String: String] = [:]
    if let value = table["match"] {
      guard let pairs = value.table else {
        throw fail("match must be a table of label = \"value\"")
      }
      for key in pairs.keys {
        guard let text = pairs[key]?.string else {
          throw fail("match.\(key) must be a string")
        }
        match[key] = text
      }
    }
    if let source = match["source"], Alert.Source(rawValue: source) == nil {
      let known = Alert.Source.allCases.map(\.rawValue).joined(separator: ", ")
      throw fail("match.source \"\(source)\" is not a source (expected one of \(known))")
    }
    guard let actionText = table["action"]?.string else {
      throw fail("action is missing (declare, attach or ignore)")
    }
    guard let action = IntakeRule.Action(rawValue: actionText) else {
      throw fail("action \"\(actionText)\" is not declare, attach or ignore")
    }
    var severity: Severity?
    if let value = table["severity"] {
      guard let text = value.string, let parsed = Severity(parsing: text) else {
        throw fail("severity must be P1, P2, P3 or P4")
      }
      severity = parsed
    }
    var title: String?
    if let value = table["title"] {
      guard let text = value.string else { throw fail("title must be a string") }
      guard text.utf8.count <= 4096 else { throw fail("title is longer than 4 KiB") }
      if let problem = AlertRouting.checkTemplate(text) { throw fail(problem) }
      title = text
    }
    return IntakeRule(match: match, action: action, severity: severity, title: title)
  }
}

/// Where the intake listens: `HOST:PORT`, `[IPv6]:PORT`. Port 0 lets the system choose
/// (the relay says which it got).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
  public var host: String
  public var port: Int

  public init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  public init(parsing text: String) throws(ConfigError) {
    let host: Substring
    let port: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]"),
        text[text.index(after: close)...].hasPrefix(":")
      else { throw ConfigError("\"\(SafeText.inert(text))\" is not HOST:PORT") }
      host = text[text.index(after: text.startIndex)..<close]
      port = text[text.index(close, offsetBy: 2)...]
    } else {
      guard let colon = text.lastIndex(of: ":") else {
        throw ConfigError("\"\(SafeText.inert(text))\" is not HOST:PORT")
      }
      host = text[..<colon]
      port = text[text.index(after: colon)...]
    }
    guard !host.isEmpty,
      host.unicodeScalars.allSatisfy({
        $0.isASCII
          && (CharacterSet.alphanumerics.contains($0) || ".-:_".unicodeScalars.contains($0))
      })
    else { throw ConfigError("\"\(SafeText.inert(text))\" names no usable host") }
    guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }),
      let number = Int(port), (0...65535).contains(number)
    else { throw ConfigError("the port of \"\(SafeText.inert(text))\" is not 0 to 65535") }
    self.init(host: String(host), port: number)
  }

  public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
