import Foundation
import GRDB
import GRDBSQLite
import WarroomCore
import WarroomPostgres
import WarroomReports
import WarroomScreen
import WarroomStore

// Prints the store's figures; never asserts. Each ratio compares with a baseline measured
// in the same run on the same machine, so shared-machine noise hits both sides alike.

// `--load-only PATH [--no-fold | --from-events]`: a child run that opens one store and
// loads its incident (from the snapshot, or folding every event), and prints its own peak
// memory, so the figure is not mixed with the rest of the benchmark.
if let index = CommandLine.arguments.firstIndex(of: "--load-only") {
  let path = CommandLine.arguments[index + 1]
  let store = try SQLiteEventStore(
    path: path, snapshotAfter: CommandLine.arguments.contains("--from-events") ? .max : 1_000)
  if CommandLine.arguments.contains("--from-events") {
    try DatabaseQueue(path: path).write { try $0.execute(sql: "DELETE FROM snapshots") }
  }
  var count = 0
  if !CommandLine.arguments.contains("--no-fold") {
    count = try store.load(IncidentID(number: 1)).log.count
  }
  let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
  let pages = Double(statm.split(separator: " ").dropFirst().first ?? "0") ?? 0
  print(peakRSSMiB(), count, pages * 4096 / 1_048_576)
  exit(0)
}

let folder = FileManager.default.temporaryDirectory
  .appendingPathComponent("warroom-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let appendCount = quick ? 500 : 3000

func seconds(_ body: () throws -> Void) rethrows -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  try body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func fmt(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

/// Peak resident memory of this process so far, in MiB (VmHWM).
func peakRSSMiB() -> Double {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
    return 0
  }
  for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
    let kib = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
    return kib / 1024
  }
  return 0
}

let incident = IncidentID(number: 1)
let clock = Date()
func logEvent(_ n: Int) -> NewEvent {
  NewEvent(
    incident: incident, at: clock.addingTimeInterval(Double(n) / 1000), actor: "bench",
    event: .logged(LogAdded(kind: .note, text: "entry \(n): nothing new, still digging")))
}

// MARK: - Append: the store against raw SQLite, same schema and durability

/// The row the store writes for `row`, as numbered `seq`.
func storedRow(_ row: NewEvent, seq: Int64) -> StoredEvent {
  StoredEvent(
    seq: seq, incident: row.incident.rawValue,
    atMilliseconds: Int64(row.at.timeIntervalSince1970 * 1000), actor: row.actor,
    type: row.event.typeName, payload: row.event.payloadJSON(), osUser: ProcessIdentity.osUser)
}

/// Raw SQLite: one prepared INSERT, one IMMEDIATE transaction per row, WAL with
/// synchronous=NORMAL (what the store uses), on a store-shaped file. `sameRows`: the rows
/// the store writes, chain hash and OS user included, computed up front (the database's
/// cost of the same data); else without those columns (the baseline of earlier rounds).
func rawInserts(path: String, rows: [NewEvent], sameRows: Bool) -> Double {
  _ = try? SQLiteEventStore(path: path)  // same schema, indexes and triggers
  var db: OpaquePointer?
  sqlite3_open(path, &db)
  defer { sqlite3_close(db) }
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", nil, nil, nil)
  var statement: OpaquePointer?
  let sql =
    sameRows
    ? """
    INSERT INTO events (seq, incident, at_ms, actor, type, payload, request, os_user, hash)
    VALUES (?6, ?1, ?2, ?3, ?4, ?5, NULL, ?7, ?8)
    """
    : "INSERT INTO events (incident, at_ms, actor, type, payload) VALUES (?, ?, ?, ?, ?)"
  sqlite3_prepare_v2(db, sql, -1, &statement, nil)
  defer { sqlite3_finalize(statement) }
  let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
  // The payloads are encoded up front: the baseline is the database's cost alone.
  var previous = ""
  let prepared = rows.enumerated().map { index, row in
    let stored = storedRow(row, seq: Int64(index + 1))
    previous = EventChain.hash(previous: previous, stored)
    return (stored, previous)
  }
  return seconds {
    for (row, hash) in prepared {
      sqlite3_exec(db, "BEGIN IMMEDIATE", nil, nil, nil)
      sqlite3_bind_text(statement, 1, row.incident, -1, transient)
      sqlite3_bind_int64(statement, 2, row.atMilliseconds)
      sqlite3_bind_text(statement, 3, row.actor, -1, transient)
      sqlite3_bind_text(statement, 4, row.type, -1, transient)
      sqlite3_bind_text(statement, 5, row.payload, -1, transient)
      if sameRows {
        sqlite3_bind_int64(statement, 6, row.seq)
        sqlite3_bind_text(statement, 7, row.osUser, -1, transient)
        sqlite3_bind_text(statement, 8, hash, -1, transient)
      }
      sqlite3_step(statement)
      sqlite3_reset(statement)
      sqlite3_exec(db, "COMMIT", nil, nil, nil)
    }
  }
}

