import Foundation
import WarroomCore

/// The part of `EventStore.write` every backend shares, run inside its write transaction:
/// catch up with what others wrote, let the rules decide against that latest state, and
/// append. Backends supply only how to read newer events, find what a request wrote
/// before, and insert; once the transaction commits they fold what was written in
/// (`fold`).
///
/// The state is changed in place, never copied: a copy kept for a failed write made the
/// next append copy every log entry and timeline line (a fifth of `warroom log` at 100k
/// events). Others' events folded in before a failure were committed, so the state stays
/// true; this write's own events reach it only after the commit.
public enum WriteCycle {
  public static func run(
    _ state: inout IncidentState, actor: String, at: Date, request: RequestID?,
    newer: (_ after: Int64, _ incident: IncidentID) throws -> [EventEnvelope],
    previouslyWritten: (RequestID) throws -> [EventEnvelope],
    insert: ([NewEvent]) throws -> [EventEnvelope],
    decide: (IncidentState) throws -> [Event]
  ) throws -> [EventEnvelope] {
    for envelope in try newer(state.lastSeq, state.id) {
      Reducer.apply(envelope, to: &state)
    }
    // A request sent again after a lost acknowledgement: answer as the first time did
    // (its events are committed, so already folded in above).
    if let request, case let earlier = try previouslyWritten(request), !earlier.isEmpty {
      return earlier
    }
    let events = try decide(state).map {
      NewEvent(incident: state.id, at: at, actor: actor, event: $0)
    }
    return try insert(events)
  }

  /// Folds the events a committed `run` wrote into the state.
  public static func fold(_ written: [EventEnvelope], into state: inout IncidentState) {
    for envelope in written { Reducer.apply(envelope, to: &state) }
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
