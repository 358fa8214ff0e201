import Foundation
import WarroomCore

/// Tells an incident as a story: each command goes through the rules and the reducer,
/// as the store would do, with a clock the test moves by hand.
struct Story {
  var state: IncidentState
  var now: Date
  var envelopes: [EventEnvelope] = []

  static let start = Date(timeIntervalSince1970: 1_798_000_000)  // 2026-12-23 ...

  init(
    _ declared: Declared = Declared(title: "Checkout is failing"), by actor: String = "alice",
    at start: Date = Story.start
  ) {
    state = IncidentState(id: IncidentID(number: 1))
    now = start
    record(.declared(declared), by: actor)
  }

  mutating func advance(minutes: Double) { now = now.addingTimeInterval(minutes * 60) }

  /// Runs a command through the rules; records its events and returns them.
  @discardableResult
  mutating func send(_ command: Command, by actor: String = "alice") throws(Refusal) -> [Event] {
    let events = try Rules.decide(command, in: state)
    for event in events { record(event, by: actor) }
    return events
  }

  mutating func record(_ event: Event, by actor: String) {
    let envelope = EventEnvelope(
      seq: Int64(envelopes.count + 1), incident: state.id, at: now, actor: actor, event: event)
    envelopes.append(envelope)
    Reducer.apply(envelope, to: &state)
  }

  /// The refusal a command meets, or nil if it was accepted.
  mutating func refusal(_ command: Command) -> String? {
    do {
      try send(command)
      return nil
    } catch {
      return error.message
    }
  }
}
