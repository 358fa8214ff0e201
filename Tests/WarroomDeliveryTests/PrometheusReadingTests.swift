import Foundation
import Testing
import WarroomCore

@testable import WarroomDelivery

/// Prometheus answers of every shape: only a finite number is a reading; anything else is
/// unknown, never healthy.
@Suite("Prometheus readings")
struct PrometheusReadingTests {
  var spec: ProbeSpec {
    var spec = ProbeSpec(name: "errors", kind: .prometheus, target: "http://prom:9090")
    spec.query = "sum(rate(errors[5m]))"
    spec.below = 0.01
    return spec
  }

  func read(_ body: String, status: Int = 200, above: Double? = nil) -> ProbeReading {
    var spec = spec
    if let above {
      spec.below = nil
      spec.above = above
    }
    return ProbeChecker.readPrometheus(status: status, body: body, spec: spec)
  }

  func vector(_ value: String) -> String {
    #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1798000000.5,""#
      + value + #""]}]}}"#
  }

  @Test func aNumberIsComparedWithTheBound() {
    #expect(read(vector("0.002")) == ProbeReading(state: .passing, value: "0.002", number: 0.002))
    #expect(read(vector("0.5")).state == .failing)
    #expect(read(vector("0.5")).reason == "0.5 is not below 0.01")
    #expect(read(vector("0.5"), above: 0.1).state == .passing)
    #expect(read(vector("0.05"), above: 0.1).state == .failing)
    let scalar =
      #"{"status":"success","data":{"resultType":"scalar","result":[1798000000,"0.001"]}}"#
    #expect(read(scalar).state == .passing)
  }

  @Test func anythingElseIsUnknown() {
    for value in ["NaN", "+Inf", "-Inf", "abc", ""] {
      #expect(read(vector(value)).state == .unknown, "\(value)")
    }
    #expect(
      read(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#).reason
        == "no data (empty result)")
    #expect(
      read(#"{"status":"error","errorType":"bad_data","error":"parse error"}"#, status: 400)
        == ProbeReading(state: .unknown, reason: "Prometheus error: parse error"))
    #expect(read("<html>login</html>").reason == "HTTP 200: not a Prometheus answer (not JSON)")
    #expect(
      read(#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#).state == .unknown)
    #expect(read("[1,2,3]").state == .unknown)
  }

  @Test func theQueryIsEncodedOntoTheAPIPath() {
    #expect(
      ProbeChecker.queryURL(base: "http://prom:9090/", query: "up{job=\"api\"} == 1")
        == "http://prom:9090/api/v1/query?query=up%7Bjob%3D%22api%22%7D%20%3D%3D%201")
    #expect(
      ProbeChecker.queryURL(base: "http://prom:9090/api/v1/query", query: "up")
        == "http://prom:9090/api/v1/query?query=up")
  }
}

/// What a deliverer hands to probes: only `WARROOM_PROBE_…` variables and files in the
/// folder its config names, whatever a (planted) probe asks for.
@Suite("Probe policy")
struct ProbePolicyTests {
  @Test func aProbeGetsNoOtherSecretOfTheDeliverer() throws {
    let environment = ["SLACK_TOKEN": "xoxb-secret", "WARROOM_PROBE_PROM": "prom-token"]
    var spec = ProbeSpec(name: "p", kind: .http, target: "http://127.0.0.1:1/")
    spec.tokenEnv = "SLACK_TOKEN"
    let strict = ProbeChecker(policy: ProbePolicy(), environment: environment)
    guard case .failure(let refusal) = strict.token(spec) else {
      Issue.record("handed out SLACK_TOKEN")
      return
    }
    #expect(refusal.reason.contains("WARROOM_PROBE_"))
    spec.tokenEnv = "WARROOM_PROBE_PROM"
    #expect(try strict.token(spec).get() == "prom-token")
    spec.tokenEnv = nil
    spec.tokenFile = "/root/.ssh/id_rsa"
    #expect((try? strict.token(spec).get()) == nil)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "warroom-tokens-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("prom.token").path
    try "file-token\n".write(toFile: file, atomically: true, encoding: .utf8)
    chmod(file, 0o600)
    let allowing = ProbeChecker(policy: ProbePolicy(tokenDirectory: folder.path), environment: [:])
    spec.tokenFile = file
    #expect(try allowing.token(spec).get() == "file-token")
    // A link inside the folder that points out of it is not followed out.
    let link = folder.appendingPathComponent("escape").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/etc/hostname")
    spec.tokenFile = link
    #expect((try? allowing.token(spec).get()) == nil)
    Task { await strict.shutdown() }
    Task { await allowing.shutdown() }
  }

  @Test func theProbesTableReads() throws {
    let config = try DeliveryConfig.parse(
      "[probes]\nallow_commands = true\ntoken_dir = \"/etc/warroom/probe-tokens\"\n",
      path: "c.toml", environment: [:])
    #expect(
      config.probes == ProbePolicy(allowCommands: true, tokenDirectory: "/etc/warroom/probe-tokens")
    )
    #expect(throws: ConfigError.self) {
      try DeliveryConfig.parse("[probes]\nallow = 1\n", path: "c.toml", environment: [:])
    }
  }
}