// `--populate PATH EVENTS [--deliveries]`: writes the incident the fold figures use, for
// the scripts in bench/ to time commands on, and exits.
if let index = CommandLine.arguments.firstIndex(of: "--populate"),
  CommandLine.arguments.count > index + 2, let events = Int(CommandLine.arguments[index + 2])
{
  let path = CommandLine.arguments[index + 1]
  if CommandLine.arguments.contains("--deliveries") {
    try populateWithDeliveries(path, events: events)
  } else {
    try populate(path, events: events)
  }
  exit(0)
}

// `--render-only`: renders the 100k-event frame for a few seconds, for `perf record`.
if CommandLine.arguments.contains("--render-only") {
  let context = RenderContext(
    state: busyIncident(events: 100_000), model: DashboardModel(me: "alice"), now: clock,
    storeName: "bench.db")
  for _ in 0..<10_000 { _ = DashboardRenderer.render(context, width: 200, height: 60) }
  exit(0)
}

// `--decode-only`: decodes the 100k-event state's snapshot 20 times, for `perf record`.
if CommandLine.arguments.contains("--decode-only") {
  let state = busyIncident(events: 100_000)
  let bytes = StateSnapshot.encode(state)
  for _ in 0..<20 { _ = StateSnapshot.decode(bytes, incident: state.id) }
  exit(0)
}

