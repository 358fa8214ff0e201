import Foundation
import WarroomCore
import WarroomStore

/// What the snapshot tests of both stores write and compare with.
enum StoreFixtures {
  /// `count` notes, `entry 0` on, by ann, a second apart from `clock`.
  static func notes(_ count: Int, in incident: IncidentID, from clock: Date) -> [NewEvent] {
    (0..<count).map {
      NewEvent(
        incident: incident, at: clock.addingTimeInterval(Double($0)), actor: "ann",
        event: .logged(LogAdded(kind: .note, text: "entry \($0)")))
    }
  }
}

extension EventStore {
  /// The incident as its events alone say it, with no snapshot.
  func foldedFromEvents(_ id: IncidentID) throws -> IncidentState {
    var state = IncidentState(id: id)
    for event in try events(after: 0, incident: id, limit: nil) {
      Reducer.apply(event, to: &state)
    }
    return state
  }
}
