import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import WarroomCore

/// Runs probes' checks: an HTTP request, a Prometheus query, a command. Each is cut at its
/// timeout and answers with a reading, never an error: a check that cannot say "healthy"
/// says failing or unknown, with the reason.
public final class ProbeChecker: Sendable {
  private let client: HTTPClient
  private let environment: [String: String]
  private let policy: ProbePolicy

  public init(
    policy: ProbePolicy = ProbePolicy(),
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) {
    self.policy = policy
    self.environment = environment
    client = HTTPClient(
      eventLoopGroupProvider: .singleton,
      configuration: HTTPClient.Configuration(
        tlsConfiguration: .makeClientConfiguration(), redirectConfiguration: .disallow,
        timeout: .init(connect: .seconds(5))))
  }

  public func shutdown() async { try? await client.shutdown() }

  public func check(_ spec: ProbeSpec) async -> ProbeReading {
    if let refusal = fence(spec) { return ProbeReading(state: .unknown, reason: refusal) }
    switch spec.kind {
    case .http: return await http(spec)
    case .prometheus: return await prometheus(spec)
    case .command: return await command(spec)
    }
  }

  /// Why this deliverer will not run the probe's check, or nil when it will: the address
  /// (checked again here, whatever row it came from) must be http(s) on a host the config
  /// allows, and a token goes only to the hosts the config names for it.
  func fence(_ spec: ProbeSpec) -> String? {
    guard spec.kind != .command else { return nil }
    let address: WebAddress
    switch WebAddress.parse(spec.target) {
    case .failure(let problem): return "not a usable address: \(problem.reason)"
    case .success(let parsed): address = parsed
    }
    if let refusal = policy.refusal(address: address) { return refusal }
    if let token = spec.tokenEnv ?? spec.tokenFile,
      !policy.mayReceiveToken(spec, address: address)
    {
      return "its token \(token) may go only to hosts [probes.token_hosts] names for it"
    }
    return nil
  }

