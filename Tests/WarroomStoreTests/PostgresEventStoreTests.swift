import Foundation
import Testing
import WarroomCore
import WarroomStore
import WarroomTestSupport

@testable import WarroomPostgres

/// What only the PostgreSQL backend has: addresses, passwords, TLS, schema upgrades and a
/// connection that can be lost. Needs `$WARROOM_TEST_POSTGRES`, except for addresses.
@Suite("PostgreSQL event store")
struct PostgresEventStoreTests {
  let folder: TemporaryFolder
  let clock = Date(timeIntervalSince1970: 1_798_000_000)

  init() throws { folder = try TemporaryFolder() }

  // MARK: - Addresses and passwords

  @Test func anAddressReadsLikeLibpq() throws {
    let address = try PostgresLocation(
      url: "postgres://ops:s%3Acret@db.example:6543/war?schema=team_a&sslmode=require",
      environment: [:])
    #expect(address.user == "ops")
    #expect(address.password == "s:cret")
    #expect(address.host == "db.example")
    #expect(address.port == 6543)
    #expect(address.database == "war")
    #expect(address.schema == "team_a")
    #expect(address.sslMode == .require)
    #expect(address.redacted == "postgres://ops@db.example:6543/war?schema=team_a")
    let plain = try PostgresLocation(url: "postgresql://ops@db", environment: [:])
    #expect(plain.port == 5432)
    #expect(plain.database == "ops")
    #expect(plain.sslMode == .prefer)
  }

