import Foundation
import Testing
import WarroomCore

@testable import WarroomDelivery

/// Alerts in: each sender's documented body read into alerts, each sender's credential
/// checked, and each alert routed. (The listener that serves them is the relay's.)
@Suite("Alert intake")
struct IntakeTests {
  /// Alertmanager's webhook, version 4, as its documentation describes it: two alerts of
  /// one group, nanosecond times, the never-ending `endsAt` Alertmanager sends.
  static let alertmanager = Data(
    #"""
    {"version":"4","groupKey":"{}/{severity=\"critical\"}:{alertname=\"CheckoutErrors\"}",
     "truncatedAlerts":0,"status":"firing","receiver":"warroom",
     "groupLabels":{"alertname":"CheckoutErrors"},
     "commonLabels":{"alertname":"CheckoutErrors","severity":"critical"},
     "commonAnnotations":{},"externalURL":"http://alertmanager:9093",
     "alerts":[
      {"status":"firing","labels":{"alertname":"CheckoutErrors","severity":"critical","instance":"checkout-1"},
       "annotations":{"summary":"5xx above 20% on checkout"},
       "startsAt":"2026-12-23T04:20:40.123456789Z","endsAt":"0001-01-01T00:00:00Z",
       "generatorURL":"http://prometheus:9090/graph?g0.expr=rate","fingerprint":"a1b2c3"},
      {"status":"resolved","labels":{"alertname":"CheckoutErrors","severity":"critical","instance":"checkout-2"},
       "annotations":{},"startsAt":"2026-12-23T04:19:00Z","endsAt":"2026-12-23T04:25:00Z",
       "generatorURL":"","fingerprint":"d4e5f6"}]}
    """#.utf8)

  /// A PagerDuty v3 webhook for a triggered incident of high urgency.
  static let pagerDuty = Data(
    #"""
    {"event":{"id":"5ac64822-4adc-4fda-ade0-410becf0de4f","event_type":"incident.triggered",
     "resource_type":"incident","occurred_at":"2026-12-23T04:21:00.000Z",
     "agent":{"summary":"Dana Oncall","type":"user_reference"},"client":{"name":"PagerDuty"},
     "data":{"id":"PT4KHLK","type":"incident","self":"https://api.pagerduty.com/incidents/PT4KHLK",
      "html_url":"https://acme.pagerduty.com/incidents/PT4KHLK","number":1234,"status":"triggered",
      "incident_key":"baf7cf21","created_at":"2026-12-23T04:21:00.000Z","title":"Checkout is down",
      "service":{"summary":"Checkout API","type":"service_reference"},"urgency":"high"}}}
    """#.utf8)

  @Test func alertmanagersGroupIsOneGroupWithEveryAlertInIt() throws {
    let alerts = try AlertPayloads.read(.alertmanager, body: Self.alertmanager)
    #expect(alerts.count == 2)
    #expect(Set(alerts.map(\.group)).count == 1, "one group: one incident")
    let first = try #require(alerts.first)
    #expect(first.name == "CheckoutErrors")
    #expect(first.status == .firing)
    #expect(first.description == "5xx above 20% on checkout")
    #expect(first.url == "http://prometheus:9090/graph?g0.expr=rate")
    // 04:20:40.123456789: Foundation keeps the milliseconds.
    let started = try #require(first.startedAt).timeIntervalSince1970
    #expect(abs(started - 1_797_999_640.123) < 0.0005, "\(started)")
    #expect(alerts[1].status == .resolved)
    #expect(alerts[1].url == nil)
  }

  @Test func withoutAGroupKeyEachAlertIsItsOwnGroup() throws {
    var json = try JSONSerialization.jsonObject(with: Self.alertmanager) as! [String: Any]
    json["groupKey"] = nil
    let alerts = try AlertPayloads.read(
      .grafana, body: JSONSerialization.data(withJSONObject: json))
    #expect(alerts.map(\.group) == ["a1b2c3", "d4e5f6"])
  }

  @Test func pagerDutyIncidentsAreAlertsAndOtherEventsAreNot() throws {
    let alerts = try AlertPayloads.read(.pagerduty, body: Self.pagerDuty)
    #expect(
      alerts == [
        Alert(
          source: .pagerduty, group: "PT4KHLK", name: "Checkout is down", status: .firing,
          labels: ["service": "Checkout API"], urgency: "high",
          startedAt: Date(timeIntervalSince1970: 1_797_999_660),
          url: "https://acme.pagerduty.com/incidents/PT4KHLK")
      ])
    let acknowledged = Data(
      String(decoding: Self.pagerDuty, as: UTF8.self)
        .replacingOccurrences(of: "incident.triggered", with: "incident.acknowledged").utf8)
    #expect(
      try AlertPayloads.read(.pagerduty, body: acknowledged).first?.acknowledgedBy == "Dana Oncall")
    let annotated = Data(
      String(decoding: Self.pagerDuty, as: UTF8.self)
        .replacingOccurrences(of: "incident.triggered", with: "incident.annotated").utf8)
    #expect(try AlertPayloads.read(.pagerduty, body: annotated).isEmpty)
  }

  @Test func aBodyThatIsNotTheFormatIsOneLineAndABigOneIsRefusedWhole() {
    let cases: [(Alert.Source, String, String)] = [
      (.alertmanager, #"{"version":"3","alerts":[]}"#, "version 3: warroom reads version 4"),
      (.alertmanager, #"{"version":"4"}"#, "alerts is missing"),
      (
        .generic, #"{"title":"x","dedup_key":"k","status":"burning"}"#,
        "neither firing nor resolved"
      ),
      (.generic, #"{"title":"x","status":"firing"}"#, "dedup_key is missing"),
      (.pagerduty, "not json", "not a PagerDuty v3 webhook"),
      (
        .grafana, #"{"alerts":[{"status":"firing","labels":{}}]}"#, "no groupKey and no fingerprint"
      ),
    ]
    for (source, body, reason) in cases {
      #expect(throws: IntakeRefusal.self) { try AlertPayloads.read(source, body: Data(body.utf8)) }
      do {
        _ = try AlertPayloads.read(source, body: Data(body.utf8))
      } catch {
        #expect(error.status == 400)
        #expect(error.reason.contains(reason), "\(error.reason)")
        #expect(!error.reason.contains("\n"))
      }
    }
    let big = Data(repeating: 0x20, count: AlertPayloads.largestBody + 1)
    do {
      _ = try AlertPayloads.read(.generic, body: big)
      Issue.record("a body over 1 MiB was read")
    } catch {
      #expect(error.status == 413)
    }
  }

  @Test func credentialsAreCheckedTheWayEachSenderSigns() {
    #expect(IntakeAuth.bearer("Bearer s3cret", token: "s3cret"))
    #expect(!IntakeAuth.bearer("Bearer s3cre", token: "s3cret"))
    #expect(!IntakeAuth.bearer("Basic s3cret", token: "s3cret"))
    #expect(IntakeAuth.bearer("bearer s3cret", token: "s3cret"))
    #expect(!IntakeAuth.bearer(nil, token: "s3cret"))
    #expect(!IntakeAuth.bearer("Bearer ", token: ""), "no token configured: nobody gets in")

    let body = Self.pagerDuty
    let good = "v1=" + IntakeAuth.hex(IntakeAuth.hmac(secret: "pd-secret", body))
    #expect(IntakeAuth.pagerDuty(good, body: body, secret: "pd-secret"))
    #expect(IntakeAuth.pagerDuty("v1=00ff, \(good)", body: body, secret: "pd-secret"))
    #expect(!IntakeAuth.pagerDuty("v1=00ff", body: body, secret: "pd-secret"))
    #expect(!IntakeAuth.pagerDuty(good, body: body + Data([0x20]), secret: "pd-secret"))
    #expect(
      !IntakeAuth.pagerDuty(
        good.replacingOccurrences(of: "v1=", with: "v0="), body: body, secret: "pd-secret"))

    let now = Date(timeIntervalSince1970: 1_798_000_000)
    let stamp = "1798000000"
    let signature = "v1=" + WireFormat.signature(secret: "g", timestamp: stamp, body: body)
    func generic(_ timestamp: String?, _ signature: String?, at: Date) -> Bool {
      IntakeAuth.warroomSignature(
        timestamp: timestamp, signature: signature, body: body, secret: "g", now: at)
    }
    #expect(generic(stamp, signature, at: now))
    #expect(generic(stamp, signature, at: now.addingTimeInterval(299)))
    #expect(!generic(stamp, signature, at: now.addingTimeInterval(301)), "too old: a replay")
    #expect(!generic(stamp, signature, at: now.addingTimeInterval(-301)), "from the future")
    #expect(!generic("1798000001", signature, at: now), "the timestamp is signed too")
    #expect(!generic("9223372036854775807", signature, at: now))
    #expect(!generic(nil, signature, at: now))
  }

  @Test func routingFollowsTheFirstRuleThatFitsElseTheDefaults() throws {
    let alerts = try AlertPayloads.read(.alertmanager, body: Self.alertmanager)
    let firing = alerts[0]
    // No rules: critical and firing declares a P1; resolved or not critical attaches.
    #expect(
      AlertRouting.route(firing, rules: [])
        == .declare(.p1, title: "CheckoutErrors: 5xx above 20% on checkout"))
    #expect(AlertRouting.route(alerts[1], rules: []) == .attach)
    var warning = firing
    warning.labels["severity"] = "warning"
    #expect(AlertRouting.route(warning, rules: []) == .attach)
    let paged = try AlertPayloads.read(.pagerduty, body: Self.pagerDuty)[0]
    #expect(AlertRouting.route(paged, rules: []) == .declare(.p1, title: "Checkout is down"))

    let rules = [
      IntakeRule(match: ["instance": "checkout-1", "severity": "critical"], action: .ignore),
      IntakeRule(
        match: ["source": "pagerduty", "urgency": "high"], action: .declare, severity: .p2,
        title: "{{labels.service}} paged: {{name}} & more"),
      IntakeRule(match: [:], action: .attach),
    ]
    #expect(AlertRouting.route(firing, rules: rules) == .ignore)
    #expect(
      AlertRouting.route(paged, rules: rules)
        == .declare(.p2, title: "Checkout API paged: Checkout is down & more"))
    #expect(AlertRouting.route(warning, rules: rules) == .attach)
    #expect(AlertRouting.checkTemplate("{{#labels}}") != nil)
  }

  @Test func aTitleFromAnAlertIsOneInertLine() {
    let alert = Alert(
      source: .generic, group: "k", name: "evil\u{1B}]0;x\u{07}\nname", status: .firing,
      labels: ["severity": "critical"], description: String(repeating: "d", count: 500))
    guard case .declare(_, let title) = AlertRouting.route(alert, rules: []) else {
      Issue.record("a critical firing alert did not declare")
      return
    }
    #expect(!title.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    #expect(title.count <= 200)
  }
}