let rows = (0..<appendCount).map(logEvent)
if CommandLine.arguments.contains("--json-cost") {
  let t = seconds { for row in rows { _ = row.event.payloadJSON() } }
  print("json encode: \(fmt(t / Double(rows.count) * 1e6, 2)) µs per event")
  let stored = rows.enumerated().map { storedRow($1, seq: Int64($0 + 1)) }
  var previous = ""
  let h = seconds { for row in stored { previous = EventChain.hash(previous: previous, row) } }
  print("chain hash : \(fmt(h / Double(rows.count) * 1e6, 2)) µs per event")
}
// `--append-one store|same|slim`: one round of one of them, for `strace -c` or `perf`.
if let index = CommandLine.arguments.firstIndex(of: "--append-one"),
  CommandLine.arguments.count > index + 1
{
  let path = folder.appendingPathComponent("one.db").path
  switch CommandLine.arguments[index + 1] {
  case "store":
    let store = try SQLiteEventStore(path: path)
    for row in rows { try store.append([row]) }
  case let kind: _ = rawInserts(path: path, rows: rows, sameRows: kind == "same")
  }
  try? FileManager.default.removeItem(at: folder)
  exit(0)
}
print("warroom-bench: \(appendCount) appends, one event per transaction (as the CLI writes)")
// Disk and page-cache noise move the figures by a fifth from run to run, so each round
// times raw SQLite (both baselines) and the store back to back, in an order that turns
// each round, on fresh files; the ratios are taken per round and the median of nine is
// the figure.
var storeRates: [Double] = []
var sameRates: [Double] = []
var slimRates: [Double] = []
var sameRatios: [Double] = []
var slimRatios: [Double] = []
for round in 0..<9 {
  func path(_ name: String) -> String {
    folder.appendingPathComponent("\(name)-\(round).db").path
  }
  var times: [String: Double] = [:]
  let runs: [(String, () throws -> Double)] = [
    ("same", { rawInserts(path: path("same"), rows: rows, sameRows: true) }),
    ("slim", { rawInserts(path: path("slim"), rows: rows, sameRows: false) }),
    (
      "store",
      {
        let store = try SQLiteEventStore(path: path("store"))
        return try seconds { for row in rows { try store.append([row]) } }
      }
    ),
  ]
  for offset in 0..<runs.count {
    let (name, run) = runs[(round + offset) % runs.count]
    times[name] = try run()
  }
  storeRates.append(Double(appendCount) / times["store"]!)
  sameRates.append(Double(appendCount) / times["same"]!)
  slimRates.append(Double(appendCount) / times["slim"]!)
  sameRatios.append(times["same"]! / times["store"]!)
  slimRatios.append(times["slim"]! / times["store"]!)
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
print("  raw SQLite, the same rows        : \(fmt(median(sameRates), 0)) events/s (median of 9)")
print("  raw SQLite, without chain columns: \(fmt(median(slimRates), 0)) events/s")
print("  store.append                     : \(fmt(median(storeRates), 0)) events/s")
print(
  "  ratio store/raw, the same rows   : \(fmt(median(sameRatios), 2)) (median of 9 rounds; range "
    + "\(fmt(sameRatios.min()!, 2))–\(fmt(sameRatios.max()!, 2)); target ≥ 0.90)")
print(
  "  ratio store/raw, without chain   : \(fmt(median(slimRatios), 2)) (range "
    + "\(fmt(slimRatios.min()!, 2))–\(fmt(slimRatios.max()!, 2)); the chain's bytes included)")

// The full write path of a CLI command: rules against the latest state, then append.
do {
  let store = try SQLiteEventStore(path: folder.appendingPathComponent("rules.db").path)
  let id = try store.declare(Declared(title: "bench"), actor: "bench", at: clock)
  var state = try store.load(id)
  let n = appendCount / 2
  let time = try seconds {
    for i in 0..<n {
      try store.write(to: &state, actor: "bench", at: clock) {
        try Rules.decide(.log(.note, "entry \(i)"), in: $0)
      }
    }
  }
  print("  store.write (rules): \(fmt(Double(n) / time, 0)) events/s")
}

// `--append-only`: the append figures above (and PostgreSQL's below, when asked), alone.
let appendOnly = arguments.contains("--append-only")

// The same appends on PostgreSQL, beside SQLite's figure from this run.
if let url = ProcessInfo.processInfo.environment["WARROOM_BENCH_POSTGRES"], !url.isEmpty {
  let schema = "bench\(getpid())"
  let store = try PostgresEventStore(
    url: url + (url.contains("?") ? "&" : "?") + "schema=" + schema)
  let count = appendCount / 3
  // pgbench, when installed, runs the store's four statements for the same count on the
  // same server (extended protocol, as PostgresNIO speaks it); rounds alternate.
  let pgbench = pgbenchPath()
  var storeRuns: [Double] = []
  var pgbenchRuns: [Double] = []
  for round in 0..<3 {
    let storeRun = {
      let time = try seconds { for row in rows.prefix(count) { try store.append([row]) } }
      storeRuns.append(Double(count) / time)
    }
    let pgbenchRun = {
      if let pgbench, let rate = runPgbench(pgbench, url: url, schema: schema, count: count) {
        pgbenchRuns.append(rate)
      }
    }
    if round.isMultiple(of: 2) {
      try storeRun()
      pgbenchRun()
    } else {
      pgbenchRun()
      try storeRun()
    }
  }
  let rate = median(storeRuns)
  print(
    "  PostgreSQL append  : \(fmt(rate, 0)) events/s (\(count) events, one per transaction; median of 3)"
  )
  print("  ratio PG/SQLite    : \(fmt(rate / median(storeRates), 2))")
  if pgbenchRuns.isEmpty {
    print("  pgbench            : not found (install postgresql-contrib or set PATH)")
  } else {
    let baseline = median(pgbenchRuns)
    print("  pgbench, same SQL  : \(fmt(baseline, 0)) events/s (median of 3)")
    print("  ratio store/pgbench: \(fmt(rate / baseline, 2)) (target ≥ 0.90)")
  }
}
if appendOnly {
  try? FileManager.default.removeItem(at: folder)
  exit(0)
}

/// `pgbench` from the PATH or PostgreSQL's own folders.
func pgbenchPath() -> String? {
  let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
  let folders =
    path.split(separator: ":").map(String.init)
    + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
    .sorted().reversed().map { "/usr/lib/postgresql/\($0)/bin" }
  return folders.map { $0 + "/pgbench" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Events per second pgbench reaches running the store's append (one event, one
/// transaction) `count` times on one connection, or nil when it fails.
func runPgbench(_ pgbench: String, url: String, schema: String, count: Int) -> Double? {
  let script = folder.appendingPathComponent("append.sql")
  let payload = logEvent(0).event.payloadJSON().replacingOccurrences(of: "'", with: "''")
  let sql = """
    BEGIN;
    LOCK TABLE \(schema).warroom_events IN EXCLUSIVE MODE;
    WITH new AS (INSERT INTO \(schema).warroom_events (seq, incident, at_ms, actor, type, payload, request, os_user) SELECT COALESCE(MAX(seq), 0) + 1, 'INC-1', 1798000000000, 'bench', 'logged', '\(payload)', NULL, 'bench' FROM \(schema).warroom_events RETURNING seq, db_role), told AS (SELECT pg_notify('warroom_events_\(schema)', (SELECT seq::text FROM new))) SELECT seq, db_role FROM new, told;
    COMMIT;

    """
  guard (try? sql.write(to: script, atomically: true, encoding: .utf8)) != nil else { return nil }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: pgbench)
  // The store's own parameters (`schema=`) mean nothing to libpq.
  let plain = url.components(separatedBy: "?")[0]
  process.arguments = [
    "-n", "-M", "extended", "-c", "1", "-t", "\(count)", "-f", script.path, plain,
  ]
  let output = Pipe()
  process.standardOutput = output
  process.standardError = FileHandle.nullDevice
  guard (try? process.run()) != nil else { return nil }
  let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  guard process.terminationStatus == 0,
    let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
    let tps = Double(line.dropFirst(6).prefix { $0.isNumber || $0 == "." })
  else { return nil }
  return tps
}

// MARK: - Load: open and fold an incident

func populate(_ path: String, events: Int) throws {
  let store = try SQLiteEventStore(path: path)
  _ = try store.declare(Declared(title: "big incident"), actor: "bench", at: clock)
  let batch = 5000
  var written = 1
  while written < events {
    let count = min(batch, events - written)
    try store.append((written..<written + count).map(logEvent))
    written += count
  }
}

/// The same size of incident as the relay and a communicator make it: in every 20 events
/// one stakeholder update, its delivery to two destinations (attempted, delivered) and
/// 15 log entries.
func populateWithDeliveries(_ path: String, events: Int) throws {
  let store = try SQLiteEventStore(path: path)
  _ = try store.declare(Declared(title: "big incident"), actor: "bench", at: clock)
  var seq: Int64 = 1
  var batch: [NewEvent] = []
  var update: Int64 = 0
  while seq < events {
    seq += 1
    let at = clock.addingTimeInterval(Double(seq) / 1000)
    let event: Event
    switch seq % 20 {
    case 0:
      update = seq
      event = .stakeholderUpdated(TextBody(text: "still on it; next update in 30 minutes"))
    case 1 where update > 0, 3 where update > 0:
      let destination = seq % 20 == 1 ? "slack" : "statuspage"
      event = .deliveryAttempted(
        DeliveryAttempted(
          delivery: "\(update)-\(destination)", destination: destination, message: update,
          attempt: 1, deliverer: "relay"))
    case 2 where update > 0, 4 where update > 0:
      let destination = seq % 20 == 2 ? "slack" : "statuspage"
      event = .delivered(
        Delivered(
          delivery: "\(update)-\(destination)", destination: destination, message: update,
          status: 200, remote: nil))
    default:
      event = logEvent(Int(seq)).event
    }
    batch.append(NewEvent(incident: incident, at: at, actor: "bench", event: event))
    if batch.count == 5000 {
      try store.append(batch)
      batch = []
    }
  }
  if !batch.isEmpty { try store.append(batch) }
}

struct BenchFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// What a snapshot of `state` costs to write and to read back, beside folding its events.
func printSnapshotFigures(of state: IncidentState, fold: Double) throws {
  var bytes: [UInt8] = []
  var encode = Double.infinity
  var decode = Double.infinity
  var back: IncidentState?
  for _ in 0..<3 {
    encode = min(encode, seconds { bytes = StateSnapshot.encode(state) })
    decode = min(decode, seconds { back = StateSnapshot.decode(bytes, incident: state.id) })
  }
  guard back == state else { throw BenchFailure("the snapshot did not read back equal") }
  print(
    "    snapshot: \(fmt(Double(bytes.count) / 1_048_576)) MiB, encode \(fmt(encode * 1000)) ms, "
      + "decode \(fmt(decode * 1000)) ms (\(fmt(decode / fold, 2))× the fold)")
}

print("warroom-bench: open and fold one incident")
let loadSizes = quick ? [10_000] : [10_000, 100_000]
for size in loadSizes {
  for withDeliveries in [false, true] {
    let path = folder.appendingPathComponent("load-\(size)\(withDeliveries ? "-d" : "").db").path
    if withDeliveries {
      try populateWithDeliveries(path, events: size)
    } else {
      try populate(path, events: size)
    }
    // Folding every event (no snapshot is saved: the policy's threshold is out of reach),
    // then the first load that saves one, then loads that start from it.
    var best = Double.infinity
    var folded = 0
    for _ in 0..<3 {
      let time = try seconds {
        let store = try SQLiteEventStore(path: path, snapshotAfter: .max)
        folded = try store.load(incident).log.count
      }
      best = min(best, time)
    }
    print(
      "  \(size) events\(withDeliveries ? ", updates and deliveries" : ""): "
        + "fold \(fmt(best * 1000)) ms (best of 3; \(folded) log entries folded)")
    let saving = try seconds { _ = try SQLiteEventStore(path: path).load(incident) }
    var fromSnapshot = Double.infinity
    for _ in 0..<3 {
      fromSnapshot = min(
        fromSnapshot, try seconds { _ = try SQLiteEventStore(path: path).load(incident) })
    }
    print(
      "    open and load from the snapshot: \(fmt(fromSnapshot * 1000)) ms "
        + "(\(fmt(fromSnapshot / best, 2))× the fold; the first load, saving it: "
        + "\(fmt(saving * 1000)) ms)")
    try printSnapshotFigures(of: try SQLiteEventStore(path: path).load(incident), fold: best)
  }
}

/// Runs this benchmark again as a child that only loads `path`; returns its peak RSS.
func childPeakRSS(_ path: String, _ how: String) throws -> Double {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
  process.arguments = ["--load-only", path, how]
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  return Double(output.split(separator: " ").first ?? "0") ?? 0
}

if let largest = loadSizes.last {
  let path = folder.appendingPathComponent("load-\(largest).db").path
  let opened = try childPeakRSS(path, "--no-fold")
  let loaded = try childPeakRSS(path, "--from-snapshot")
  let folded = try childPeakRSS(path, "--from-events")
  print("warroom-bench: peak memory (RSS) of a process that loads \(largest) events")
  print("  open only        : \(fmt(opened)) MiB")
  print("  open and fold    : \(fmt(folded)) MiB (+\(fmt(folded - opened)) MiB for the events)")
  print(
    "  from the snapshot: \(fmt(loaded)) MiB (+\(fmt(loaded - opened)) MiB; "
      + "\(fmt((loaded - opened) / (folded - opened), 2))× the fold's)")
}

// MARK: - Render: one frame at 200×60 must not grow with the incident's size

/// A busy incident of about `events` events: roles, experiments, whys, follow-ups, log.
func busyIncident(events: Int) -> IncidentState {
  var state = IncidentState(id: incident)
  var seq: Int64 = 0
  func apply(_ event: Event, _ actor: String = "bench") {
    seq += 1
    Reducer.apply(
      EventEnvelope(seq: seq, incident: incident, at: clock, actor: actor, event: event),
      to: &state)
  }
  apply(.declared(Declared(title: "Checkout returns 502", ticket: "IM-1", channel: "#inc")))
  for (role, person) in [(Role.lead, "alice"), (.communicator, "bob"), (.recorder, "carol")] {
    apply(.roleAssigned(RoleChange(role: role, person: person)))
  }
  for id in 1...6 {
    apply(
      .experimentProposed(
        ExperimentProposed(id: id, hypothesis: "hypothesis \(id)", target: "db-\(id % 3)")))
    apply(.experimentStarted(ExperimentRef(id: id)))
  }
  while seq < events {
    apply(
      .logged(
        LogAdded(kind: seq % 5 == 0 ? .manualChange : .note, text: "entry \(seq): still digging")))
  }
  return state
}

/// The best time per frame of the lead's view of `state` at 200×60 (best of 3 runs).
func frameSeconds(_ state: IncidentState, frames: Int) -> Double {
  let model = DashboardModel(me: "alice")
  let context = RenderContext(state: state, model: model, now: clock, storeName: "bench.db")
  var best = Double.infinity
  for _ in 0..<3 {
    let time = seconds {
      for _ in 0..<frames { _ = DashboardRenderer.render(context, width: 200, height: 60) }
    }
    best = min(best, time / Double(frames))
  }
  return best
}

print("warroom-bench: render one dashboard frame at 200×60 (lead view)")
let frames = quick ? 200 : 1000
var renderTimes: [Int: Double] = [:]
for size in [100, 100_000] {
  let best = frameSeconds(busyIncident(events: size), frames: frames)
  renderTimes[size] = best
  print("  \(size) events: \(fmt(best * 1e6, 0)) µs per frame (best of 3 × \(frames) frames)")
}
if let small = renderTimes[100], let large = renderTimes[100_000] {
  print("  ratio 100k/100    : \(fmt(large / small, 2)) (flat means it does not grow)")
}
// The same frame for the incident with updates and deliveries from the fold figures.
if let largest = loadSizes.last, let small = renderTimes[100] {
  let path = folder.appendingPathComponent("load-\(largest)-d.db").path
  let state = try SQLiteEventStore(path: path).load(incident)
  let best = frameSeconds(state, frames: frames)
  print(
    "  \(largest) events, \(state.updates.count) updates, \(state.deliveries.count) deliveries: "
      + "\(fmt(best * 1e6, 0)) µs per frame (ratio to 100 events: \(fmt(best / small, 2)))")
}

// MARK: - Worst characters: the JSON export and inert text must stay linear

/// The JSON export of `entries` log entries of 32,000 C1 characters (each escaped to six),
/// against plain ASCII entries of the same length: a ratio near 6 is linear (the output is
/// six times longer); the quadratic version took 1 s for one entry and 12.5 s for four.
func exportSeconds(entries: Int, text: String) throws -> Double {
  var state = IncidentState(id: incident)
  var envelopes: [EventEnvelope] = []
  var all: [Event] = [.declared(Declared(title: "worst characters"))]
  all += (0..<entries).map { _ in .logged(LogAdded(kind: .note, text: text)) }
  for (index, event) in all.enumerated() {
    let envelope = EventEnvelope(
      seq: Int64(index + 1), incident: incident, at: clock, actor: "bench", event: event)
    envelopes.append(envelope)
    Reducer.apply(envelope, to: &state)
  }
  var best = Double.infinity
  for _ in 0..<3 {
    best = min(
      best,
      try seconds {
        _ = try JSONText.encode(JSONExport(state: state, events: envelopes, now: clock))
        for envelope in envelopes.dropFirst() {
          if case .logged(let added) = envelope.event { _ = SafeText.inert(added.text) }
        }
      })
  }
  return best
}

print("warroom-bench: export (json) and inert text of the worst characters")
let c1 = String(repeating: "\u{9B}", count: 32_000)
let ascii = String(repeating: "a", count: 32_000)
for entries in quick ? [1, 4] : [1, 4, 20] {
  let worst = try exportSeconds(entries: entries, text: c1)
  let plain = try exportSeconds(entries: entries, text: ascii)
  print(
    "  \(entries) × 32,000 C1: \(fmt(worst * 1000)) ms; plain ASCII \(fmt(plain * 1000)) ms; "
      + "ratio \(fmt(worst / plain, 1))")
}
