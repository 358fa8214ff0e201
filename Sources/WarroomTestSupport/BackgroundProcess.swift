import Foundation

/// A program running beside a test (a relay, a fake server): its output goes to a file,
/// it runs in a process group of its own, and it is stopped — whatever happened — when
/// the test lets go of it, so no test leaves a process behind.
public final class BackgroundProcess: @unchecked Sendable {
  public let pid: pid_t
  public let outputPath: String
  private var reaped = false
  private let lock = NSLock()

  public init(_ argv: [String], environment: [String: String], outputPath: String) throws {
    self.outputPath = outputPath
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
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
    let spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
    guard spawned == 0 else { throw Spawn.Failure(description: "cannot start \(argv[0])") }
    self.pid = pid
  }

  deinit { stop(grace: 2) }

  /// Everything it printed so far.
  public var output: String {
    (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
  }

  /// Waits up to `timeout` seconds for `condition`; true if it held.
  public static func wait(
    atMost timeout: Double, every pause: Double = 0.05, until condition: () -> Bool
  )
    -> Bool
  {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if condition() { return true }
      Thread.sleep(forTimeInterval: pause)
    }
    return condition()
  }

  public var isRunning: Bool {
    lock.withLock {
      if reaped { return false }
      var status: Int32 = 0
      if waitpid(pid, &status, WNOHANG) == pid { reaped = true }
      return !reaped
    }
  }

  /// SIGTERM, then SIGKILL to its whole group after `grace` seconds; always reaped.
  public func stop(grace: Double = 5) {
    guard isRunning else { return }
    kill(pid, SIGTERM)
    if !Self.wait(atMost: grace, until: { !isRunning }) { killHard() }
    kill(-pid, SIGKILL)
  }

  /// `kill -9`, mid-whatever it was doing, and reaped.
  public func killHard() {
    kill(-pid, SIGKILL)
    kill(pid, SIGKILL)
    lock.withLock {
      guard !reaped else { return }
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0, errno == EINTR {}
      reaped = true
    }
  }
}
