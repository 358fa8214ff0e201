import Foundation

/// Runs a program the way a delivery (or a probe) must: its input fed, its output read
/// and bounded, and the program killed with its whole process group when it overstays,
/// so that a hung command never holds up anything else.
public enum ChildProcess {
  public struct Result: Sendable, Equatable {
    /// The exit status; 128 + the signal when killed, as shells say it.
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var timedOut: Bool
  }

  public struct LaunchError: Error, Equatable {
    public var reason: String
  }

  /// Runs `/bin/sh -c command` with `environment` as its whole environment.
  public static func shell(
    _ command: String, environment: [String: String], stdin: Data, timeout: TimeInterval,
    outputLimit: Int = 64 << 10
  ) throws(LaunchError) -> Result {
    try run(
      ["/bin/sh", "-c", command], environment: environment, stdin: stdin, timeout: timeout,
      outputLimit: outputLimit)
  }

  public static func run(
    _ argv: [String], environment: [String: String], stdin: Data, timeout: TimeInterval,
    outputLimit: Int
  ) throws(LaunchError) -> Result {
    var input: [Int32] = [-1, -1]
    var output: [Int32] = [-1, -1]
    var errors: [Int32] = [-1, -1]
    guard pipe(&input) == 0 else { throw LaunchError(reason: "out of file descriptors") }
    guard pipe(&output) == 0 else {
      input.forEach { close($0) }
      throw LaunchError(reason: "out of file descriptors")
    }
    guard pipe(&errors) == 0 else {
      (input + output).forEach { close($0) }
      throw LaunchError(reason: "out of file descriptors")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input[0], 0)
    posix_spawn_file_actions_adddup2(&actions, output[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
    for fd in input + output + errors { posix_spawn_file_actions_addclose(&actions, fd) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
      &attributes,
      Int16(POSIX_SPAWN_SETSIGMASK) | Int16(POSIX_SPAWN_SETPGROUP) | Int16(POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let cArguments = argv.map { strdup($0) } + [nil]
    let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      cArguments.forEach { free($0) }
      cEnvironment.forEach { free($0) }
    }
    let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
    close(input[0])
    close(output[1])
    close(errors[1])
    guard spawned == 0 else {
      [input[1], output[0], errors[0]].forEach { close($0) }
      throw LaunchError(reason: "cannot start \(argv[0]): \(String(cString: strerror(spawned)))")
    }
    _ = fcntl(input[1], F_SETFL, fcntl(input[1], F_GETFL) | O_NONBLOCK)
    // A program that exits without reading its input must not kill this process with
    // SIGPIPE: blocked on this thread while feeding it, the write fails with EPIPE instead,
    // and the signal left pending is taken before the mask is put back.
    var pipeSignal = sigset_t()
    sigemptyset(&pipeSignal)
    sigaddset(&pipeSignal, SIGPIPE)
    var previousMask = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
    defer {
      var pending = sigset_t()
      sigpending(&pending)
      if sigismember(&pending, SIGPIPE) == 1 {
        var zero = timespec()
        _ = sigtimedwait(&pipeSignal, nil, &zero)
      }
      pthread_sigmask(SIG_SETMASK, &previousMask, nil)
    }

    var out = Data()
    var err = Data()
    var pending = stdin
    var buffer = [UInt8](repeating: 0, count: 16 << 10)
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    var writer: Int32? = input[1]
    if pending.isEmpty {
      close(input[1])
      writer = nil
    }
    var readers = [output[0], errors[0]]
    while !readers.isEmpty {
      let remaining = deadline.timeIntervalSinceNow
      if remaining <= 0 {
        timedOut = true
        break
      }
      var fds = readers.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
      if let writer { fds.append(pollfd(fd: writer, events: Int16(POLLOUT), revents: 0)) }
      let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 0.5) * 1000) + 1)
      if ready < 0, errno != EINTR { break }
      for entry in fds where entry.revents != 0 {
        if entry.fd == writer {
          let written = pending.withUnsafeBytes { write(entry.fd, $0.baseAddress, $0.count) }
          if written > 0 { pending.removeFirst(written) }
          if written < 0 && errno != EAGAIN || pending.isEmpty
            || entry.revents & Int16(POLLERR | POLLHUP) != 0
          {
            close(entry.fd)
            writer = nil
          }
          continue
        }
        let count = read(entry.fd, &buffer, buffer.count)
        if count > 0 {
          // Read on past the limit (a program must not block on a full pipe), keep only it.
          if entry.fd == output[0] {
            if out.count < outputLimit {
              out.append(contentsOf: buffer[0..<min(count, outputLimit - out.count)])
            }
          } else if err.count < outputLimit {
            err.append(contentsOf: buffer[0..<min(count, outputLimit - err.count)])
          }
        } else if count == 0 || errno != EINTR {
          readers.removeAll { $0 == entry.fd }
        }
      }
    }
    if let writer { close(writer) }
    close(output[0])
    close(errors[0])
    // A program that overstays is killed with its process group; one that finished may
    // leave a child behind on purpose (a mail transfer agent delivering in the background).
    var status: Int32 = 0
    while true {
      if timedOut { kill(-pid, SIGKILL) }
      let reaped = waitpid(pid, &status, timedOut ? 0 : WNOHANG)
      if reaped == pid || (reaped < 0 && errno != EINTR) { break }
      if reaped == 0 && Date() >= deadline { timedOut = true }
      if !timedOut { usleep(5_000) }
    }
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return Result(status: code, stdout: out, stderr: err, timedOut: timedOut)
  }
}
