import Foundation

/// Slack, Teams, Statuspage and a webhook receiver played on 127.0.0.1 by
/// `Tests/EndToEndTests/Peers/fake_peers.py`: every request recorded, answers scripted.
/// Nothing reaches the internet.
public final class FakePeers: @unchecked Sendable {
  public let port: Int
  public let logPath: String
  public let planPath: String
  private let process: BackgroundProcess

  /// One request as the peer received it.
  public struct Request: Sendable {
    public var method: String
    public var path: String
    public var headers: [String: String]
    public var body: String
    public var answered: String
    /// When it arrived (seconds since 1970).
    public var time: Double

    public var json: [String: Any] {
      (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
  }

  /// Starts the peers; `tls` (certificate and key files) serves HTTPS instead.
  public init(folder: TemporaryFolder, script: String, tls: (String, String)? = nil) throws {
    logPath = folder.path("peers-\(UUID().uuidString).jsonl")
    planPath = folder.path("plan-\(UUID().uuidString).json")
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    let portFile = folder.path("peers-\(UUID().uuidString).out")
    var argv = ["python3", "-u", script, logPath, planPath]
    if let (cert, key) = tls { argv += ["--tls", cert, key] }
    process = try BackgroundProcess(
      argv, environment: ProcessInfo.processInfo.environment, outputPath: portFile)
    var port = 0
    _ = BackgroundProcess.wait(atMost: 15) {
      let text = (try? String(contentsOfFile: portFile, encoding: .utf8)) ?? ""
      port = Int(text.split(separator: "\n").first.map(String.init) ?? "") ?? 0
      return port > 0
    }
    guard port > 0 else {
      process.stop(grace: 1)
      throw Spawn.Failure(description: "the fake peers did not start: \(process.output)")
    }
    self.port = port
  }

  public var base: String { "http://127.0.0.1:\(port)" }

  /// Scripts answers by path prefix: `["/webhook": [["status": 500], ["status": 200]]]`.
  public func plan(_ answers: [String: [[String: Any]]]) throws {
    let data = try JSONSerialization.data(withJSONObject: answers)
    try data.write(to: URL(fileURLWithPath: planPath + ".tmp"))
    _ = rename(planPath + ".tmp", planPath)
  }

  /// Every request so far, oldest first.
  public var requests: [Request] {
    let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { line in
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      else { return nil }
      return Request(
        method: object["method"] as? String ?? "", path: object["path"] as? String ?? "",
        headers: object["headers"] as? [String: String] ?? [:],
        body: object["body"] as? String ?? "",
        answered: (object["answered"]).map { "\($0)" } ?? "", time: object["t"] as? Double ?? 0)
    }
  }

  /// Paths of the requests that have arrived so far, answered or not, oldest first.
  public var arrivals: [String] {
    let text = (try? String(contentsOfFile: logPath + ".arrived", encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { line in
      (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["path"]
        as? String
    }
  }

  /// Waits up to `timeout` seconds for `count` requests to `prefix` to arrive, even if their
  /// answers are still delayed.
  @discardableResult
  public func waitForArrivals(_ count: Int, to prefix: String, atMost timeout: Double = 30)
    -> Bool
  {
    BackgroundProcess.wait(atMost: timeout) {
      arrivals.filter { $0.hasPrefix(prefix) }.count >= count
    }
  }

  public func requests(to prefix: String) -> [Request] {
    requests.filter { $0.path.hasPrefix(prefix) }
  }

  /// Waits up to `timeout` seconds for `count` requests to `prefix`.
  @discardableResult
  public func wait(for count: Int, to prefix: String, atMost timeout: Double = 30) -> [Request] {
    _ = BackgroundProcess.wait(atMost: timeout) { requests(to: prefix).count >= count }
    return requests(to: prefix)
  }

  public func stop() { process.stop(grace: 1) }
}
