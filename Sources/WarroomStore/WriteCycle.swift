import Foundation
import WarroomCore

/// The part of `EventStore.write` every backend shares, run inside its write transaction:
/// catch up with what others wrote, let the rules decide against that latest state, append,
/// and fold the new events in. Backends supply only how to read newer events, find what a
/// request wrote before, and insert.
public enum WriteCycle {
  public static func run(
    _ state: inout IncidentState, actor: String, at: Date, request: RequestID?,
    newer: (_ after: Int64, _ incident: IncidentID) throws -> [EventEnvelope],
    previouslyWritten: (RequestID) throws -> [EventEnvelope],
    insert: ([NewEvent]) throws -> [EventEnvelope],
    decide: (IncidentState) throws -> [Event]
  ) throws -> [EventEnvelope] {
    var working = state
    for envelope in try newer(working.lastSeq, working.id) {
      Reducer.apply(envelope, to: &working)
    }
    // A request sent again after a lost acknowledgement: answer as the first time did.
    if let request, case let earlier = try previouslyWritten(request), !earlier.isEmpty {
      state = working
      return earlier
    }
    let events = try decide(working).map {
      NewEvent(incident: working.id, at: at, actor: actor, event: $0)
    }
    let written = try insert(events)
    for envelope in written { Reducer.apply(envelope, to: &working) }
    state = working
    return written
  }
}
