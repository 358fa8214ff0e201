import Foundation
import PostgresNIO

/// The store's two tables, made on first use and upgraded in place; the PostgreSQL
/// counterpart of the SQLite store's migrations.
extension PostgresEventStore {
  /// Creates the tables once, under an advisory lock so that many first users at the
  /// same moment do not race; refuses a database whose tables belong to something else.
  func setUpSchema() throws {
    try transaction { run in
      try run("SELECT pg_advisory_xact_lock(7272727272)")
      let tables = try run(
        """
        SELECT table_name::text FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_name IN ('warroom_events', 'warroom_meta')
        """
      ).rows.map { try $0.decode(String.self) }
      if tables.contains("warroom_events") != tables.contains("warroom_meta") {
        throw PostgresStoreError.notAStore(location, reason: "a table named warroom_events exists")
      }
      if tables.isEmpty {
        try run(
          """
          CREATE TABLE warroom_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
          """)
        try run(
          "INSERT INTO warroom_meta VALUES ('schema', '\(unescaped: String(Self.schemaVersion))')")
        try run(
          """
          CREATE TABLE warroom_events (
            seq BIGINT PRIMARY KEY,
            incident TEXT NOT NULL,
            at_ms BIGINT NOT NULL,
            actor TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL
          )
          """)
        try run("CREATE INDEX warroom_events_by_incident ON warroom_events (incident, seq)")
        try upgradeToSchema2(run)
        try upgradeToSchema3(run)
        try upgradeToSchema4(run)
        try upgradeToSchema5(run)
      } else {
        let version =
          try run("SELECT value FROM warroom_meta WHERE key = 'schema'").rows
          .first.map { try $0.decode(String.self) }.flatMap { Int($0) } ?? 0
        if version > Self.schemaVersion {
          throw PostgresStoreError.newerSchema(location, version: version)
        }
        if version < 2 { try upgradeToSchema2(run) }
        if version < 3 { try upgradeToSchema3(run) }
        if version < 4 { try upgradeToSchema4(run) }
        if version < 5 { try upgradeToSchema5(run) }
      }
      identity = try storeIdentity(run)
    }
  }

  /// The store's identity, made once by the first user who may write `warroom_meta`: a
  /// key older warrooms ignore, so no schema version is spent on it.
  private func storeIdentity(_ run: Runner) throws -> String? {
    let known = try run("SELECT value FROM warroom_meta WHERE key = 'store'").rows.first
      .map { try $0.decode(String.self) }
    if let known { return known }
    let mayWrite =
      try run("SELECT has_table_privilege('warroom_meta', 'INSERT')").rows.first
      .map { try $0.decode(Bool.self) } ?? false
    guard mayWrite else { return nil }
    let made = UUID().uuidString.lowercased()
    try run("INSERT INTO warroom_meta VALUES ('store', \(made))")
    return made
  }

  /// Schema 2: the request id of the submission that wrote each event (see `RequestID`),
  /// and events that cannot be changed or removed, as in the SQLite store. (Writers need
  /// UPDATE on the table only because PostgreSQL asks for it to take the EXCLUSIVE lock.)
  private func upgradeToSchema2(_ run: Runner) throws {
    try run("ALTER TABLE warroom_events ADD COLUMN request TEXT")
    try run(
      "CREATE INDEX warroom_events_by_request ON warroom_events (request) WHERE request IS NOT NULL"
    )
    try run(
      """
      CREATE FUNCTION warroom_events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'warroom events are immutable: a correction is a new event'; END $$
      """)
    try run(
      """
      CREATE TRIGGER warroom_events_are_immutable BEFORE UPDATE OR DELETE ON warroom_events
      FOR EACH ROW EXECUTE FUNCTION warroom_events_are_immutable()
      """)
    try run(
      """
      CREATE TRIGGER warroom_events_are_permanent BEFORE TRUNCATE ON warroom_events
      FOR EACH STATEMENT EXECUTE FUNCTION warroom_events_are_immutable()
      """)
    try run("UPDATE warroom_meta SET value = '2' WHERE key = 'schema'")
  }

  /// Schema 3: who wrote each event as the systems see it, beside the name people act
  /// under: the client's operating-system user, and the database role, which the server
  /// fills in itself so that no client can claim another's.
  private func upgradeToSchema3(_ run: Runner) throws {
    try run("ALTER TABLE warroom_events ADD COLUMN os_user TEXT")
    // Added empty, then given its default, so events already there are not credited to
    // whoever ran the upgrade.
    try run("ALTER TABLE warroom_events ADD COLUMN db_role TEXT")
    try run("ALTER TABLE warroom_events ALTER COLUMN db_role SET DEFAULT current_user")
    try run("UPDATE warroom_meta SET value = '3' WHERE key = 'schema'")
  }

  /// Schema 4: the lease that names the store's single deliverer (see `Lease`).
  private func upgradeToSchema4(_ run: Runner) throws {
    try run(
      """
      CREATE TABLE warroom_leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        label TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        expires_ms BIGINT NOT NULL
      )
      """)
    try run("UPDATE warroom_meta SET value = '4' WHERE key = 'schema'")
  }

  /// Schema 5: probe readings, one per probe per minute (see `ProbeSample`).
  private func upgradeToSchema5(_ run: Runner) throws {
    try run(
      """
      CREATE TABLE warroom_probe_samples (
        incident TEXT NOT NULL,
        probe TEXT NOT NULL,
        at_ms BIGINT NOT NULL,
        value DOUBLE PRECISION,
        latency_ms INTEGER,
        state TEXT NOT NULL
      )
      """)
    try run(
      "CREATE INDEX warroom_probe_samples_by_incident ON warroom_probe_samples (incident, at_ms)")
    try run("UPDATE warroom_meta SET value = '5' WHERE key = 'schema'")
  }
}
