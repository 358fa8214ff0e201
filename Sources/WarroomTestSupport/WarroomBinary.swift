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

  /// Runs `warroom` with `arguments` and waits for it.
  public static func run(
    _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil
  ) throws -> Result {
    let process = try start(arguments, environment: environment)
    if let stdin, let pipe = process.standardInput as? Pipe {
      pipe.fileHandleForWriting.write(Data(stdin.utf8))
    }
    (process.standardInput as? Pipe)?.fileHandleForWriting.closeFile()
    let out = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
    let err = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
      stderr: String(decoding: err, as: UTF8.self))
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
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardInput = Pipe()
    process.standardOutput = Pipe()
    process.standardError = Pipe()
    try process.run()
    return process
  }
}
