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

/// The part of `EventStore.declare` every backend shares, run inside its write
/// transaction: a request sent again is answered with the incident it declared; otherwise
/// the next number is one past the highest the store handed out. Backends supply only how
/// to find a request's earlier events, list the declared incidents, and insert.
public enum DeclareCycle {
  public static func run(
    _ declared: Declared, actor: String, at: Date, request: RequestID?,
    previouslyWritten: (RequestID) throws -> [EventEnvelope],
    declaredIncidents: () throws -> [String],
    insert: (NewEvent) throws -> Void
  ) throws -> IncidentID {
    if let request, let earlier = try previouslyWritten(request).first {
      return earlier.incident
    }
    let id = try nextIncident(after: declaredIncidents())
    try insert(NewEvent(incident: id, at: at, actor: actor, event: .declared(declared)))
    return id
  }

  /// One past the highest incident number among `declared`. Only the form the store hands
  /// out counts (`INC-n`, n in `Limits.incidentNumbers`, no leading zero): a row planted
  /// as `INC-9223372036854775807` or `INC-007` is passed over rather than added to.
  public static func nextIncident(after declared: [String]) throws -> IncidentID {
    var highest = 0
    for raw in declared where raw.hasPrefix("INC-") {
      let digits = raw.dropFirst(4)
      guard let first = digits.first, first != "0", digits.count <= 9,
        digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits),
        Limits.incidentNumbers.contains(number)
      else { continue }
      highest = max(highest, number)
    }
    guard highest < Limits.incidentNumbers.upperBound else {
      throw Refusal("this store has used every incident number; start a new store")
    }
    return IncidentID(number: highest + 1)
  }
}
