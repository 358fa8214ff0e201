import Foundation

/// Where the store lives when no `--store` is given.
public enum StoreLocation {
  /// `--store`, else `$WARROOM_STORE`, else `$XDG_DATA_HOME/warroom/warroom.db`,
  /// else `~/.local/share/warroom/warroom.db`.
  public static func resolve(explicit: String?, environment: [String: String]) -> String {
    if let explicit, !explicit.isEmpty { return expandTilde(explicit, environment) }
    if let fromEnvironment = environment["WARROOM_STORE"], !fromEnvironment.isEmpty {
      return expandTilde(fromEnvironment, environment)
    }
    let dataHome =
      environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? (home(environment) + "/.local/share")
    return dataHome + "/warroom/warroom.db"
  }

  /// The folder a path is in: `.` for a bare name. (Foundation's
  /// `deletingLastPathComponent` crashed on one-character names.)
  public static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let folder = String(path[..<slash])
    return folder.isEmpty ? "/" : folder
  }

  private static func home(_ environment: [String: String]) -> String {
    environment["HOME"] ?? NSHomeDirectory()
  }

  private static func expandTilde(_ path: String, _ environment: [String: String]) -> String {
    path.hasPrefix("~/") ? home(environment) + path.dropFirst() : path
  }
}
