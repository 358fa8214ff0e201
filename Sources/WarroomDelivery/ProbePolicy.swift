import Foundation
import TOMLKit

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

  public init(allowCommands: Bool = false, tokenDirectory: String? = nil) {
    self.allowCommands = allowCommands
    self.tokenDirectory = tokenDirectory
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
      default:
        throw ConfigError("\(path): [probes]: unknown field \"\(key)\"")
      }
    }
    return policy
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
