import GRDB

/// The store's tables, as GRDB migrations. Migrations only ever add; each bumps
/// `PRAGMA user_version`, which the header check reads to refuse newer stores untouched.
enum Schema {
  static let version = 2

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1: events") { db in
      try db.execute(
        sql: """
          PRAGMA application_id = \(StoreFile.applicationID);
          CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            incident TEXT NOT NULL,
            at_ms INTEGER NOT NULL,
            actor TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL
          );
          CREATE INDEX events_by_incident ON events(incident, seq);
          CREATE INDEX events_declarations ON events(type, incident) WHERE type = 'declared';
          -- The log is append-only: a correction is a new event.
          CREATE TRIGGER events_are_immutable BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'warroom events are immutable'); END;
          CREATE TRIGGER events_are_permanent BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'warroom events are permanent'); END;
          PRAGMA user_version = 1;
          """)
    }
    // A request id on the events one submission wrote, so that a submission sent again
    // after a lost acknowledgement is recognised instead of written twice.
    migrator.registerMigration("v2: request ids") { db in
      try db.execute(
        sql: """
          ALTER TABLE events ADD COLUMN request TEXT;
          CREATE INDEX events_by_request ON events(request) WHERE request IS NOT NULL;
          PRAGMA user_version = 2;
          """)
    }
    return migrator
  }
}
