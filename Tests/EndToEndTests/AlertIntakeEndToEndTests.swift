import Crypto
import Foundation
import GRDB
import Testing
import WarroomTestSupport

/// Alerts into the war room for real: `warroom relay --listen` on 127.0.0.1, posted to by
/// each sender's documented body (and by a real Alertmanager where the machine has one),
/// with wrong credentials, repeats and redeliveries.
@Suite("Alerts in, end to end", .serialized)
struct AlertIntakeEndToEndTests {
  let folder: TemporaryFolder
  let store: String

  static let token = "am-token-7f3"
  static let pagerDutySecret = "pd-secret-19"
  static let genericSecret = "generic-secret-42"

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("w.db")
  }

  var environment: [String: String] {
    [
      "WARROOM_STORE": store, "AM_TOKEN": Self.token, "PD_SECRET": Self.pagerDutySecret,
      "GENERIC_SECRET": Self.genericSecret,
    ]
  }

  func writeConfig(_ extra: String = "") throws -> String {
    let path = folder.path("config.toml")
    try """
    [intake]
    token_env = "AM_TOKEN"
    pagerduty_secret_env = "PD_SECRET"
    generic_secret_env = "GENERIC_SECRET"
    \(extra)
    """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// A relay listening on a port the system chose; returns it with the port.
  func relay(_ config: String) throws -> (BackgroundProcess, Int) {
    let process = try WarroomBinary.background(
      ["relay", "--config", config, "--listen", "127.0.0.1:0"], environment: environment,
      outputPath: folder.path("relay.out"))
    var port: Int?
    _ = BackgroundProcess.wait(atMost: 30, every: 0.05) {
      port = Self.port(in: process.output)
      return port != nil || !process.isRunning
    }
    guard let port else {
      throw LoopbackHTTP.Failure(description: "the relay did not listen: \(process.output)")
    }
    return (process, port)
  }

  static func port(in output: String) -> Int? {
    guard let range = output.range(of: "listening for alerts on http://127.0.0.1:") else {
      return nil
    }
    return Int(output[range.upperBound...].prefix { $0.isNumber })
  }

  @discardableResult
  func warroom(_ arguments: String...) throws -> WarroomBinary.Result {
    try WarroomBinary.run(arguments, environment: environment, timeout: 60)
  }

  func eventCount() throws -> Int {
    try DatabaseQueue(path: store).read {
      try Int.fetchOne($0, sql: "SELECT count(*) FROM events") ?? 0
    }
  }

  func status(_ incident: String) throws -> [String: Any] {
    let result = try warroom("status", "--json", "--incident", incident)
    #expect(result.status == 0, "\(result.stderr)")
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
  }

  // MARK: - Bodies, as each sender's documentation shows them

  static func alertmanager(
    group: String = "{}/{severity=\"critical\"}:{alertname=\"CheckoutErrors\"}",
    status: String = "firing", severity: String = "critical"
  ) throws -> Data {
    let endsAt = status == "firing" ? "0001-01-01T00:00:00Z" : "2026-12-23T04:31:00Z"
    let object: [String: Any] = [
      "version": "4", "groupKey": group, "truncatedAlerts": 0, "status": status,
      "receiver": "warroom", "groupLabels": ["alertname": "CheckoutErrors"],
      "commonLabels": ["alertname": "CheckoutErrors", "severity": severity],
      "commonAnnotations": [:] as [String: String], "externalURL": "http://alertmanager:9093",
      "alerts": [
        [
          "status": status,
          "labels": ["alertname": "CheckoutErrors", "severity": severity, "service": "checkout"],
          "annotations": ["summary": "5xx above 20% on checkout"],
          "startsAt": "2026-12-23T04:20:40.123456789Z", "endsAt": endsAt,
          "generatorURL": "http://prometheus:9090/graph?g0.expr=rate", "fingerprint": "a1b2c3",
        ]
      ],
    ]
    return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
  }

  static let grafana = Data(
    #"""
    {"receiver":"warroom","status":"firing","orgId":1,
     "alerts":[{"status":"firing","labels":{"alertname":"CheckoutLatency","severity":"warning","grafana_folder":"shop"},
       "annotations":{"summary":"p99 above 2s"},"startsAt":"2026-12-23T04:22:00Z","endsAt":"0001-01-01T00:00:00Z",
       "generatorURL":"http://grafana:3000/alerting/grafana/abc/view","fingerprint":"57c6d9296de2ad39",
       "silenceURL":"http://grafana:3000/alerting/silence/new","dashboardURL":"","panelURL":"","values":{"B":2.4}}],
     "groupLabels":{"alertname":"CheckoutLatency"},"commonLabels":{"alertname":"CheckoutLatency"},
     "commonAnnotations":{},"externalURL":"http://grafana:3000/","version":"1",
     "groupKey":"{}:{alertname=\"CheckoutLatency\"}","truncatedAlerts":0,"orgId":1,
     "title":"[FIRING:1] CheckoutLatency","state":"alerting","message":"p99 above 2s"}
    """#.utf8)

  static let pagerDuty = Data(
    #"""
    {"event":{"id":"5ac64822-4adc-4fda-ade0-410becf0de4f","event_type":"incident.triggered",
     "resource_type":"incident","occurred_at":"2026-12-23T04:21:00.000Z",
     "agent":{"summary":"Dana Oncall","type":"user_reference"},"client":{"name":"PagerDuty"},
     "data":{"id":"PT4KHLK","type":"incident","self":"https://api.pagerduty.com/incidents/PT4KHLK",
      "html_url":"https://acme.pagerduty.com/incidents/PT4KHLK","number":1234,"status":"triggered",
      "incident_key":"baf7cf21","created_at":"2026-12-23T04:21:00.000Z","title":"Payments are down",
      "service":{"summary":"Payments API","type":"service_reference"},"urgency":"high"}}}
    """#.utf8)

  static let generic = Data(
    #"{"title":"Queue backlog","severity":"warning","dedup_key":"queue-7","status":"firing","description":"orders queue above 10k","url":"https://grafana.example.com/d/queue"}"#
      .utf8)

  static func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
  }

  static func pagerDutySignature(_ body: Data, secret: String = pagerDutySecret) -> String {
    let code = HMAC<SHA256>.authenticationCode(
      for: body, using: SymmetricKey(data: Data(secret.utf8)))
    return "v1=" + hex(code)
  }

  static func genericHeaders(_ body: Data, at: Date = Date(), secret: String = genericSecret)
    -> [String: String]
  {
    let timestamp = String(Int(at.timeIntervalSince1970))
    let code = HMAC<SHA256>.authenticationCode(
      for: Data(timestamp.utf8) + Data(".".utf8) + body,
      using: SymmetricKey(data: Data(secret.utf8)))
    return ["X-Warroom-Timestamp": timestamp, "X-Warroom-Signature": "v1=" + hex(code)]
  }

  // MARK: - Tests

  @Test func everySenderDeclaresOrJoinsThroughTheListener() throws {
    let (relay, port) = try relay(try writeConfig())
    defer { relay.stop() }
    let bearer = ["Authorization": "Bearer \(Self.token)"]

    let declared = try LoopbackHTTP.post(
      port: port, path: "/v1/alerts/alertmanager", headers: bearer, body: try Self.alertmanager())
    #expect(declared.status == 202, "\(declared.body)")
    #expect(declared.body.contains("declared INC-1"))
    // A warning from Grafana joins the open incident as a finding.
    let joined = try LoopbackHTTP.post(
      port: port, path: "/v1/alerts/grafana", headers: bearer, body: Self.grafana)
    #expect(joined.status == 202 && joined.body.contains("INC-1"), "\(joined.body)")

    let one = try status("INC-1")
    #expect(one["declaredFrom"] as? String == "alertmanager: CheckoutErrors")
    let alerts = one["alerts"] as? [[String: Any]] ?? []
    #expect(alerts.count == 2)
    for alert in alerts {
      #expect(Set(alert.keys).isSuperset(of: ["source", "name", "status", "since", "url"]))
    }
    #expect(alerts.map { $0["source"] as? String }.contains("grafana"))
    let first = alerts.first { $0["source"] as? String == "alertmanager" }
    #expect(first?["name"] as? String == "CheckoutErrors")
    #expect(first?["status"] as? String == "firing")
    #expect(first?["since"] as? String == "2026-12-23T04:20:40.123Z")
    #expect(first?["url"] as? String == "http://prometheus:9090/graph?g0.expr=rate")

    // PagerDuty, high urgency, signed: its own incident.
    let paged = try LoopbackHTTP.post(
      port: port, path: "/v1/alerts/pagerduty",
      headers: ["X-PagerDuty-Signature": "v1=0000,\(Self.pagerDutySignature(Self.pagerDuty))"],
      body: Self.pagerDuty)
    #expect(paged.status == 202 && paged.body.contains("declared INC-2"), "\(paged.body)")
    // A signed generic warning joins the newest open incident.
    let generic = try LoopbackHTTP.post(
      port: port, path: "/v1/alerts/generic", headers: Self.genericHeaders(Self.generic),
      body: Self.generic)
    #expect(generic.status == 202 && generic.body.contains("INC-2"), "\(generic.body)")
    let two = try status("INC-2")
    #expect((two["alerts"] as? [[String: Any]])?.count == 2)
    #expect(two["title"] as? String == "Payments are down")

    // The resolution is a finding in the log, and the alert shows resolved.
    let resolved = try LoopbackHTTP.post(
      port: port, path: "/v1/alerts/alertmanager", headers: bearer,
      body: try Self.alertmanager(status: "resolved"))
    #expect(resolved.status == 202, "\(resolved.body)")
    let export = try warroom("export", "--incident", "INC-1")
    #expect(export.stdout.contains("alert CheckoutErrors resolved at 04:31 UTC (alertmanager)"))
    let after = try status("INC-1")
    let checkout = (after["alerts"] as? [[String: Any]])?.first {
      $0["name"] as? String == "CheckoutErrors"
    }
    #expect(checkout?["status"] as? String == "resolved")
    #expect(relay.output.contains("relay: alerts: stored 1 alert in INC-1 (declared INC-1)"))
  }

  @Test func wrongCredentialsAndBadBodiesAreRefusedAndNothingIsStored() throws {
    let (relay, port) = try relay(try writeConfig())
    defer { relay.stop() }
    let body = try Self.alertmanager()
    func post(_ source: String, _ headers: [String: String], _ body: Data) throws
      -> LoopbackHTTP.Response
    {
      try LoopbackHTTP.post(port: port, path: "/v1/alerts/\(source)", headers: headers, body: body)
    }
    #expect(try post("alertmanager", [:], body).status == 401)
    #expect(try post("alertmanager", ["Authorization": "Bearer wrong"], body).status == 401)
    #expect(try post("alertmanager", ["Authorization": "Basic \(Self.token)"], body).status == 401)
    #expect(
      try post("grafana", ["Authorization": "Bearer \(Self.token)x"], Self.grafana).status == 401)
    #expect(
      try post(
        "pagerduty",
        ["X-PagerDuty-Signature": Self.pagerDutySignature(Self.pagerDuty, secret: "other")],
        Self.pagerDuty
      ).status == 401)
    // Signed for another body: a changed body fails its signature.
    #expect(
      try post(
        "pagerduty", ["X-PagerDuty-Signature": Self.pagerDutySignature(Self.generic)],
        Self.pagerDuty
      ).status == 401)
    let stale = Date().addingTimeInterval(-6 * 60)
    #expect(
      try post("generic", Self.genericHeaders(Self.generic, at: stale), Self.generic).status == 401)
    let notJSON = try post(
      "alertmanager", ["Authorization": "Bearer \(Self.token)"], Data("{".utf8))
    #expect(notJSON.status == 400)
    #expect(notJSON.body.split(separator: "\n").count == 1, "one line: \(notJSON.body)")
    let version3 = try post(
      "alertmanager", ["Authorization": "Bearer \(Self.token)"],
      Data(
        String(decoding: body, as: UTF8.self).replacingOccurrences(
          of: "\"version\":\"4\"", with: "\"version\":\"3\""
        ).utf8))
    #expect(version3.status == 400 && version3.body.contains("version 3"), "\(version3.body)")
    let huge = Data(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
    #expect(try post("alertmanager", ["Authorization": "Bearer \(Self.token)"], huge).status == 413)
    #expect(try LoopbackHTTP.get(port: port, path: "/healthz").status == 200)
    #expect(try post("nagios", ["Authorization": "Bearer \(Self.token)"], body).status == 404)
    // Nothing reached the store: it was never even created.
    #expect(!FileManager.default.fileExists(atPath: store), "\(relay.output)")
    #expect(relay.isRunning)
  }

  @Test func twentyRepeatsAndARedeliveryStoreNothingNew() throws {
    let (relay, port) = try relay(try writeConfig())
    defer { relay.stop() }
    let bearer = ["Authorization": "Bearer \(Self.token)"]
    let first = try LoopbackHTTP.post(
      port: port, path: "/v1/alerts/alertmanager", headers: bearer, body: try Self.alertmanager())
    #expect(first.status == 202)
    let events = try eventCount()
    // Alertmanager repeats the group every repeat_interval...
    for _ in 1...20 {
      let again = try LoopbackHTTP.post(
        port: port, path: "/v1/alerts/alertmanager", headers: bearer, body: try Self.alertmanager())
      #expect(again.status == 200 && again.body.contains("already known"), "\(again.body)")
    }
    // ...and PagerDuty redelivers a request whose answer it did not get.
    let headers = ["X-PagerDuty-Signature": Self.pagerDutySignature(Self.pagerDuty)]
    let paged = try LoopbackHTTP.post(
      port: port, path: "/v1/alerts/pagerduty", headers: headers, body: Self.pagerDuty)
    #expect(paged.status == 202)
    let withPage = try eventCount()
    #expect(withPage > events)
    let redelivered = try LoopbackHTTP.post(
      port: port, path: "/v1/alerts/pagerduty", headers: headers, body: Self.pagerDuty)
    #expect(redelivered.status == 200, "\(redelivered.body)")
    #expect(try eventCount() == withPage)
    #expect(try warroom("store", "verify").status == 0)
  }

  @Test func aListenAddressNoSocketCanHaveIsOneLine() throws {
    let config = try writeConfig()
    for bad in [
      "127.0.0.1:65536", "127.0.0.1:-1", "nohostport", "[::1]:99999", ":80",
      "127.0.0.1:9223372036854775807",
    ] {
      let result = try warroom("relay", "--config", config, "--listen", bad)
      #expect(result.status == 64, "\(bad): \(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count <= 2, "\(bad): \(result.stderr)")
    }
    // A port another program holds: one line, exit 1, at start.
    let (first, port) = try relay(config)
    defer { first.stop() }
    let second = try warroom("relay", "--config", config, "--listen", "127.0.0.1:\(port)")
    #expect(second.status == 1)
    #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(port)"), "\(second.stderr)")
  }

  // MARK: - A real Alertmanager (Debian's prometheus-alertmanager)

  static let alertmanagerBinary = ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  @Test(
    .enabled(
      if: alertmanagerBinary != nil || ProcessInfo.processInfo.environment["CI"] == "true",
      "needs Debian's prometheus-alertmanager"))
  func aRealAlertmanagerDeclaresTheIncident() throws {
    let binary = try #require(Self.alertmanagerBinary, "prometheus-alertmanager is not installed")
    let (relay, port) = try relay(try writeConfig())
    defer { relay.stop() }
    let amPort = try FreePort.pick()
    let configPath = folder.path("alertmanager.yml")
    try """
    route:
      receiver: warroom
      group_by: ['alertname']
      group_wait: 1s
      group_interval: 2s
      repeat_interval: 2s
    receivers:
      - name: warroom
        webhook_configs:
          - url: http://127.0.0.1:\(port)/v1/alerts/alertmanager
            send_resolved: true
            http_config:
              authorization:
                credentials: \(Self.token)
    """.write(toFile: configPath, atomically: true, encoding: .utf8)
    let alertmanager = try BackgroundProcess(
      [
        binary, "--config.file=\(configPath)", "--storage.path=\(folder.path("am-data"))",
        "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address=",
      ], environment: ProcessInfo.processInfo.environment, outputPath: folder.path("am.out"))
    defer { alertmanager.stop() }
    let alert = Data(
      #"[{"labels":{"alertname":"CheckoutErrors","severity":"critical","service":"checkout"},"annotations":{"summary":"5xx above 20%"},"generatorURL":"http://prometheus:9090/graph"}]"#
        .utf8)
    // Alertmanager takes a moment to listen; its API answers 200 once it takes alerts.
    let accepted = BackgroundProcess.wait(atMost: 30, every: 0.2) {
      (try? LoopbackHTTP.post(
        port: amPort, path: "/api/v2/alerts", headers: ["Content-Type": "application/json"],
        body: alert, timeout: 5))?.status == 200
    }
    #expect(accepted, "\(alertmanager.output)")
    let declared = BackgroundProcess.wait(atMost: 60, every: 0.2) {
      FileManager.default.fileExists(atPath: store)
        && (try? warroom("status", "--json", "--incident", "INC-1").status) == 0
    }
    #expect(declared, "relay: \(relay.output)\nalertmanager: \(alertmanager.output)")
    // Its repeats (every 2 s here) store nothing new.
    let events = try eventCount()
    Thread.sleep(forTimeInterval: 5)
    #expect(try eventCount() == events, "\(relay.output)")
    #expect(
      relay.output.components(separatedBy: "relay: alerts: stored").count == 2, "\(relay.output)")
    let incident = try status("INC-1")
    #expect(incident["declaredFrom"] as? String == "alertmanager: CheckoutErrors")
    #expect(try warroom("status", "--json", "--incident", "INC-2").status != 0, "one incident")
  }
}
