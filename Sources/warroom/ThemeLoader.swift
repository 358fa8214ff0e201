import Foundation
import WarroomScreen

/// Finds the theme `--theme` names: a file path, a user theme in
/// `$XDG_CONFIG_HOME/warroom/themes/NAME.theme`, or a built-in one. `NO_COLOR` picks mono.
enum ThemeLoader {
  static func load(_ requested: String?, environment: [String: String]) throws -> Theme {
    let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
    guard let requested else {
      return Theme.builtIn(noColor ? "mono" : "dark")!
    }
    if requested.contains("/") || requested.hasSuffix(".theme") {
      return try fromFile(requested, name: requested)
    }
    let configHome =
      environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
    let userFile = "\(configHome)/warroom/themes/\(requested).theme"
    if FileManager.default.fileExists(atPath: userFile) {
      return try fromFile(userFile, name: requested)
    }
    if let theme = Theme.builtIn(requested) { return theme }
    throw Failure(
      message:
        "no theme named '\(requested)' (built in: \(Theme.builtInNames.joined(separator: ", ")); "
        + "or put \(requested).theme in \(configHome)/warroom/themes, or give a path)")
  }

  private static func fromFile(_ path: String, name: String) throws -> Theme {
    let data = try readSmallFile(path, what: "theme file")
    guard let text = String(data: data, encoding: .utf8) else {
      throw Failure(message: "bad theme file \(path) line 1: not UTF-8 text")
    }
    do {
      return try Theme.parse(text, name: name, source: path)
    } catch {
      throw Failure(message: error.description)
    }
  }
}
