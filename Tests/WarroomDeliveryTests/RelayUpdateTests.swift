import Foundation
import Testing
import WarroomCore

@testable import WarroomDelivery

/// The relay's decisions without a store, a network or a clock: messages in, effects
/// out, answered here by hand as the loop would answer them.
@Suite("Relay update")
struct RelayUpdateTests {
  let start = Date(timeIntervalSince1970: 1_798_000_000)
  let identity = Deliverer.Identity(label: "test relay")

  func relay() -> RelayState {
    var webhook = Destination(name: "audit", kind: .webhook, messages: [.declared, .update])
    webhook.url = "http://127.0.0.1:1/hook"
    return RelayState(identity: identity, destinations: [webhook], witnessesHead: false)
  }

  /// A declared incident: one message for the webhook.
  func declared() -> EventEnvelope {
    EventEnvelope(
      seq: 1, incident: IncidentID(number: 1), at: start, actor: "alice",
      event: .declared(Declared(title: "Checkout down")))
  }

  /// Runs a turn as far as it goes without a worker's answer, answering the store's
  /// effects from `store`; returns every effect seen.
  func run(
    _ state: inout RelayState, _ message: RelayMessage,
    store: (RelayEffect) -> RelayMessage?
  ) -> [RelayEffect] {
    var seen: [RelayEffect] = []
    var pending = RelayUpdate.update(&state, message)
    while !pending.isEmpty {
      let effect = pending.removeFirst()
      seen.append(effect)
      if let answer = store(effect) {
        pending.insert(contentsOf: RelayUpdate.update(&state, answer), at: 0)
      }
    }
    return seen
  }

  /// A store that gives the lease, has `events`, and accepts (or refuses) every record.
  func store(events: [EventEnvelope], refuse: Bool = false, failWrites: Bool = false)
    -> (RelayEffect) -> RelayMessage?
  {
    { effect in
      switch effect {
      case .readLease: return .leaseRead(nil, gone: nil)
      case .claimLease(let lease, _, _): return .leaseClaimed(lease)
      case .readEvents(let after): return .eventsRead(events.filter { $0.seq > after })
      case .record(let command, var incident, let at):
        if failWrites { return .failed(.write, "disk full") }
        if refuse { return .recorded(incident, refused: true) }
        // As the store would: the rules' events, folded in.
        for event in (try? Rules.decide(command, in: incident)) ?? [] {
          Reducer.apply(
            EventEnvelope(
              seq: incident.lastSeq + 1, incident: incident.id, at: at, actor: "relay",
              event: event), to: &incident)
        }
        return .recorded(incident, refused: false)
      case .next(let phase): return .next(phase)
      default: return nil
      }
    }
  }

  @Test func aSendStartsOnlyAfterItsAttemptIsRecorded() {
    var state = relay()
    let effects = run(&state, .turn(start, jitter: 0.5), store: store(events: [declared()]))
    let order = effects.compactMap { effect -> String? in
      switch effect {
      case .claimLease: "claim"
      case .readEvents: "read"
      case .record(.recordDelivery(.deliveryAttempted), _, _): "attempt"
      case .send: "send"
      default: nil
      }
    }
    #expect(order == ["claim", "read", "attempt", "send"])
    #expect(state.inFlight.count == 1)
  }

  @Test func anAttemptTheRulesRefuseSendsNothing() {
    var state = relay()
    let effects = run(
      &state, .turn(start, jitter: 0.5), store: store(events: [declared()], refuse: true))
    #expect(!effects.contains { if case .send = $0 { true } else { false } })
    #expect(state.inFlight.isEmpty)
  }

