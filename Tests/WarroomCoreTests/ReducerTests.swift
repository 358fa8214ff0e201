import Foundation
import Testing

@testable import WarroomCore

@Suite("Reducer: events fold into state")
struct ReducerTests {
  @Test func declarationSetsTheIncident() {
    let story = Story(
      Declared(title: "DB down", severity: .p2, cadence: 20 * 60, ticket: "IM-9", channel: "#db"),
      by: "bob")
    let state = story.state
    #expect(state.isDeclared)
    #expect(state.title == "DB down")
    #expect(state.severity == .p2)
    #expect(state.cadence == 1200)
    #expect(state.declaredBy == "bob")
    #expect(state.declaredAt == Story.start)
    #expect(state.status == .investigating)
    #expect(state.lastSeq == 1)
    // Ticket and channel given at declaration prove steps 2 and 3.
    #expect(state.isStepDone(1) && state.isStepDone(2))
    #expect(state.stepMark(1) == Mark(by: "bob", at: Story.start))
    #expect(state.completedStepCount == 2)
    #expect(state.nextStepIndex == 0)
  }

  @Test func logEntriesKeepKindAuthorAndTime() throws {
    var story = Story()
    story.advance(minutes: 2)
    try story.send(.log(.note, "users see 502s"), by: "rec")
    try story.send(.log(.manualChange, "restarted api-3"), by: "ic1")
    let log = story.state.log
    #expect(log.map(\.number) == [1, 2])
    #expect(log.map(\.kind) == [.note, .manualChange])
    #expect(log.map(\.text) == ["users see 502s", "restarted api-3"])
    #expect(log.map(\.by) == ["rec", "ic1"])
    #expect(log.allSatisfy { $0.at == story.now && $0.corrections.isEmpty && $0.struck == nil })
    #expect(story.state.manualChangeCount == 1)
    #expect(
      story.state.timeline.map(\.summary).suffix(2) == [
        "users see 502s", "[MANUAL CHANGE] restarted api-3",
      ])
  }

  @Test func singleHolderRolesAreHandedOver() throws {
    var story = Story()
    try story.send(.assignRole(.lead, "alice"))
    let events = try story.send(.assignRole(.lead, "carol"))
    #expect(
      events == [
        .roleReleased(RoleChange(role: .lead, person: "alice")),
        .roleAssigned(RoleChange(role: .lead, person: "carol")),
      ])
    #expect(story.state.roles.holders(of: .lead) == ["carol"])
    #expect(story.state.roles.history.map(\.person) == ["alice", "alice", "carol"])
    try story.send(.assignRole(.ic, "dan"))
    try story.send(.assignRole(.ic, "erin"))
    #expect(story.state.roles.holders(of: .ic) == ["dan", "erin"])
    try story.send(.releaseRole(.ic, "dan"))
    #expect(story.state.roles.holders(of: .ic) == ["erin"])
    // One person may hold several roles.
    try story.send(.assignRole(.recorder, "carol"))
    #expect(story.state.roles.roles(of: "carol") == [.lead, .recorder])
  }

  @Test func experimentsMoveThroughTheirStates() throws {
    var story = Story()
    try story.send(
      .proposeExperiment(
        hypothesis: "pool exhausted", change: "raise pool", owner: "dan", target: "db"))
    try story.send(.startExperiment(1))
    story.advance(minutes: 5)
    try story.send(.concludeExperiment(1, .refuted, "pool at 40%"))
    let experiment = try #require(story.state.experiments.first)
    #expect(experiment.state == .concluded)
    #expect(experiment.outcome == .refuted)
    #expect(experiment.result == "pool at 40%")
    #expect(experiment.endedAt == story.now)
    #expect(story.state.isStepDone(5))  // "run isolated experiments" proven by a conclusion
  }

  @Test func unknownEventsAreSkippedAndCounted() {
    var story = Story()
    story.record(.unknown(type: "pager-escalated", payload: #"{"level":2}"#), by: "bot")
    #expect(
      story.state.skipped == [
        SkippedEvent(seq: 2, type: "pager-escalated", reason: "written by a newer warroom")
      ])
    #expect(story.state.lastSeq == 2)
    #expect(story.state.timeline.count == 1)
  }

  @Test func eventsOfAnotherIncidentAreIgnored() {
    var state = IncidentState(id: IncidentID(number: 2))
    Reducer.apply(
      EventEnvelope(
        seq: 1, incident: IncidentID(number: 1), at: Story.start, actor: "a",
        event: .declared(Declared(title: "x"))), to: &state)
    #expect(!state.isDeclared)
  }

  @Test func payloadsAreCompactJSONInDeclarationOrder() {
    #expect(
      Event.logged(LogAdded(kind: .manualChange, text: "a\"b")).payloadJSON()
        == #"{"kind":"manual-change","text":"a\"b"}"#)
    #expect(Event.mitigated().payloadJSON() == "{}")
    #expect(
      Event.experimentProposed(ExperimentProposed(id: 3, hypothesis: "h", target: "db"))
        .payloadJSON() == #"{"id":3,"hypothesis":"h","target":"db"}"#)
  }

  @Test(arguments: [
    "plain", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{0}\u{1B}[2J\u{7F}\u{9B}",
    "数据库 🔥 e\u{301} \u{202E}", "",
  ])
  func anyTextSurvivesTheStoredForm(text: String) throws {
    let event = Event.logged(LogAdded(kind: .note, text: text))
    #expect(try Event(typeName: event.typeName, payloadJSON: event.payloadJSON()) == event)
    let json = event.payloadJSON()
    #expect(!json.unicodeScalars.contains { $0.value < 0x20 })  // controls are escaped
  }

  /// Generated from the vocabulary: every kind, through its stored form and back.
  @Test(arguments: EventKind.allCases)
  func everyKindRoundTripsThroughItsStoredForm(kind: EventKind) throws {
    let event = Self.sample(kind)
    #expect(event.parts?.kind == kind)
    #expect(event.typeName == kind.rawValue)
    let decoded = try Event(typeName: event.typeName, payloadJSON: event.payloadJSON())
    #expect(decoded == event)
    #expect(Event.stored(type: kind.rawValue, payload: event.payloadJSON()) == event)
    // A payload of another shape is unreadable, never a different event.
    guard case .unreadable = Event.stored(type: kind.rawValue, payload: "[1]") else {
      if kind != .mitigated { Issue.record("\(kind) read [1]") }
      return
    }
  }

  @Test func aKindFromANewerVersionIsKeptAsItIs() throws {
    let event = Event.unknown(type: "future", payload: "{\"a\":1}")
    #expect(try Event(typeName: "future", payloadJSON: "{\"a\":1}") == event)
    #expect(event.typeName == "future" && event.payloadJSON() == "{\"a\":1}")
    #expect(event.parts == nil)
  }

  /// One event of each kind; exhaustive, so a new kind does not compile without one.
  static func sample(_ kind: EventKind) -> Event {
    switch kind {
    case .declared: .declared(Declared(title: "t", ticket: "IM-1"))
    case .detailsChanged: .detailsChanged(DetailsChanged(impact: "all EU users"))
    case .stepCompleted: .stepCompleted(StepRef(step: 4))
    case .stepUndone: .stepUndone(StepRef(step: 4))
    case .roleAssigned: .roleAssigned(RoleChange(role: .ic, person: "x"))
    case .roleReleased: .roleReleased(RoleChange(role: .ic, person: "x"))
    case .experimentProposed:
      .experimentProposed(ExperimentProposed(id: 1, hypothesis: "h", target: "db"))
    case .experimentStarted: .experimentStarted(ExperimentRef(id: 1))
    case .experimentConcluded:
      .experimentConcluded(ExperimentConcluded(id: 1, outcome: .inconclusive, result: "r"))
    case .experimentAbandoned: .experimentAbandoned(ExperimentRef(id: 2, reason: "why"))
    case .logged: .logged(LogAdded(kind: .decision, text: "roll back"))
    case .logEdited: .logEdited(LogEdited(entry: 2, text: "corrected"))
    case .logStruck: .logStruck(LogStruck(entry: 2, reason: "wrong incident"))
    case .stakeholderUpdated: .stakeholderUpdated(TextBody(text: "u"))
    case .announced: .announced(TextBody(text: "a"))
    case .updateOverdue: .updateOverdue(UpdateOverdue(dueMs: 1_798_000_000_000))
    case .deliveryAttempted:
      .deliveryAttempted(
        DeliveryAttempted(
          delivery: "INC-1-1-slack", destination: "slack", message: 1, attempt: 2, deliverer: "d"))
    case .delivered:
      .delivered(
        Delivered(
          delivery: "INC-1-1-slack", destination: "slack", message: 1, status: 200, remote: "ts"))
    case .deliveryFailed:
      .deliveryFailed(
        DeliveryFailed(
          delivery: "INC-1-1-slack", destination: "slack", message: 1, reason: "HTTP 500",
          retryAtMs: 1_798_000_001_000))
    case .deliveryResend:
      .deliveryResend(DeliveryResend(delivery: "INC-1-1-slack", destination: "slack", message: 1))
    case .cadenceChanged: .cadenceChanged(CadenceChanged(seconds: 900))
    case .probeAdded:
      .probeAdded(ProbeSpec(name: "checkout", kind: .http, target: "http://127.0.0.1:8080/"))
    case .probeRemoved: .probeRemoved(ProbeRef(name: "checkout"))
    case .probePaused: .probePaused(ProbeRef(name: "checkout"))
    case .probeResumed: .probeResumed(ProbeRef(name: "checkout"))
    case .probeChanged:
      .probeChanged(
        ProbeChanged(
          name: "checkout", state: .failing, value: "502", reason: "HTTP 502", quiet: true))
    case .recoveryProven: .recoveryProven(RecoveryProven(probes: ["checkout"]))
    case .whyAdded: .whyAdded(WhyAdded(chain: 1, why: "w", because: "b"))
    case .followupAdded: .followupAdded(FollowupAdded(id: 1, text: "f", owner: "o"))
    case .followupDone: .followupDone(FollowupRef(id: 1))
    case .mitigated: .mitigated(Mitigated(reason: "probe still fails: watching"))
    case .customerVerified: .customerVerified(TextBody(text: "ok"))
    case .resolved: .resolved(Resolved(forcedReason: "r"))
    case .reopened: .reopened(Reopened(reason: "again", corrects: 12))
    case .alertReceived:
      .alertReceived(
        AlertReceived(
          source: "alertmanager", group: "{}:{alertname=\"HighErrorRate\"}", key: "c1a2",
          name: "HighErrorRate", status: .firing, startedMs: 1_798_000_000_000,
          url: "http://prometheus:9090/graph", summary: "5xx above 5%"))
    case .undone: .undone(UndoRef(seq: 7))
    }
  }
}
