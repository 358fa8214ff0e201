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

  /// Runs a tmux command and returns what it printed. Spawned directly rather than with
  /// Foundation's `Process`, whose exit monitoring hung here once the first command had
  /// daemonised the tmux server.
  @discardableResult
  public func run(_ arguments: [String]) throws -> String {
    let argv = ["tmux", "-L", socket, "-f", "/dev/null"] + arguments
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw TmuxError.spawn }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    posix_spawn_file_actions_addclose(&actions, fds[1])
    // A clean signal mask: the test runner blocks signals, and the tmux server and the
    // programs in its panes would inherit that.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
    var pid: pid_t = 0
    let cArguments = argv.map { strdup($0) } + [nil]
    defer { cArguments.forEach { free($0) } }
    let spawned = posix_spawnp(&pid, "tmux", &actions, &attributes, cArguments, environ)
    close(fds[1])
    guard spawned == 0 else {
      close(fds[0])
      throw TmuxError.spawn
    }
    // The server tmux starts keeps our pipe open: read only until the client exits.
    var status: Int32 = 0
    var output = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    var exited = false
    _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
    while true {
      let count = read(fds[0], &buffer, buffer.count)
      if count > 0 {
        output.append(contentsOf: buffer[0..<count])
        continue
      }
      if count == 0 || exited { break }
      exited = waitpid(pid, &status, WNOHANG) == pid
      if !exited { usleep(2000) }
    }
    if !exited { waitpid(pid, &status, 0) }
    close(fds[0])
    return String(decoding: output, as: UTF8.self)
  }

  public enum TmuxError: Error { case spawn }

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
