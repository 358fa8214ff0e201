import Foundation

/// A private tmux server for driving the real dashboard in a real terminal: start
/// sessions, type into them, read their screens. Each instance has its own socket and
/// kills its server when done.
public final class Tmux {
  public let socket = "warroom-test-\(UUID().uuidString.prefix(8))"

  public init() {}

  deinit {
    _ = try? run(["kill-server"])
    let folder = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
    unlink("\(folder)/tmux-\(getuid())/\(socket)")
  }

  /// Runs a tmux command and returns what it printed.
  @discardableResult
  public func run(_ arguments: [String]) throws -> String {
    try Spawn.run(["tmux", "-L", socket, "-f", "/dev/null"] + arguments).output
  }

  /// Starts a detached session of the given size running `command` (a shell line).
  public func start(_ session: String, width: Int = 100, height: Int = 30, command: String) throws {
    try run([
      "new-session", "-d", "-s", session, "-x", String(width), "-y", String(height),
      "env LANG=C.UTF-8 LC_ALL=C.UTF-8 " + command,
    ])
    try run(["set-option", "-t", session, "remain-on-exit", "on"])
  }

  /// Types text literally (no key names).
  public func type(_ session: String, _ text: String) throws {
    try run(["send-keys", "-t", session, "-l", text])
  }

  /// Presses named keys: Enter, Tab, Escape, BSpace, C-c, …
  public func press(_ session: String, _ keys: String...) throws {
    try run(["send-keys", "-t", session] + keys)
  }

  public func screen(_ session: String) throws -> String {
    try run(["capture-pane", "-p", "-t", session])
  }

  public func resize(_ session: String, width: Int, height: Int) throws {
    try run(["resize-window", "-t", session, "-x", String(width), "-y", String(height)])
  }

  /// Waits until the screen satisfies `condition`; returns the last screen either way.
  @discardableResult
  public func waitFor(
    _ session: String, timeout: TimeInterval = 10, _ condition: (String) -> Bool
  ) throws -> String {
    let deadline = Date().addingTimeInterval(timeout)
    var last = ""
    while Date() < deadline {
      last = try screen(session)
      if condition(last) { return last }
      Thread.sleep(forTimeInterval: 0.05)
    }
    return last
  }
}
