import Foundation
import WarroomPostgres
import WarroomStore

/// Opens whichever store a location names: a `postgres://` address or a file path.
enum StoreOpener {
  static func open(_ location: String, create: Bool = true) throws -> any EventStore {
    if PostgresLocation.isPostgres(location) {
      // Snapshots stay with each user (see `SnapshotCache`): a table of them on the
      // server would let any writer plant a state that hides events from everyone else.
      return try PostgresEventStore(
        url: location, snapshotCache: SnapshotCache.standard(), snapshotAfter: snapshotAfter)
    }
    return try SQLiteEventStore(path: location, create: create, snapshotAfter: snapshotAfter)
  }

  /// Events a process folds past an incident's newest snapshot before it saves another:
  /// `WARROOM_SNAPSHOT_AFTER` (at least 1), else 1,000, where folding them costs about
  /// what writing a snapshot does.
  static var snapshotAfter: Int {
    guard let text = ProcessInfo.processInfo.environment["WARROOM_SNAPSHOT_AFTER"],
      let value = Int(text), value >= 1
    else { return 1_000 }
    return value
  }
}
