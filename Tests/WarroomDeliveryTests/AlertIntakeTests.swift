import Foundation
import Testing
import WarroomCore
import WarroomStore
import WarroomTestSupport

@testable import WarroomDelivery

/// Alerts into a real store (SQLite): where each goes, and that repeats, redeliveries and
/// a second relay store nothing twice.
@Suite("Alerts into the store")
struct AlertIntakeTests {
  let folder: TemporaryFolder
  let store: SQLiteEventStore
  let now = Date(timeIntervalSince1970: 1_798_000_000)

  init() throws {
    folder = try TemporaryFolder()
    store = try SQLiteEventStore(path: folder.path("store.db"))
  }

  static func alert(
    _ name: String = "CheckoutErrors", group: String = "g1", key: String? = nil,
    status: AlertStatus = .firing, severity: String = "critical", startedAt: Date? = nil,
    endedAt: Date? = nil, source: Alert.Source = .alertmanager
  ) -> Alert {
    Alert(
      source: source, group: group, key: key, name: name, status: status,
      labels: ["severity": severity, "service": "checkout"],
      startedAt: startedAt ?? Date(timeIntervalSince1970: 1_797_999_640), endedAt: endedAt,
      url: "http://prometheus:9090/graph", description: "5xx above 20%")
  }

  func eventCount() throws -> Int { try store.events(after: 0, incident: nil, limit: nil).count }

