import Foundation
import Testing
import WarroomCore

@testable import WarroomScreen

/// News stays until a person dismisses it, and a dashboard follows the war room on.
@Suite("Notices stay until seen")
struct NoticesTests {
  var state = DashboardState(
    model: DashboardModel(me: "bob", view: .communicator), incident: Fixtures.freshP1().state)
  let now = Fixtures.start

  mutating func key(_ key: Key) -> [LoopEffect] {
    DashboardLoop.update(&state, .key(key, now: now, request: RequestID()))
  }

  func envelope(_ seq: Int64, _ event: Event, incident: Int = 7) -> EventEnvelope {
    EventEnvelope(
      seq: seq, incident: IncidentID(number: incident), at: now, actor: "erin", event: event)
  }

  @Test mutating func aDeclarationStaysThroughTypingUntilEsc() {
    _ = DashboardLoop.update(
      &state, .read([envelope(50, .declared(Declared(title: "APAC search")), incident: 8)]))
    for character in "still typing a long update" { _ = key(.character(character)) }
    _ = key(.enter)  // opens the update's confirmation…
    _ = key(.escape)  // …which Esc cancels: that Esc answers the question, not the notice
    #expect(state.model.notice?.contains("INC-8 declared by erin") == true)
    _ = key(.escape)
    #expect(state.model.notices.isEmpty)
  }

  @Test mutating func aFailingProbeAndAnUndeliveredMessageAreNoticed() throws {
    var incident = try #require(state.incident)
    let spec = ProbeSpec(name: "checkout", kind: .http, target: "http://127.0.0.1:8080/")
    var seq = incident.lastSeq
    func next(_ event: Event) -> EventEnvelope {
      seq += 1
      return envelope(seq, event)
    }
    let added = next(.probeAdded(spec))
    Reducer.apply(added, to: &incident)
    state.incident = incident
    state.seen = seq
    _ = DashboardLoop.update(
      &state,
      .read([
        next(.probeChanged(ProbeChanged(name: "checkout", state: .failing, reason: "HTTP 502")))
      ]))
    #expect(state.model.notice?.hasSuffix("probe checkout is failing: HTTP 502") == true)
    let gaveUp = DeliveryFailed(
      delivery: "INC-7-1-slack", destination: "slack", message: 1, reason: "HTTP 403")
    _ = DashboardLoop.update(&state, .read([next(.deliveryFailed(gaveUp))]))
    #expect(state.model.notice?.hasSuffix("declared #1 did not reach slack: HTTP 403") == true)
    #expect(state.model.notices.count == 2)
  }

  @Test mutating func aStoppedDelivererIsNoticed() {
    let lease = Lease(
      holder: "h", label: "relay", host: "vm", pid: 1,
      expiresMs: Int64(milliseconds: now.addingTimeInterval(10)))
    _ = DashboardLoop.update(&state, .delivererSeen(lease, now: now))
    #expect(state.model.notices.isEmpty)
    _ = DashboardLoop.update(&state, .delivererSeen(lease, now: now.addingTimeInterval(30)))
    #expect(state.model.notice?.contains("the deliverer stopped") == true)
  }

  @Test mutating func greenMovesOnToTheNextOpenIncidentAndSwitchingClearsTheHint() throws {
    let incident = try #require(state.incident)
    var seq = incident.lastSeq
    let effects = DashboardLoop.update(
      &state, .read([envelope(seq + 1, .resolved(Resolved(forcedReason: "drill")))]))
    seq += 1
    #expect(effects == [.loadNextOpen(after: incident.id)])
    state.model.message = Message("✓ Ticked step 1")
    var other = IncidentState(id: IncidentID(number: 8))
    Reducer.apply(envelope(seq + 1, .declared(Declared(title: "APAC")), incident: 8), to: &other)
    _ = DashboardLoop.update(
      &state, .loaded(other, reason: "INC-7 is resolved; INC-8 is still open"))
    #expect(state.model.message == nil, "the hint line says nothing about the other incident")
    #expect(state.model.notice == "⚑ now on INC-8: INC-7 is resolved; INC-8 is still open")
  }
}
