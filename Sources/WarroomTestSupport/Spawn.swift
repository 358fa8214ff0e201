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
    public init(description: String) { self.description = description }
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

extension Spawn {
  /// What `capture` saw: how the program ended, everything it printed, and whether it had
  /// to be killed at its deadline.
  public struct Captured: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var timedOut: Bool
  }

  /// Runs a program with `environment` as its whole environment, feeds it `stdin`, reads
  /// both outputs, and kills it (SIGKILL, with its process group) if it has not exited
  /// within `timeout` seconds: no test can hang on a program that hangs.
  public static func capture(
    _ argv: [String], environment: [String: String], stdin: Data = Data(),
    timeout: Double = 60
  ) throws -> Captured {
    var input: [Int32] = [0, 0]
    var output: [Int32] = [0, 0]
    var errors: [Int32] = [0, 0]
    guard pipe(&input) == 0, pipe(&output) == 0, pipe(&errors) == 0 else {
      throw Failure(description: "cannot make a pipe")
    }
    let (spawned, pid) = launch(argv, environment: environment) { actions in
      posix_spawn_file_actions_adddup2(&actions, input[0], 0)
      posix_spawn_file_actions_adddup2(&actions, output[1], 1)
      posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
      for fd in input + output + errors { posix_spawn_file_actions_addclose(&actions, fd) }
    }
    close(input[0])
    close(output[1])
    close(errors[1])
    guard spawned == 0 else {
      [input[1], output[0], errors[0]].forEach { close($0) }
      throw Failure(description: "cannot start \(argv[0])")
    }
    // Feed stdin whole, then close it (small inputs: the pipe buffer holds 64 KiB).
    stdin.withUnsafeBytes { _ = write(input[1], $0.baseAddress, $0.count) }
    close(input[1])
    var out = Data()
    var err = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    var open = [output[0], errors[0]]
    while !open.isEmpty {
      let remaining = deadline.timeIntervalSinceNow
      if remaining <= 0 {
        timedOut = true
        kill(-pid, SIGKILL)
        break
      }
      var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
      _ = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 1) * 1000))
      for entry in fds where entry.revents != 0 {
        let count = read(entry.fd, &buffer, buffer.count)
        if count > 0 {
          if entry.fd == output[0] {
            out.append(contentsOf: buffer[0..<count])
          } else {
            err.append(contentsOf: buffer[0..<count])
          }
        } else {
          open.removeAll { $0 == entry.fd }
        }
      }
    }
    close(output[0])
    close(errors[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return Captured(status: code, stdout: out, stderr: err, timedOut: timedOut)
  }
}

extension Spawn {
  /// Starts `argv` in a process group of its own, with a clean signal mask and `environment`
  /// as its whole environment; `files` sets up its descriptors. Returns `posix_spawn`'s
  /// result and the child's pid. `searchPath` looks the program up in `PATH`.
  static func launch(
    _ argv: [String], environment: [String: String], searchPath: Bool = false,
    files: (inout posix_spawn_file_actions_t) -> Void
  ) -> (result: Int32, pid: pid_t) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    files(&actions)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETSIGMASK) | Int16(POSIX_SPAWN_SETPGROUP))
    var pid: pid_t = 0
    let cArguments = argv.map { strdup($0) } + [nil]
    let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      cArguments.forEach { free($0) }
      cEnvironment.forEach { free($0) }
    }
    let result =
      searchPath
      ? posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
      : posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
    return (result, pid)
  }
}