  @Test func aCriticalAlertDeclaresAndItsRepeatsStoreNothing() throws {
    let recorder = IntakeRecorder(store: store, rules: [])
    let first = try recorder.record([Self.alert()], at: now)
    #expect(first.declared == [IncidentID(number: 1)])
    #expect(first.stored == 1)
    let afterFirst = try eventCount()
    // Alertmanager repeats the group every repeat_interval; a sender retries a request
    // whose answer it lost. Neither stores anything new.
    for repeatNumber in 1...20 {
      let again = try recorder.record(
        [Self.alert()], at: now.addingTimeInterval(Double(repeatNumber)))
      #expect(again.stored == 0 && again.repeated == 1 && again.declared.isEmpty)
    }
    // A relay that restarted (nothing in memory) knows it from the store alone.
    let restarted = IntakeRecorder(store: store, rules: [])
    #expect(try restarted.record([Self.alert()], at: now).stored == 0)
    #expect(try eventCount() == afterFirst)

    let state = try store.load(IncidentID(number: 1))
    #expect(state.declaredFrom == "alertmanager: CheckoutErrors")
    #expect(state.declaredBy == "alertmanager")
    #expect(state.title == "CheckoutErrors: 5xx above 20%")
    #expect(!state.isStepDone(0), "confirming it is a P1 stays a person's step")
    #expect(state.alerts.count == 1)
    #expect(
      state.log.map(\.text) == [
        "alert CheckoutErrors firing (alertmanager) since 04:20 UTC: 5xx above 20%"
      ])
    #expect(state.log.first?.kind == .finding)
  }

  @Test func aResolvedAlertIsAFindingAndTheAlertShowsResolvedSinceItsEnd() throws {
    let recorder = IntakeRecorder(store: store, rules: [])
    _ = try recorder.record([Self.alert()], at: now)
    let ended = Date(timeIntervalSince1970: 1_798_000_300)  // 04:31:40 UTC
    let outcome = try recorder.record(
      [Self.alert(status: .resolved, endedAt: ended)], at: now.addingTimeInterval(400))
    #expect(outcome.stored == 1)
    let state = try store.load(IncidentID(number: 1))
    #expect(state.log.last?.text == "alert CheckoutErrors resolved at 04:31 UTC (alertmanager)")
    #expect(state.alerts.first?.status == .resolved)
    #expect(state.alerts.first?.since == ended)
    // Firing again after it resolved is news; the same resolution again is not.
    #expect(
      try recorder.record([Self.alert(status: .resolved, endedAt: ended)], at: now).stored == 0)
    let again = try recorder.record([Self.alert()], at: now.addingTimeInterval(500))
    #expect(again.stored == 1)
    #expect(try store.load(IncidentID(number: 1)).log.last?.text.contains("firing again") == true)
  }

  @Test func aGroupStaysWithItsIncidentAndAnotherCriticalGroupDeclaresAnother() throws {
    let recorder = IntakeRecorder(store: store, rules: [])
    _ = try recorder.record([Self.alert(key: "a")], at: now)
    // A second alert of the same group, even a warning, joins the same incident.
    let sameGroup = try recorder.record(
      [Self.alert("Latency", key: "b", severity: "warning")], at: now)
    #expect(sameGroup.incidents == [IncidentID(number: 1)] && sameGroup.declared.isEmpty)
    let otherGroup = try recorder.record([Self.alert("DiskFull", group: "g2")], at: now)
    #expect(otherGroup.declared == [IncidentID(number: 2)])
    #expect(
      try store.load(IncidentID(number: 1)).alerts.map(\.name) == ["CheckoutErrors", "Latency"])
  }

  /// Two hundred instances down in one group: five findings in the log, every alert on
  /// the Alerts page and in the timeline, and the people's entries not buried.
  @Test func aBigGroupPutsAFewFindingsInTheLogAndEveryAlertOnThePage() throws {
    let recorder = IntakeRecorder(store: store, rules: [])
    let alerts = (1...200).map { Self.alert("InstanceDown", key: "instance-\($0)") }
    let outcome = try recorder.record(alerts, at: now)
    #expect(outcome.stored == 200)
    var state = try store.load(IncidentID(number: 1))
    #expect(state.alerts.count == 200)
    #expect(state.log.count == AlertReceived.loggedPerGroup)
    #expect(state.timeline.last?.summary.contains("shown on the Alerts page only") == true)
    // Their resolution: again a few lines, not two hundred.
    _ = try recorder.record(
      (1...200).map { Self.alert("InstanceDown", key: "instance-\($0)", status: .resolved) },
      at: now)
    state = try store.load(IncidentID(number: 1))
    #expect(state.log.count == 2 * AlertReceived.loggedPerGroup)
    #expect(state.alerts.allSatisfy { $0.status == .resolved })
  }

  @Test func aWarningWithNoIncidentWaitsAndJoinsTheNextOneDeclared() throws {
    let recorder = IntakeRecorder(store: store, rules: [])
    let outcome = try recorder.record([Self.alert("Latency", severity: "warning")], at: now)
    #expect(outcome.waiting == 1 && outcome.stored == 0)
    #expect(try store.incidentIDs().isEmpty, "a warning declares nothing")
    #expect(try recorder.attachWaiting(at: now) == nil, "no incident yet")
    let declared = try store.declare(Declared(title: "checkout slow"), actor: "dana", at: now)
    let joined = try #require(try recorder.attachWaiting(at: now))
    #expect(joined.incidents == [declared] && joined.stored == 1)
    #expect(recorder.waiting.isEmpty)
    #expect(try store.load(declared).alerts.map(\.name) == ["Latency"])
  }

  @Test func afterItsIncidentIsResolvedAGroupDeclaresAnewAndItsOldEndIsIgnored() throws {
    let recorder = IntakeRecorder(store: store, rules: [])
    _ = try recorder.record([Self.alert()], at: now)
    var state = try store.load(IncidentID(number: 1))
    try store.write(to: &state, actor: "dana", at: now) { _ in
      [.resolved(Resolved(forcedReason: "test"))]
    }
    #expect(try recorder.record([Self.alert(status: .resolved)], at: now).ignored == 1)
    let again = try recorder.record([Self.alert(startedAt: now)], at: now.addingTimeInterval(60))
    #expect(again.declared == [IncidentID(number: 2)])
  }

  @Test func twoRelaysGivenTheSameNewGroupDeclareOnce() throws {
    // Two relays (Alertmanager in a cluster notifies each) see the same store: the
    // declaration's request id is the group's next incident, the same in both.
    let one = IntakeRecorder(store: store, rules: [])
    let other = IntakeRecorder(store: store, rules: [])
    let first = try one.record([Self.alert()], at: now)
    let second = try other.record([Self.alert()], at: now)
    #expect(first.declared == [IncidentID(number: 1)])
    #expect(second.stored == 0)
    #expect(try store.incidentIDs() == [IncidentID(number: 1)])
  }

  @Test func rulesDecideInOrder() throws {
    let rules = [
      IntakeRule(match: ["service": "checkout", "severity": "info"], action: .ignore),
      IntakeRule(
        match: ["source": "grafana"], action: .declare, severity: .p2,
        title: "{{labels.service}} down ({{name}})"),
    ]
    let recorder = IntakeRecorder(store: store, rules: rules)
    #expect(try recorder.record([Self.alert(severity: "info")], at: now).ignored == 1)
    let grafana = try recorder.record(
      [Self.alert("Probe", group: "gf", severity: "warning", source: .grafana)], at: now)
    let id = try #require(grafana.declared.first)
    let state = try store.load(id)
    #expect(state.severity == .p2 && state.title == "checkout down (Probe)")
  }

  @Test func hostileTextFromASenderIsStoredInert() throws {
    var alert = Self.alert("\u{1B}]52;c;cGF3bmVk\u{07}Boom\u{9B}2J")
    alert.url = "javascript:alert(1)"
    alert.description = String(repeating: "x", count: 5000)
    _ = try IntakeRecorder(store: store, rules: []).record([alert], at: now)
    let state = try store.load(IncidentID(number: 1))
    let record = try #require(state.alerts.first)
    #expect(!record.name.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B })
    #expect(record.url == nil, "only http(s) links are kept")
    #expect(state.log[0].text.count < 800, "a summary is held to a line")
  }
}
