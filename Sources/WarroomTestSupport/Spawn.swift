import Foundation

/// Runs a program and waits for it, reading what it prints.
///
/// Spawned directly rather than with Foundation's `Process`, whose exit monitoring hung
/// here when the program left a daemon behind (the tmux server, a PostgreSQL server):
/// the daemon keeps the output pipe open, so this reads only until the program exits.
/// The child gets a clean signal mask: the test runner blocks signals, and daemons and
/// the programs in tmux panes would inherit that.
public enum Spawn {
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// Exit status and standard output; standard error is discarded.
  public static func run(_ argv: [String]) throws -> (status: Int32, output: String) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw Failure(description: "cannot make a pipe") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    posix_spawn_file_actions_addclose(&actions, fds[1])
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
    let spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, environ)
    close(fds[1])
    guard spawned == 0 else {
      close(fds[0])
      throw Failure(description: "cannot start \(argv[0])")
    }
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
    // Exit code when it exited; otherwise 128 + the signal, as shells report it.
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, String(decoding: output, as: UTF8.self))
  }
}
