import Foundation
import TOMLKit
import WarroomCore

/// What a deliverer lets the incident's probes do on its machine. Probes are rows anyone
/// who can write the store can add, and the deliverer may run elsewhere, under a service
/// account: so it runs commands only when its own config allows it, hands out only
/// variables named `WARROOM_PROBE_…` (never the deliverer's other secrets), and reads token
/// files only from a folder its config names.
public struct ProbePolicy: Sendable, Equatable {
  /// `allow_commands = true` under `[probes]`.
  public var allowCommands = false
  /// `token_dir` under `[probes]`: the only folder `--token-file` may name.
  public var tokenDirectory: String?
  /// `allow_hosts` under `[probes]`: the hosts (names, addresses or CIDR ranges) probes
  /// may reach from this deliverer. None by default: a row anyone with store access can
  /// write must not turn the deliverer into a scanner of the networks it sits in.
  public var allowedHosts: HostList = HostList()
  /// `[probes.token_hosts]`: for each token (its variable, or its file), the hosts it may
  /// be sent to. A token with no entry is sent nowhere.
  public var tokenHosts: [String: HostList] = [:]

  public init(
    allowCommands: Bool = false, tokenDirectory: String? = nil, allowedHosts: HostList = HostList(),
    tokenHosts: [String: HostList] = [:]
  ) {
    self.allowCommands = allowCommands
    self.tokenDirectory = tokenDirectory
    self.allowedHosts = allowedHosts
    self.tokenHosts = tokenHosts
  }

  /// The prefix of the variables a probe may name.
  public static let variablePrefix = "WARROOM_PROBE_"

  static func read(_ value: (any TOMLValueConvertible)?, path: String) throws(ConfigError)
    -> ProbePolicy
  {
    guard let value else { return ProbePolicy() }
    guard let table = value.table else { throw ConfigError("\(path): [probes] must be a table") }
    var policy = ProbePolicy()
    for key in table.keys {
      switch key {
      case "allow_commands":
        guard let flag = table[key]?.bool else {
          throw ConfigError("\(path): [probes] allow_commands must be true or false")
        }
        policy.allowCommands = flag
      case "token_dir":
        guard let folder = table[key]?.string, folder.hasPrefix("/") else {
          throw ConfigError("\(path): [probes] token_dir must be an absolute path")
        }
        policy.tokenDirectory = folder
      case "allow_hosts":
        policy.allowedHosts = try hostList(table[key], "[probes] allow_hosts", path: path)
      case "token_hosts":
        guard let tokens = table[key]?.table else {
          throw ConfigError(
            "\(path): [probes.token_hosts] must be a table of token = [\"host\", …]")
        }
        for token in tokens.keys {
          policy.tokenHosts[token] = try hostList(
            tokens[token], "[probes.token_hosts] \(token)", path: path)
        }
      default:
        throw ConfigError("\(path): [probes]: unknown field \"\(key)\"")
      }
    }
    return policy
  }

  static func hostList(_ value: (any TOMLValueConvertible)?, _ what: String, path: String)
    throws(ConfigError) -> HostList
  {
    guard let array = value?.array else {
      throw ConfigError("\(path): \(what) must be a list of hosts, such as [\"127.0.0.1\"]")
    }
    var list = HostList()
    for element in array {
      guard let text = element.string else {
        throw ConfigError("\(path): \(what): every entry must be a string")
      }
      do {
        try list.add(text)
      } catch {
        throw ConfigError("\(path): \(what): \(error.reason)")
      }
    }
    return list
  }

  /// Why a probe may not reach `address` from here, or nil when it may.
  func refusal(address: WebAddress) -> String? {
    allowedHosts.contains(address.host)
      ? nil : "host \(address.host) not allowed by this deliverer ([probes] allow_hosts)"
  }

  /// Whether the probe's token may go to `address`.
  func mayReceiveToken(_ spec: ProbeSpec, address: WebAddress) -> Bool {
    guard let name = spec.tokenEnv ?? spec.tokenFile, let hosts = tokenHosts[name] else {
      return false
    }
    return hosts.contains(address.host)
  }

  /// Why a probe's token may not be read here, or nil when it may.
  func refusal(tokenEnv: String?, tokenFile: String?) -> String? {
    if let variable = tokenEnv, !variable.hasPrefix(Self.variablePrefix) {
      return "probes may only name variables starting with \(Self.variablePrefix)"
    }
    if let file = tokenFile {
      guard let folder = tokenDirectory else {
        return
          "token files are read only from a folder the deliverer's config names ([probes] token_dir)"
      }
      let real = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
      let root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
      guard real.hasPrefix(root + "/") else {
        return "\(file) is not in the probe token folder \(folder)"
      }
    }
    return nil
  }
}