  @Test func aFailingStoreStopsTheTurnPausesAndIsSaidOnce() {
    var state = relay()
    let effects = run(
      &state, .turn(start, jitter: 0.5), store: store(events: [declared()], failWrites: true))
    #expect(!effects.contains { if case .send = $0 { true } else { false } })
    let notes = effects.filter { if case .report(.note) = $0 { true } else { false } }
    #expect(notes.count == 1)
    #expect(!state.trouble.mayTry(at: start.addingTimeInterval(0.1)))
    #expect(state.trouble.mayTry(at: start.addingTimeInterval(0.6)))
    // Still failing: said no more.
    let again = run(
      &state, .turn(start.addingTimeInterval(0.6), jitter: 0.5),
      store: store(events: [declared()], failWrites: true))
    #expect(!again.contains { if case .report(.note) = $0 { true } else { false } })
  }

  @Test func anOutcomeThatCannotBeRecordedIsKeptForTheNextTurn() throws {
    var state = relay()
    let effects = run(&state, .turn(start, jitter: 0.5), store: store(events: [declared()]))
    guard
      case .send(let job, let id, _, _, _)? = effects.first(where: {
        if case .send = $0 { true } else { false }
      })
    else {
      Issue.record("nothing was sent")
      return
    }
    _ = RelayUpdate.update(
      &state,
      .sendFinished(
        FinishedSend(job: job, incident: id, outcome: .delivered(status: 200, remote: nil))))
    _ = run(
      &state, .turn(start.addingTimeInterval(1), jitter: 0.5),
      store: store(events: [declared()], failWrites: true))
    #expect(state.finished.count == 1, "kept until it is written")
    let later = run(
      &state, .turn(start.addingTimeInterval(40), jitter: 0.5), store: store(events: [declared()]))
    #expect(state.finished.isEmpty)
    #expect(state.inFlight.isEmpty)
    #expect(later.contains { if case .report(.sent) = $0 { true } else { false } })
  }

  @Test func aStopWaitsForSendsInFlightThenGivesUpTheLease() {
    var state = relay()
    let effects = run(&state, .turn(start, jitter: 0.5), store: store(events: [declared()]))
    #expect(effects.contains { if case .send = $0 { true } else { false } })
    _ = RelayUpdate.update(&state, .stop(deadline: start.addingTimeInterval(4)))
    _ = run(
      &state, .turn(start.addingTimeInterval(1), jitter: 0.5), store: store(events: [declared()]))
    #expect(!state.isDone, "a send is still in flight")
    let last = run(
      &state, .turn(start.addingTimeInterval(5), jitter: 0.5), store: store(events: [declared()]))
    #expect(state.isDone)
    #expect(last.contains { if case .releaseLease = $0 { true } else { false } })
    #expect(last.contains { if case .finish = $0 { true } else { false } })
  }

  /// Pure: the same messages give the same effects, retry times included (the loop draws
  /// the jitter and passes it in).
  @Test func theSameMessagesGiveTheSameDecisions() {
    func play() -> String {
      var state = relay()
      var seen = run(&state, .turn(start, jitter: 0.25), store: store(events: [declared()]))
      if case .send(let job, let id, _, _, _)? = seen.first(where: {
        if case .send = $0 { true } else { false }
      }) {
        _ = RelayUpdate.update(
          &state,
          .sendFinished(
            FinishedSend(
              job: job, incident: id,
              outcome: .failed(reason: "HTTP 500", permanent: false, retryAfter: nil))))
      }
      seen += run(
        &state, .turn(start.addingTimeInterval(1), jitter: 0.75), store: store(events: [declared()])
      )
      return seen.map(Self.decision).joined(separator: "\n")
    }
    let first = play()
    #expect(first.contains("retryAtMs: Optional(1798000002"), "\(first)")
    #expect(first == play())
  }

  /// What an effect decides, without the values whose printed order is not fixed (sets
  /// and dictionaries print in a different order in each instance).
  static func decision(_ effect: RelayEffect) -> String {
    switch effect {
    case .record(let command, let incident, let at): "record \(command) in \(incident.id) at \(at)"
    case .send(let job, let id, let content, let destination, let parent):
      "send \(job) of \(id) to \(destination.name) under \(parent ?? "-"): \(content)"
    default: String(describing: effect)
    }
  }
}
