import Foundation

/// Runs the built `warroom` executable as a real process, for end-to-end tests.
public enum WarroomBinary {
  /// The executable beside the test bundle (both live in the build's products folder).
  public static var path: String {
    let candidates = [
      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
      Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
    ].map { $0.appendingPathComponent("warroom").path }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
  }

  public struct Result: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
  }

  /// Runs `warroom` with `arguments` and waits for it, at most `timeout` seconds: one
  /// that hangs is killed and reported as status 137 (128 + SIGKILL).
  public static func run(
    _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
    timeout: Double = 60, workingDirectory: String? = nil
  ) throws -> Result {
    let raw = try runRaw(
      arguments, environment: environment, stdin: stdin, timeout: timeout,
      workingDirectory: workingDirectory)
    return Result(
      status: raw.status, stdout: String(decoding: raw.stdout, as: UTF8.self),
      stderr: String(decoding: raw.stderr, as: UTF8.self))
  }

  /// The same, with the output as bytes, for tests that look for raw control bytes.
  public static func runRaw(
    _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
    timeout: Double = 60, workingDirectory: String? = nil
  ) throws -> Spawn.Captured {
    var env = ProcessInfo.processInfo.environment
    env["WARROOM_USER"] = "tester"
    env.removeValue(forKey: "WARROOM_STORE")
    env["WARROOM_CACHE_DIR"] = ""  // no snapshot cache in the home folder, unless asked for
    for (key, value) in environment { env[key] = value }
    // A working folder of its own through the shell: `cd DIR && exec warroom …`.
    let argv =
      workingDirectory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, path] }
      ?? [path]
    return try Spawn.capture(
      argv + arguments, environment: env, stdin: Data((stdin ?? "").utf8), timeout: timeout)
  }

  /// Starts `warroom` in the background (a relay, say) as `user`, with `environment` over
  /// this process's; its output goes to `outputPath`, and it is stopped when let go of.
  public static func background(
    _ arguments: [String], environment: [String: String], user: String = "relay",
    outputPath: String
  ) throws -> BackgroundProcess {
    var env = ProcessInfo.processInfo.environment
    env["WARROOM_USER"] = user
    env["WARROOM_CACHE_DIR"] = ""
    env.merge(environment) { _, new in new }
    return try BackgroundProcess([path] + arguments, environment: env, outputPath: outputPath)
  }

  /// Starts `warroom` without waiting; its output goes to pipes.
  public static func start(_ arguments: [String], environment: [String: String] = [:]) throws
    -> Process
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["WARROOM_USER"] = "tester"
    env.removeValue(forKey: "WARROOM_STORE")
    env["WARROOM_CACHE_DIR"] = ""
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardInput = Pipe()
    process.standardOutput = Pipe()
    process.standardError = Pipe()
    try process.run()
    return process
  }
}
