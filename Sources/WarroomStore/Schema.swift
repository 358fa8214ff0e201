import Foundation
import GRDB
import WarroomCore

/// The store's tables, as GRDB migrations. Migrations only ever add; each bumps
/// `PRAGMA user_version`, which the header check reads to refuse newer stores untouched.
enum Schema {
  static let version = 6

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
    // Attribution and tamper evidence: the operating-system user beside the acting name,
    // and a running hash that chains each event to the one before. Events already there
    // are chained from their content as it is now; `store_meta` says from when.
    migrator.registerMigration("v3: os users and the hash chain") { db in
      try db.execute(
        sql: """
          ALTER TABLE events ADD COLUMN os_user TEXT;
          ALTER TABLE events ADD COLUMN hash TEXT;
          CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          DROP TRIGGER events_are_immutable;
          """)
      var previous = ""
      var last: Int64 = 0
      let rows = try Row.fetchAll(
        db, sql: "SELECT seq, incident, at_ms, actor, type, payload FROM events ORDER BY seq")
      for row in rows {
        let event = StoredEvent(
          seq: row.storedNumber(0), incident: row.storedText(1),
          atMilliseconds: row.storedNumber(2), actor: row.storedText(3),
          type: row.storedText(4), payload: row.storedText(5))
        previous = EventChain.hash(previous: previous, event)
        last = event.seq
        try db.execute(
          sql: "UPDATE events SET hash = ? WHERE seq = ?", arguments: [previous, event.seq])
      }
      try db.execute(
        sql: """
          CREATE TRIGGER events_are_immutable BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'warroom events are immutable'); END;
          INSERT INTO store_meta (key, value) VALUES
            ('chain_started_after', ?), ('chain_started_at', ?);
          PRAGMA user_version = 3;
          """, arguments: [String(last), UTCTime.iso8601(Date())])
    }
    // The lease that names the store's single deliverer (see `Lease`): a row that is
    // changed in place, unlike events, and that no event depends on.
    migrator.registerMigration("v4: leases") { db in
      try db.execute(
        sql: """
          CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            label TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            expires_ms INTEGER NOT NULL
          );
          PRAGMA user_version = 4;
          """)
    }
    // Probe readings, one per probe per minute, kept beside the events (see ProbeSample).
    migrator.registerMigration("v5: probe samples") { db in
      try db.execute(
        sql: """
          CREATE TABLE probe_samples (
            incident TEXT NOT NULL,
            probe TEXT NOT NULL,
            at_ms INTEGER NOT NULL,
            value REAL,
            latency_ms INTEGER,
            state TEXT NOT NULL
          );
          CREATE INDEX probe_samples_by_incident ON probe_samples(incident, at_ms);
          PRAGMA user_version = 5;
          """)
    }
    // Each incident's newest snapshot (`StateSnapshot`): a cache of the fold beside the
    // events, with the event and chain hash it covers; never the record.
    migrator.registerMigration("v6: snapshots") { db in
      try db.execute(
        sql: """
          CREATE TABLE snapshots (
            incident TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            head TEXT NOT NULL,
            format INTEGER NOT NULL,
            state BLOB NOT NULL
          );
          PRAGMA user_version = 6;
          """)
    }
    return migrator
  }
}

extension DatabaseError: DatabaseErrorFacts {
  var primaryCode: Int32 { resultCode.primaryResultCode.rawValue }
  var text: String { message ?? "\(resultCode)" }
}

extension DatabaseValue {
  /// A column as text, whatever SQLite holds there. Rows are read this way so that one
  /// of the wrong shape (planted by hand) reads as odd values for the decoder to refuse,
  /// never as a crash: GRDB traps on a failed conversion.
  var storedText: String {
    switch storage {
    case .string(let string): return string
    case .int64(let number): return String(number)
    case .double(let number): return String(number)
    case .blob(let data): return String(decoding: data, as: UTF8.self)
    case .null: return ""
    }
  }

  /// A column as a whole number; anything else reads as `Int64.min`, outside every range,
  /// so the event it belongs to reads as unreadable.
  var storedNumber: Int64 {
    if case .int64(let number) = storage { return number }
    return Int64.min
  }
}

extension Row {
  /// `DatabaseValue.storedText` of a column.
  func storedText(_ index: Int) -> String { (self[index] as DatabaseValue).storedText }

  /// `DatabaseValue.storedNumber` of a column.
  func storedNumber(_ index: Int) -> Int64 { (self[index] as DatabaseValue).storedNumber }
}
