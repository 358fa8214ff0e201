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
    let (spawned, pid) = Spawn.launch(argv, environment: environment, searchPath: true) {
      posix_spawn_file_actions_addopen(&$0, 0, "/dev/null", O_RDONLY, 0)
      posix_spawn_file_actions_addopen(&$0, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
      posix_spawn_file_actions_adddup2(&$0, 1, 2)
    }
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