  @Test func passwordsComeFromTheEnvironmentThenThePasswordFile() throws {
    let passfile = folder.path("pgpass")
    try """
    # host:port:db:user:password
    other:5432:*:*:nope
    db:5432:war:ops:from\\:file
    """.write(toFile: passfile, atomically: true, encoding: .utf8)
    let url = "postgres://ops@db/war"
    #expect(
      try PostgresLocation(url: url, environment: ["PGPASSWORD": "env", "PGPASSFILE": passfile])
        .password == "env")
    #expect(
      try PostgresLocation(url: url, environment: ["PGPASSFILE": passfile]).password
        == "from:file")
    #expect(
      try PostgresLocation(url: "postgres://x@db/war", environment: ["PGPASSFILE": passfile])
        .password == nil)
  }

  @Test func badAddressesSayWhatIsWrongWithoutThePassword() {
    for url in [
      "postgres://ops:hunter2@db/war?sslmode=sometimes",
      "postgres://ops:hunter2@db/war?schema=Bad-Name",
      "postgres://ops:hunter2@db/war?colour=blue",
      "postgres://ops:hunter2@/war",
    ] {
      do {
        _ = try PostgresLocation(url: url, environment: [:])
        Issue.record("accepted \(url)")
      } catch {
        let message = "\(error)"
        #expect(!message.contains("hunter2"), "\(message)")
        #expect(!message.contains("\n"))
      }
    }
  }

  @Test func continuousIntegrationTestsTLS() {
    if ProcessInfo.processInfo.environment["CI"] == "true" {
      #expect(PostgresTestServer.hasTLS, "set WARROOM_TEST_POSTGRES_TLS=1 (.ci/run turns TLS on)")
    }
  }

  @Test func verifyingACertificateNeedsRootCertificates() throws {
    let address = try PostgresLocation(
      url: "postgres://ops@db/war?sslmode=verify-full&sslrootcert=/nonexistent/root.crt",
      environment: [:])
    #expect(throws: PostgresStoreError.self) {
      _ = try TLSSettings.make(for: address, environment: [:])
    }
  }

  // MARK: - Against a server

  @Test(.enabled(if: PostgresTestServer.hasTLS))
  func requireEncryptsTheConnection() throws {
    let url = PostgresTestServer.isolated(PostgresTestServer.url!, folder.url.path)
    let encrypted = try PostgresEventStore(url: url + "&sslmode=require")
    #expect(try encrypted.isEncrypted())
    let plain = try PostgresEventStore(url: url + "&sslmode=disable")
    #expect(try !plain.isEncrypted())
    // Both see the same store.
    let id = try encrypted.declare(Declared(title: "over TLS"), actor: "a", at: clock)
    #expect(try plain.load(id).title == "over TLS")
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func aDatabaseOfTheFirstSchemaIsUpgradedAndKeepsItsEvents() throws {
    let url = PostgresTestServer.isolated(PostgresTestServer.url!, folder.url.path + "/old")
    let schema = String(url.split(separator: "=").last!)
    // Tables as the warroom before request ids made them, holding one incident.
    let payload = Event.declared(Declared(title: "old")).payloadJSON()
    let admin = try PostgresEventStore(
      url: PostgresTestServer.isolated(PostgresTestServer.url!, folder.url.path + "/admin"))
    for sql in [
      "DROP SCHEMA IF EXISTS \(schema) CASCADE", "CREATE SCHEMA \(schema)",
      "CREATE TABLE \(schema).warroom_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
      "INSERT INTO \(schema).warroom_meta VALUES ('schema', '1')",
      """
      CREATE TABLE \(schema).warroom_events (seq BIGINT PRIMARY KEY, incident TEXT NOT NULL,
        at_ms BIGINT NOT NULL, actor TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL)
      """,
      """
      INSERT INTO \(schema).warroom_events VALUES (1, 'INC-1', 1798000000000, 'a', 'declared',
        '\(payload.replacingOccurrences(of: "'", with: "''"))')
      """,
    ] {
      _ = try admin.scalar(sql, as: Int.self)
    }
    let store = try PostgresEventStore(url: url)
    #expect(
      try store.scalar("SELECT value FROM warroom_meta WHERE key = 'schema'", as: String.self)
        == "5")
    var state = try store.load(IncidentID(number: 1))
    #expect(state.title == "old")
    let request = RequestID()
    for _ in 1...2 {
      try store.write(to: &state, actor: "r", at: clock, request: request) {
        try Rules.decide(.log(.note, "after the upgrade"), in: $0)
      }
    }
    #expect(try store.load(state.id).log.map(\.text) == ["after the upgrade"])
  }

  @Test(.enabled(if: PostgresCluster.binDirectory != nil))
  func requireAgainstAServerWithoutTLSIsRefusedClearly() throws {
    let plain = try PostgresCluster()  // started without TLS
    #expect(throws: StoreError.self) {
      do {
        _ = try PostgresEventStore(url: plain.url + "?sslmode=require")
      } catch {
        #expect("\(error)".hasSuffix("the server does not offer TLS, and sslmode asks for it"))
        throw error
      }
    }
    // prefer, the default, goes on in plain text.
    #expect(try !PostgresEventStore(url: plain.url).isEncrypted())
  }

  @Test(.enabled(if: PostgresCluster.binDirectory != nil))
  func theREADMEsSetUpIsEnoughAndEventsStayImmutable() throws {
    // The README's set-up, on a server of the test's own (roles are server-wide).
    let cluster = try PostgresCluster()
    func url(_ user: String, schema: String? = nil) -> String {
      cluster.url.replacingOccurrences(of: "postgres@", with: "\(user)@")
        + (schema.map { "?schema=\($0)" } ?? "")
    }
    let superuser = try PostgresEventStore(url: url("postgres", schema: "admin"))
    for sql in [
      "CREATE ROLE warroom_owner LOGIN", "CREATE ROLE oncall LOGIN", "CREATE ROLE watcher LOGIN",
      "ALTER DATABASE postgres OWNER TO warroom_owner",
      """
      ALTER DEFAULT PRIVILEGES FOR ROLE warroom_owner
      GRANT SELECT, INSERT, UPDATE ON TABLES TO oncall
      """,
      "ALTER DEFAULT PRIVILEGES FOR ROLE warroom_owner GRANT SELECT ON TABLES TO watcher",
    ] {
      _ = try superuser.scalar(sql, as: Int.self)
    }
    let owner = try PostgresEventStore(url: url("warroom_owner"))  // creates the tables
    let id = try owner.declare(Declared(title: "x"), actor: "a", at: clock)

    let writer = try PostgresEventStore(url: url("oncall"))
    #expect(!writer.isReadOnly)
    var state = try writer.load(id)
    try writer.write(to: &state, actor: "s", at: clock) {
      try Rules.decide(.log(.note, "written by on-call"), in: $0)
    }
    // On-call roles run deliverers: they take, renew and give up the lease.
    let lease = Lease(
      holder: "relay-1", label: "relay", host: "h", pid: 1,
      expiresMs: Int64(milliseconds: clock.addingTimeInterval(12)))
    #expect(try writer.claimLease(lease, now: clock, gone: nil).holder == "relay-1")
    try writer.releaseLease(lease)
    #expect(try watcher(url("watcher")).lease(named: Lease.deliverer)?.isExpired(at: clock) == true)
    // Not even the tables' owner can change or remove what was written.
    for sql in [
      "UPDATE warroom_events SET actor = 'mallory'", "DELETE FROM warroom_events",
      "TRUNCATE warroom_events",
    ] {
      #expect(throws: PostgresStoreError.self) { _ = try owner.scalar(sql, as: Int.self) }
    }
    func watcher(_ address: String) throws -> PostgresEventStore {
      try PostgresEventStore(url: address)
    }
    let watcher = try watcher(url("watcher"))
    #expect(watcher.isReadOnly)
    var watched = try watcher.load(id)
    #expect(watched.log.map(\.text) == ["written by on-call"])
    #expect(throws: StoreError.readOnly(path: watcher.location)) {
      try watcher.write(to: &watched, actor: "w", at: clock) {
        try Rules.decide(.log(.note, "nope"), in: $0)
      }
    }
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func aLostConnectionIsReportedAndTheNextCallConnectsAgain() throws {
    let url = PostgresTestServer.isolated(PostgresTestServer.url!, folder.url.path)
    let store = try PostgresEventStore(url: url)
    let other = try PostgresEventStore(url: url)
    let id = try store.declare(Declared(title: "x"), actor: "a", at: clock)
    var state = try store.load(id)
    try other.terminateBackend(try store.backendProcessID())
    // The loss shows as `unavailable` (or, if already noticed, the call reconnects).
    var outcomes: [String] = []
    for n in 1...2 {
      do {
        try store.write(to: &state, actor: "r", at: clock, request: RequestID()) {
          try Rules.decide(.log(.note, "entry \(n)"), in: $0)
        }
        outcomes.append("stored")
      } catch StoreError.unavailable(let location, _) {
        #expect(location == store.location)
        outcomes.append("unavailable")
      }
    }
    #expect(outcomes.last == "stored")
    #expect(try other.load(id).log.count == outcomes.filter { $0 == "stored" }.count)
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func aChangeSignalMayBeLetGoOnItsConnectionsThread() throws {
    // When the server goes away, the signal's close callback can hold the last reference
    // to it, so it is destroyed on NIO's thread, where waiting for anything traps.
    let url = PostgresTestServer.isolated(PostgresTestServer.url!, folder.url.path)
    let store = try PostgresEventStore(url: url)
    let holder = Holder(try #require(try store.makeChangeSignal() as? NotifyChangeSignal))
    let loop = try #require(holder.signal).eventLoop
    try loop.submit { holder.signal = nil }.wait()
    #expect(holder.signal == nil)
    // And the store still makes a working signal afterwards.
    _ = try store.makeChangeSignal()
  }

  final class Holder: @unchecked Sendable {
    var signal: NotifyChangeSignal?
    init(_ signal: NotifyChangeSignal) { self.signal = signal }
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func anUnreachableServerFailsFastWithOneLine() throws {
    // Nothing listens on port 1: refused at once, never a hang.
    let started = Date()
    do {
      _ = try PostgresEventStore(url: "postgres://ops:hunter2@127.0.0.1:1/war")
      Issue.record("connected to port 1")
    } catch let error as StoreError {
      guard case .unavailable = error else {
        Issue.record("\(error)")
        return
      }
      #expect("\(error)".hasPrefix("cannot reach postgres://ops@127.0.0.1:1/war: "))
      #expect(!"\(error)".contains("hunter2"))
    }
    // A generous bound: the point is that it returns, not how fast.
    #expect(Date().timeIntervalSince(started) < 30)
  }
}