  /// The bearer token a probe names, read now (never stored).
  func token(_ spec: ProbeSpec) -> Result<String?, SecretError> {
    if let refusal = policy.refusal(tokenEnv: spec.tokenEnv, tokenFile: spec.tokenFile) {
      return .failure(SecretError(reason: refusal))
    }
    if let variable = spec.tokenEnv {
      guard let value = environment[variable], !value.isEmpty else {
        return .failure(SecretError(reason: "$\(variable) is not set"))
      }
      return .success(value.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    if let file = spec.tokenFile {
      do {
        return .success(
          try SecretFile.readText(file, limit: 64 << 10, private: true)
            .trimmingCharacters(in: .whitespacesAndNewlines))
      } catch {
        return .failure(error)
      }
    }
    return .success(nil)
  }

  /// GETs the URL; the answer's start (256 KiB) is kept for `--contains`.
  private func get(_ url: String, spec: ProbeSpec) async -> (
    Result<(status: Int, body: String), Transport.Failure>, milliseconds: Int
  ) {
    var headers = [("User-Agent", "warroom-probe/1")]
    switch token(spec) {
    case .failure(let error): return (.failure(Transport.Failure(reason: error.reason)), 0)
    case .success(let token?): headers.append(("Authorization", "Bearer \(token)"))
    case .success(nil): break
    }
    let started = DispatchTime.now()
    // One deadline for the whole check, body included (as for a delivery): a service that
    // sends headers and then stalls, or drips a byte a second, is not answering.
    let result = await Transport.execute(
      WireRequest(method: "GET", url: url, headers: headers, body: Data()), client: client,
      timeout: TimeInterval(spec.timeoutSeconds))
    let milliseconds = Int(
      (DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
    return (
      result.map { ($0.status, String(decoding: $0.body, as: UTF8.self)) }, milliseconds
    )
  }

  private func http(_ spec: ProbeSpec) async -> ProbeReading {
    let (result, milliseconds) = await get(spec.target, spec: spec)
    switch result {
    case .failure(let failure):
      // Customers cannot reach it either: failing, not unknown.
      return ProbeReading(state: .failing, latencyMs: milliseconds, reason: failure.reason)
    case .success(let answer):
      let value = "\(answer.status) in \(milliseconds) ms"
      let number = Double(milliseconds)
      let expected = spec.expectStatus ?? 200
      var reason: String?
      if answer.status != expected {
        reason = "HTTP \(answer.status), expected \(expected)"
      } else if let max = spec.maxLatencyMs, milliseconds > max {
        reason = "took \(milliseconds) ms, more than \(max) ms"
      } else if let text = spec.contains, !answer.body.contains(text) {
        reason = "the answer does not contain \"\(text)\""
      }
      return ProbeReading(
        state: reason == nil ? .passing : .failing, value: value, number: number,
        latencyMs: milliseconds, reason: reason)
    }
  }

  /// `GET /api/v1/query?query=…`. Only a vector with a finite number is a reading: an empty
  /// result, NaN, an error status or anything else is unknown, never healthy.
  private func prometheus(_ spec: ProbeSpec) async -> ProbeReading {
    let url = Self.queryURL(base: spec.target, query: spec.query ?? "")
    let (result, milliseconds) = await get(url, spec: spec)
    switch result {
    case .failure(let failure):
      return ProbeReading(state: .unknown, latencyMs: milliseconds, reason: failure.reason)
    case .success(let answer):
      let reading = Self.readPrometheus(status: answer.status, body: answer.body, spec: spec)
      return ProbeReading(
        state: reading.state, value: reading.value, number: reading.number,
        latencyMs: milliseconds, reason: reading.reason)
    }
  }

  static func queryURL(base: String, query: String) -> String {
    var root = base
    while root.hasSuffix("/") { root.removeLast() }
    if !root.hasSuffix("/api/v1/query") { root += "/api/v1/query" }
    let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.~"))
    return root + "?query=" + (query.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
  }

  /// Reads a Prometheus answer (pure, for tests).
  static func readPrometheus(status: Int, body: String, spec: ProbeSpec) -> ProbeReading {
    guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
    else {
      return ProbeReading(
        state: .unknown, reason: "HTTP \(status): not a Prometheus answer (not JSON)")
    }
    guard object["status"] as? String == "success" else {
      let error = (object["error"] as? String).map { ": \($0)" } ?? ""
      return ProbeReading(state: .unknown, reason: "Prometheus error\(error)")
    }
    guard let data = object["data"] as? [String: Any],
      ["vector", "scalar"].contains(data["resultType"] as? String)
    else {
      return ProbeReading(state: .unknown, reason: "not an instant vector")
    }
    let sample: [Any]?
    if data["resultType"] as? String == "scalar" {
      sample = data["result"] as? [Any]
    } else {
      sample = ((data["result"] as? [[String: Any]])?.first)?["value"] as? [Any]
    }
    guard let pair = sample, pair.count == 2, let text = pair[1] as? String else {
      return ProbeReading(state: .unknown, reason: "no data (empty result)")
    }
    guard let number = Double(text), number.isFinite else {
      return ProbeReading(state: .unknown, value: text, reason: "no usable value (\(text))")
    }
    let shown = String(text.prefix(40))
    if let bound = spec.below {
      return number < bound
        ? ProbeReading(state: .passing, value: shown, number: number)
        : ProbeReading(
          state: .failing, value: shown, number: number, reason: "\(shown) is not below \(bound)")
    }
    let bound = spec.above ?? 0
    return number > bound
      ? ProbeReading(state: .passing, value: shown, number: number)
      : ProbeReading(
        state: .failing, value: shown, number: number, reason: "\(shown) is not above \(bound)")
  }

  /// Exit 0 is healthy; the first line of stdout is its value.
  private func command(_ spec: ProbeSpec) async -> ProbeReading {
    guard policy.allowCommands else {
      return ProbeReading(
        state: .unknown,
        reason:
          "command probes are off on this deliverer: allow_commands = true under [probes] in its config"
      )
    }
    if case .failure(let error) = token(spec) {
      return ProbeReading(state: .unknown, reason: error.reason)
    }
    let command = spec.target
    let timeout = TimeInterval(spec.timeoutSeconds)
    var environment = [
      "PATH": self.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
      "HOME": self.environment["HOME"] ?? "/", "LANG": "C.UTF-8", "WARROOM_PROBE": spec.name,
    ]
    if case .success(let token?) = token(spec) { environment["WARROOM_PROBE_TOKEN"] = token }
    let env = environment
    let result: Result<ChildProcess.Result, ChildProcess.LaunchError> =
      await withCheckedContinuation { continuation in
        Thread.detachNewThread {
          do throws(ChildProcess.LaunchError) {
            continuation.resume(
              returning: .success(
                try ChildProcess.shell(
                  command, environment: env, stdin: Data(), timeout: timeout, outputLimit: 4096)))
          } catch {
            continuation.resume(returning: .failure(error))
          }
        }
      }
    switch result {
    case .failure(let error): return ProbeReading(state: .unknown, reason: error.reason)
    case .success(let run):
      if run.timedOut {
        return ProbeReading(
          state: .unknown, reason: "no answer within \(DurationText.short(spec.timeoutSeconds))")
      }
      let line = Self.firstLine(run.stdout)
      let number = Double(line.trimmingCharacters(in: .whitespaces)).flatMap {
        $0.isFinite ? $0 : nil
      }
      if run.status == 0 {
        return ProbeReading(state: .passing, value: line.isEmpty ? nil : line, number: number)
      }
      let said = Self.firstLine(run.stderr)
      return ProbeReading(
        state: .failing, value: line.isEmpty ? nil : line, number: number,
        reason: "exit \(run.status)" + (said.isEmpty ? "" : ": \(said)"))
    }
  }

  static func firstLine(_ data: Data) -> String {
    let text = String(decoding: data.prefix(4096), as: UTF8.self)
    let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    return String(SafeText.oneLine(line).trimmingCharacters(in: .whitespaces).prefix(200))
  }
}
