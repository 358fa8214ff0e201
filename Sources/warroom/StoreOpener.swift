import Foundation
import WarroomPostgres
import WarroomStore

/// Opens whichever store a location names: a `postgres://` address or a file path.
enum StoreOpener {
  static func open(_ location: String, create: Bool = true) throws -> any EventStore {
    if PostgresLocation.isPostgres(location) {
      return try PostgresEventStore(url: location)
    }
    return try SQLiteEventStore(path: location, create: create)
  }
}
