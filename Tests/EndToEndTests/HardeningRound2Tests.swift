import Foundation
import GRDB
import Testing
import WarroomTestSupport

/// The reproductions of the second hardening round, each against the real binary: bad
/// ports, planted rows, answers that never end, retry times, a full disk, probes turned
/// against the deliverer, NUL bytes, closed pipes and removed events.
@Suite("Hardening, round 2: deadlines, checked rows, fenced probes", .serialized)
struct HardeningRound2Tests {
  let folder: TemporaryFolder
  let store: String
  let peers: FakePeers

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("w.db")
    peers = try FakePeers(folder: folder, script: DeliveryEndToEndTests.script)
  }

  @discardableResult
  func warroom(_ arguments: String..., environment: [String: String] = [:]) throws
    -> WarroomBinary.Result
  {
    try WarroomBinary.run(arguments + ["--store", store], environment: environment, timeout: 60)
  }

  func config(_ text: String, name: String = "config.toml") throws -> String {
    let path = folder.path(name)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func relay(_ config: String, environment: [String: String] = [:], extra: [String] = [])
    throws -> BackgroundProcess
  {
    try WarroomBinary.background(
      ["relay", "--config", config] + extra,
      environment: ["WARROOM_STORE": store].merging(environment) { _, new in new },
      outputPath: folder.path("relay-\(UUID().uuidString).out"))
  }

  /// Writes a row straight into the table, as anyone who can write the file could.
  func plant(incident: String = "INC-1", type: String, payload: String) throws {
    let queue = try DatabaseQueue(path: store)
    try queue.write { db in
      try db.execute(
        sql: """
          INSERT INTO events (seq, incident, at_ms, actor, type, payload)
          VALUES ((SELECT MAX(seq) + 1 FROM events), ?, ?, 'mallory', ?, ?)
          """,
        arguments: [incident, Int64(Date().timeIntervalSince1970 * 1000), type, payload])
    }
    try queue.close()
  }

  func probeLine(_ name: String, saying word: String, atMost timeout: Double = 40) -> String {
    var line = ""
    _ = BackgroundProcess.wait(atMost: timeout, every: 0.2) {
      line =
        (try? warroom("probe", "list").stdout)?.split(separator: "\n")
        .first { $0.hasPrefix(name + " ") }.map(String.init) ?? ""
      return line.contains(word)
    }
    return line
  }

  // MARK: 1. Ports no socket can have

  @Test func aPortAboveTheLimitIsRefusedByTheCommandLineTheConfigAndAStoredRow() throws {
    try warroom("declare", "Checkout down")
    for url in [
      "http://127.0.0.1:99999/", "http://[::1]:70000/", "http://127.0.0.1:9223372036854775807/",
      "http://127.0.0.1:0/", "http+unix://%2Fvar%2Frun%2Fapp.sock/secret",
    ] {
      let added = try warroom("probe", "add", "boom", "--http", url)
      #expect(added.status == 64, "\(url): \(added.stderr)")
      #expect(added.stderr.split(separator: "\n").count == 1)
    }
    #expect(try !warroom("probe", "list").stdout.contains("boom"))

    // Rows written past the command line: skipped when read, never run.
    for (name, target) in [
      ("big", "http://127.0.0.1:99999/"), ("sock", "http+unix://%2Fvar%2Frun%2Fapp.sock/secret"),
    ] {
      try plant(
        type: "probe-added",
        payload:
          #"{"name":"\#(name)","kind":"http","target":"\#(target)","everySeconds":1,"windowSeconds":60,"timeoutSeconds":2}"#
      )
    }
    let hook = try config(
      """
      [probes]
      allow_hosts = ["127.0.0.1"]

      [[destination]]
      name = "hook"
      kind = "webhook"
      url = "http://127.0.0.1:65536/hook"
      messages = ["*"]
      """)
    let relay = try relay(hook)
    defer { relay.stop() }
    #expect(
      BackgroundProcess.wait(atMost: 20) { relay.output.contains("holding the deliverer lease") },
      "\(relay.output)")
    Thread.sleep(forTimeInterval: 2)  // probes every second: a crash would show by now
    #expect(relay.isRunning, "\(relay.output)")
    #expect(relay.output.contains("its url is not usable"), "\(relay.output)")
    let tested = try warroom("notify", "test", "hook", "--config", hook)
    #expect(tested.status == 1, "\(tested.stderr)")
    #expect(!tested.stderr.contains("65536"), "a url may be a secret: \(tested.stderr)")
  }

  // MARK: 2. A planted declaration

  @Test func anUndecodablePlantedDeclarationNeverBecomesTheCurrentIncident() throws {
    try warroom("declare", "Checkout down")
    try plant(incident: "INC-2", type: "declared", payload: "not json")
    let logged = try warroom("log", "hello")
    #expect(logged.status == 0, "\(logged.stderr)")
    #expect(logged.stdout.hasPrefix("INC-1 #1 note: hello"), "\(logged.stdout)")
    let status = try warroom("status")
    #expect(status.stdout.contains("INC-1"), "\(status.stdout)")
    #expect(try warroom("update", "still investigating").status == 0)
  }

  // MARK: 3. Answers that never end

  @Test func anAnswerThatNeverEndsIsCutAtTheTimeoutAndTheRelayStopsInSeconds() throws {
    try peers.plan(["/drip": [["status": 200, "drip": 0.5]]])
    let path = try config(
      """
      [[destination]]
      name = "slowpoke"
      kind = "webhook"
      url = "\(peers.base)/drip"
      timeout = "2s"
      messages = ["*"]
      """)
    try warroom("declare", "Checkout down")
    let relay = try relay(path)
    defer { relay.stop() }
    peers.wait(for: 1, to: "/drip")
    var status = ""
    let cut = BackgroundProcess.wait(atMost: 30, every: 0.2) {
      status = (try? warroom("notify", "status").stdout) ?? ""
      return status.contains("no whole answer within 2s")
    }
    #expect(cut, "\(status)\n\(relay.output)")
    // A second attempt is made: the destination is not held by the first.
    #expect(peers.wait(for: 2, to: "/drip").count >= 2, "\(relay.output)")
    let stopped = Date()
    kill(relay.pid, SIGTERM)
    #expect(BackgroundProcess.wait(atMost: 15) { !relay.isRunning }, "\(relay.output)")
    #expect(Date().timeIntervalSince(stopped) < 12, "SIGTERM took too long")
    // Nobody delivers now: a send left "sending" can be asked for again.
    let snapshot = try warroom("notify", "status").stdout
    if let id = snapshot.split(separator: " ").first(where: { $0.hasPrefix("INC-1-1-") }) {
      let resend = try warroom("notify", "resend", String(id))
      #expect(!resend.stderr.contains("being sent right now"), "\(resend.stderr)")
    }
  }

  @Test func aProbeWhoseServiceStallsAfterItsHeadersIsFailingNotPassing() throws {
    try peers.plan(["/stall": [["status": 200, "drip": 1.0]]])
    try warroom("declare", "Checkout down")
    #expect(
      try warroom(
        "probe", "add", "checkout", "--http", "\(peers.base)/stall", "--timeout", "2s",
        "--every", "2s", "--window", "3s"
      ).status == 0)
    let relay = try relay(try config("[probes]\nallow_hosts = [\"127.0.0.1\"]\n"))
    defer { relay.stop() }
    let line = probeLine("checkout", saying: "failing")
    #expect(line.contains("no whole answer within 2s"), "\(line)\n\(relay.output)")
    Thread.sleep(forTimeInterval: 4)  // past the window: recovery must not be proven
    let status = try warroom("status", "--json").stdout
    #expect(status.contains("\"recoveryProven\" : false"), "\(status)")
  }

  // MARK: 4. Retry times

  @Test func aRetryAfterLongerThanTheWindowIsHonouredNotGivenUpAtOnce() throws {
    try peers.plan(["/busy": [["status": 429, "headers": ["Retry-After": "3600"]]]])
    let path = try config(
      """
      [[destination]]
      name = "busy"
      kind = "webhook"
      url = "\(peers.base)/busy"
      messages = ["*"]
      """)
    try warroom("declare", "Checkout down")
    let relay = try relay(path)
    defer { relay.stop() }
    peers.wait(for: 1, to: "/busy")
    var status = ""
    _ = BackgroundProcess.wait(atMost: 20, every: 0.2) {
      status = (try? warroom("notify", "status").stdout) ?? ""
      return status.contains("retry")
    }
    #expect(status.contains("retry in"), "\(status)")
    #expect(!status.contains("gave up"), "\(status)")
    let json = try warroom("status", "--json").stdout
    #expect(json.contains("\"undelivered\" : 1"), "\(json)")
  }

  // MARK: 5. A full disk

  @Test(.enabled(if: canMountTmpfs, "mounting a small file system needs root and tmpfs"))
  func aRelayOnAFullDiskWaitsQuietlyAndResumes() throws {
    let mount = try SmallFileSystem(folder.path("fs"), kilobytes: 2048)
    defer { mount.unmount() }
    let path = mount.path + "/full.db"
    #expect(try WarroomBinary.run(["declare", "Checkout down", "--store", path]).status == 0)
    let hook = try config(
      """
      [probes]
      allow_hosts = ["127.0.0.1"]

      [[destination]]
      name = "hook"
      kind = "webhook"
      url = "\(peers.base)/hook"
      messages = ["*"]
      """)
    var env = ProcessInfo.processInfo.environment
    env["WARROOM_USER"] = "relay"
    let relay = try BackgroundProcess(
      [WarroomBinary.path, "relay", "--config", hook, "--store", path], environment: env,
      outputPath: folder.path("full-relay.out"))
    defer { relay.stop() }
    peers.wait(for: 1, to: "/hook")
    try mount.fill(leavingKilobytes: 0)
    // Updates cannot be written now; the relay's own writes (outcomes, lease) fail too.
    _ = try? WarroomBinary.run(["update", "u1", "--store", path])
    let before = try #require(cpuSeconds(relay.pid))
    let linesBefore = relay.output.split(separator: "\n").count
    Thread.sleep(forTimeInterval: 6)  // a window to measure in, not a wait for an event
    let used = try #require(cpuSeconds(relay.pid)) - before
    let lines = relay.output.split(separator: "\n").count - linesBefore
    #expect(used < 1.5, "the relay used \(used) s of CPU in 6 s on a full disk")
    #expect(lines < 10, "\(lines) lines in 6 s:\n\(relay.output.suffix(2000))")
    try mount.unfill()
    #expect(try WarroomBinary.run(["update", "u2", "--store", path]).status == 0)
    let delivered = peers.wait(for: 2, to: "/hook", atMost: 60)
    #expect(delivered.count >= 2, "\(relay.output.suffix(2000))")
    #expect(relay.isRunning)
  }

  /// The CPU time a process used so far; nil if /proc does not say (then the test fails
  /// rather than measuring nothing).
  func cpuSeconds(_ pid: pid_t) -> Double? {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    guard let close = text.lastIndex(of: ")") else { return nil }
    let fields = text[text.index(after: close)...].split(separator: " ")
    // After the name: state is field 3, utime 14 and stime 15 (1-based, whole line).
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
      return nil
    }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
  }

  // MARK: 6. Probes fenced by the deliverer's config

  @Test func probesReachOnlyAllowedHostsAndTokensOnlyTheirHosts() throws {
    try warroom("declare", "Checkout down")
    try warroom("probe", "add", "elsewhere", "--http", "http://127.0.0.2:\(peers.port)/x")
    try warroom(
      "probe", "add", "steal", "--http", "\(peers.base)/steal", "--token-env",
      "WARROOM_PROBE_PROM_TOKEN")
    try warroom("probe", "add", "plain", "--http", "\(peers.base)/plain")
    let relay = try relay(
      try config("[probes]\nallow_hosts = [\"127.0.0.1\"]\n"),
      environment: ["WARROOM_PROBE_PROM_TOKEN": "probe-secret-42"])
    defer { relay.stop() }
    let elsewhere = probeLine("elsewhere", saying: "unknown")
    #expect(elsewhere.contains("not allowed by this deliverer"), "\(elsewhere)")
    let steal = probeLine("steal", saying: "unknown")
    #expect(steal.contains("token_hosts"), "\(steal)")
    #expect(probeLine("plain", saying: "passing").contains("passing"))
    #expect(peers.requests(to: "/steal").isEmpty)
    #expect(!peers.requests.contains { $0.headers["authorization"] != nil })
    #expect(peers.requests.allSatisfy { $0.path.hasPrefix("/plain") })
  }

  @Test func aTokenGoesToTheHostsItsConfigNames() throws {
    try warroom("declare", "Checkout down")
    try warroom(
      "probe", "add", "prom", "--http", "\(peers.base)/metrics", "--token-env",
      "WARROOM_PROBE_PROM_TOKEN")
    let relay = try relay(
      try config(
        """
        [probes]
        allow_hosts = ["127.0.0.0/8"]

        [probes.token_hosts]
        WARROOM_PROBE_PROM_TOKEN = ["127.0.0.1"]
        """),
      environment: ["WARROOM_PROBE_PROM_TOKEN": "probe-secret-42"])
    defer { relay.stop() }
    #expect(probeLine("prom", saying: "passing").contains("passing"), "\(relay.output)")
    #expect(
      peers.requests(to: "/metrics").first?.headers["authorization"] == "Bearer probe-secret-42")
  }

  // MARK: 8. Config bytes

  @Test func aNulByteOrBadUTF8InTheConfigIsOneLineNamingTheLine() throws {
    try warroom("declare", "Checkout down")
    let text = "[[destination]]\nname = \"a\"\nkind = \"webhook\"\nurl = \"\(peers.base)/a\"\n"
    let nul = folder.path("nul.toml")
    try Data((text + "\0\n[[destination]]\nname = \"b\"\n").utf8).write(
      to: URL(fileURLWithPath: nul))
    let refused = try warroom("notify", "test", "a", "--config", nul)
    #expect(refused.status == 1, "\(refused.stderr)")
    #expect(refused.stderr.contains("nul.toml:5"), "\(refused.stderr)")
    #expect(refused.stderr.contains("NUL"), "\(refused.stderr)")
    #expect(refused.stderr.split(separator: "\n").count == 1)
    let latin = folder.path("latin.toml")
    try Data(Array(text.utf8) + [0x23, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: latin))
    let bad = try warroom("relay", "--config", latin)
    #expect(bad.status == 1, "\(bad.stderr)")
    #expect(bad.stderr.contains("latin.toml:5"), "\(bad.stderr)")
  }

  // MARK: 9. Closed pipes

  @Test func aClosedPipeEndsTheCommandWithOneLineAndExitOne() throws {
    try warroom("declare", "Checkout down")
    let long = String(repeating: "a long line of the log ", count: 400)
    for _ in 0..<20 { try warroom("log", long) }
    let command = "\"$0\" export --store \"$1\" | head -c 10 > /dev/null; echo \"${PIPESTATUS[0]}\""
    let result = try Spawn.capture(
      ["/bin/bash", "-c", command, WarroomBinary.path, store],
      environment: ProcessInfo.processInfo.environment, stdin: Data(), timeout: 60)
    let said = String(decoding: result.stdout, as: UTF8.self)
    #expect(said == "1\n", "export's exit status: \(said)")
    let stderr = String(decoding: result.stderr, as: UTF8.self)
    #expect(stderr.contains("cannot write to standard output"), "\(stderr)")
  }

  // MARK: 10. A witnessed head

  @Test func aHeadKeptElsewhereShowsThatTheNewestEventsWereRemoved() throws {
    try warroom("declare", "Checkout down")
    try warroom("log", "one")
    try warroom("log", "two")
    let headFile = folder.path("head")
    let exported = try warroom("export", "--head-file", headFile)
    #expect(exported.status == 0, "\(exported.stderr)")
    #expect(exported.stdout.contains("chain head `3:"), "\(exported.stdout)")
    #expect(try warroom("store", "verify", "--head-file", headFile).status == 0)
    try warroom("log", "three")
    let grown = try warroom("store", "verify", "--head-file", headFile)
    #expect(grown.status == 0, "\(grown.stderr)")
    #expect(grown.stderr.contains("1 events were added since"), "\(grown.stderr)")
    // Someone with the file drops the trigger and removes the newest events.
    let queue = try DatabaseQueue(path: store)
    try queue.write { db in
      let triggers = try String.fetchAll(
        db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'")
      for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger)") }
      try db.execute(sql: "DELETE FROM events WHERE seq >= 3")
    }
    try queue.close()
    #expect(try warroom("store", "verify").status == 0, "the chain alone cannot tell")
    let caught = try warroom("store", "verify", "--head-file", headFile)
    #expect(caught.status == 1, "\(caught.stdout)")
    #expect(caught.stderr.contains("newest events were removed"), "\(caught.stderr)")
    let head = try String(contentsOfFile: headFile, encoding: .utf8)
    let flag = try warroom("store", "verify", "--expect-head", head)
    #expect(flag.status == 1)
    #expect(try warroom("store", "verify", "--expect-head", "nonsense").status == 64)
  }

  @Test func theRelayKeepsTheHeadFile() throws {
    try warroom("declare", "Checkout down")
    let headFile = folder.path("relay-head")
    let relay = try relay(try config(""), extra: ["--head-file", headFile])
    defer { relay.stop() }
    try warroom("log", "one")
    var head = ""
    _ = BackgroundProcess.wait(atMost: 20, every: 0.2) {
      head = (try? String(contentsOfFile: headFile, encoding: .utf8)) ?? ""
      return head.hasPrefix("2:")
    }
    #expect(head.hasPrefix("2:"), "\(head)\n\(relay.output)")
    #expect(try warroom("store", "verify", "--head-file", headFile).status == 0)
  }
}
