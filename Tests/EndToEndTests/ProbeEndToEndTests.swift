import Foundation
import GRDB
import Testing
import WarroomTestSupport

/// Probes for real: a relay checking a service played on 127.0.0.1 that fails, is slow,
/// resets, and recovers; Prometheus answers of every shape; commands that fail or hang;
/// two dashboards watching step 11 tick itself.
@Suite("Probes end to end", .serialized)
struct ProbeEndToEndTests {
  let folder: TemporaryFolder
  let store: String
  let peers: FakePeers

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("w.db")
    peers = try FakePeers(folder: folder, script: DeliveryEndToEndTests.script)
  }

  @discardableResult
  func warroom(_ arguments: String...) throws -> WarroomBinary.Result {
    try WarroomBinary.run(arguments + ["--store", store], timeout: 60)
  }

  /// A relay with no destinations, whose probes may reach 127.0.0.1 (the services these
  /// tests play); `probes` adds lines to its `[probes]` table, `config` replaces it all.
  func relay(probes: String = "", config: String? = nil, extraArguments: [String] = [])
    throws -> BackgroundProcess
  {
    var env = ProcessInfo.processInfo.environment
    env["WARROOM_STORE"] = store
    env["WARROOM_USER"] = "relay"
    env["XDG_CONFIG_HOME"] = folder.path("no-config")
    let path = folder.path("relay.toml")
    try (config ?? "[probes]\nallow_hosts = [\"127.0.0.1\"]\n\(probes)\n").write(
      toFile: path, atomically: true, encoding: .utf8)
    let argv = [WarroomBinary.path, "relay", "--config", path] + extraArguments
    return try BackgroundProcess(argv, environment: env, outputPath: folder.path("relay.out"))
  }

  /// `probe list`'s line for a probe, once it says `word`.
  @discardableResult
  func waitFor(_ probe: String, _ word: String, atMost timeout: Double = 20) throws -> String {
    var line = ""
    _ = BackgroundProcess.wait(atMost: timeout, every: 0.2) {
      line =
        (try? warroom("probe", "list").stdout)?.split(separator: "\n")
        .first { $0.hasPrefix(probe + " ") }.map(String.init) ?? ""
      return line.contains("  \(word)")
    }
    return line
  }

  func stepDone(_ number: Int) throws -> Bool {
    let json = try JSONSerialization.jsonObject(
      with: Data(try warroom("status", "--json").stdout.utf8))
    let steps =
      ((json as? [String: Any])?["checklist"] as? [String: Any])?["steps"] as? [[String: Any]]
    return steps?[number - 1]["done"] as? Bool ?? false
  }

  @Test func theServiceFailsRecoversAndStepElevenTicksItselfInBothDashboards() throws {
    try peers.plan(["/health": [["status": 502, "body": "bad gateway"]]])
    try warroom("declare", "Checkout returns 502")
    try warroom("verify", "ACME will confirm once it is back")
    let added = try warroom(
      "probe", "add", "checkout", "--http", "\(peers.base)/health", "--contains", "ok",
      "--every", "1s", "--window", "4s")
    #expect(added.status == 0, "\(added.stderr)")
    let relay = try relay()
    defer { relay.stop() }
    let tmux = Tmux()
    for (session, view) in [("lead", "lead"), ("second", "lead")] {
      try tmux.start(
        session, width: 120, height: 40,
        command: "WARROOM_USER=\(session) \(WarroomBinary.path) --store \(store) --view \(view)")
    }

    let failing = try waitFor("checkout", "failing")
    #expect(failing.contains("HTTP 502, expected 200"), "\(failing)\n\(relay.output)")
    let lead = try tmux.waitFor("lead") { $0.contains("FAILING") }
    #expect(lead.contains("Recovery"), "\(lead)")
    let refused = try warroom("resolve")
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("probe checkout is failing: HTTP 502, expected 200"))
    // Yellow while the probe fails needs a reason, and the message carries it.
    let bare = try warroom("mitigate")
    #expect(bare.status == 1)
    #expect(bare.stderr.contains("probe checkout does not pass yet"), "\(bare.stderr)")
    let mitigated = try warroom("mitigate", "--reason", "rolled back; watching the error rate")
    #expect(mitigated.status == 0)
    #expect(mitigated.stderr.contains("warning: probe checkout is still failing"))
    #expect(try warroom("export").stdout.contains("Probe checkout is failing"))  // a finding

    // The service recovers; after the window, step 11 ticks itself everywhere.
    try peers.plan(["/health": [["status": 200, "body": "ok"]]])
    try waitFor("checkout", "passing")
    _ = BackgroundProcess.wait(atMost: 20, every: 0.2) { (try? stepDone(11)) == true }
    #expect(try stepDone(11), "\(relay.output)")
    // Proven no sooner than the window after the probe turned passing, by the record's own
    // times (a check of "not yet" against the clock would race a loaded machine).
    let queue = try DatabaseQueue(path: store)
    let times = try queue.read { db in
      (
        try Int64.fetchOne(
          db,
          sql: """
            SELECT MAX(at_ms) FROM events
            WHERE type = 'probe-changed' AND payload LIKE '%"state":"passing"%'
            """) ?? 0,
        try Int64.fetchOne(db, sql: "SELECT MAX(at_ms) FROM events WHERE type = 'recovery-proven'")
          ?? 0
      )
    }
    try queue.close()
    #expect(times.1 - times.0 >= 4000, "proven \(times.1 - times.0) ms after passing")
    for session in ["lead", "second"] {
      let ticked = try tmux.waitFor(session) {
        $0.contains("recovery proven") && $0.contains("✓ 11 Verify recovery")
      }
      #expect(ticked.contains("✓ 11 Verify recovery"), "\(session): \(ticked)")
      #expect(ticked.contains("recovery proven"), "\(session): \(ticked)")
    }
    #expect(try warroom("status").stdout.contains("Recovery   proven by the probes"))
    #expect(try warroom("resolve").status == 0)
    let postMortem = try warroom("export").stdout
    #expect(postMortem.contains("## Recovery"))
    #expect(postMortem.contains("Time to recover, as the probes measured it"))
  }

  @Test func slowAndResettingServicesFailAndAHangingCommandIsCut() throws {
    try peers.plan([
      "/slow": [["status": 200, "delay": 3]],
      "/reset": [["reset": true]],
    ])
    try warroom("declare", "Checkout down")
    try warroom(
      "probe", "add", "slow", "--http", "\(peers.base)/slow", "--timeout", "1s", "--every", "2s")
    try warroom("probe", "add", "reset", "--http", "\(peers.base)/reset", "--every", "2s")
    try warroom(
      "probe", "add", "latency", "--http", "\(peers.base)/fast", "--max-latency", "1ms", "--every",
      "2s")
    try warroom(
      "probe", "add", "hangs", "--command", "sleep 600", "--timeout", "1s", "--every", "2s")
    try warroom(
      "probe", "add", "errors", "--command", "echo 0.3; echo 'db down' >&2; exit 3", "--every", "2s"
    )
    try warroom("probe", "add", "count", "--command", "echo 42", "--every", "2s")
    let relay = try relay(probes: "allow_commands = true")
    defer { relay.stop() }
    #expect(try waitFor("slow", "failing").contains("no answer within 1s"))
    #expect(
      try waitFor("reset", "failing").contains("reset")
        || (try waitFor("reset", "failing")).contains("closed"))
    #expect(try waitFor("latency", "failing").contains("more than 1 ms"))
    let started = Date()
    #expect(try waitFor("hangs", "unknown").contains("no answer within 1s"))
    #expect(Date().timeIntervalSince(started) < 15)
    #expect(try waitFor("errors", "failing").contains("exit 3: db down"))
    #expect(try waitFor("count", "passing").contains("42"))
    // Every probe runs on its own: the hanging one held up none of the others.
    #expect(relay.isRunning)
  }

  @Test func prometheusReadingsOfEveryShape() throws {
    func answer(_ body: String, status: Int = 200) -> [[String: Any]] {
      [["status": status, "body": body, "headers": ["Content-Type": "application/json"]]]
    }
    try peers.plan([
      "/good/api/v1/query": answer(
        #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1798000000.1,"0.002"]}]}}"#
      ),
      "/empty/api/v1/query": answer(
        #"{"status":"success","data":{"resultType":"vector","result":[]}}"#),
      "/nan/api/v1/query": answer(
        #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1798000000,"NaN"]}]}}"#
      ),
      "/error/api/v1/query": answer(
        #"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#, status: 400),
      "/html/api/v1/query": [["status": 200, "body": "<html>login</html>"]],
      "/high/api/v1/query": answer(
        #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1798000000,"0.5"]}]}}"#
      ),
    ])
    try warroom("declare", "Errors high")
    for name in ["good", "empty", "nan", "error", "html", "high"] {
      let added = try warroom(
        "probe", "add", name, "--prometheus", "\(peers.base)/\(name)", "--query",
        "sum(rate(http_errors_total[5m]))", "--below", "0.01", "--every", "1s")
      #expect(added.status == 0, "\(added.stderr)")
    }
    let relay = try relay()
    defer { relay.stop() }
    #expect(try waitFor("good", "passing").contains("0.002"))
    #expect(try waitFor("empty", "unknown").contains("no data"))
    #expect(try waitFor("nan", "unknown").contains("NaN"))
    #expect(try waitFor("error", "unknown").contains("parse error at char 5"))
    #expect(try waitFor("html", "unknown").contains("not a Prometheus answer"))
    #expect(try waitFor("high", "failing").contains("0.5 is not below 0.01"))
    let query = peers.requests(to: "/good/api/v1/query").first?.path ?? ""
    #expect(query == "/good/api/v1/query?query=sum%28rate%28http_errors_total%5B5m%5D%29%29")
    #expect(try warroom("resolve", "--force", "unused").status == 0)
  }

  /// Anyone who can write the store can add a probe, and the relay may run elsewhere under
  /// a service account: it runs commands only when its own config allows, and hands a probe
  /// none of its other secrets.
  @Test func aRelayRunsNoCommandAndLeaksNoSecretItsConfigDoesNotAllow() throws {
    try warroom("declare", "Checkout down")
    let marker = folder.path("ran")
    try warroom("probe", "add", "planted", "--command", "touch \(marker)", "--every", "1s")
    let refused = try WarroomBinary.run(
      [
        "probe", "add", "leak", "--http", "\(peers.base)/steal", "--token-env", "SLACK_TOKEN",
        "--store", store,
      ])
    #expect(refused.status == 64)
    #expect(
      refused.stderr.contains("--token-env must name a variable starting with WARROOM_PROBE_"))
    let relay = try relay()
    defer { relay.stop() }
    #expect(try waitFor("planted", "unknown").contains("command probes are off on this deliverer"))
    #expect(!FileManager.default.fileExists(atPath: marker))
  }

  @Test func badInputIsOneLineAndChangesNothing() throws {
    try warroom("declare", "Checkout down")
    try warroom("probe", "add", "checkout", "--http", "\(peers.base)/health")
    // The record itself, not an export (whose countdown moves with the clock): the number
    // of events and the chain's head change with any event stored.
    func record() throws -> String {
      try warroom("store", "verify").stdout
    }
    let before = try record()
    for (arguments, message) in [
      (["probe", "add", "x", "--http", "not a url"], "is not usable"),
      (
        ["probe", "add", "x", "--http", "\(peers.base)/h", "--every", "soon"],
        "--every 'soon' is not a duration"
      ),
      (
        ["probe", "add", "x", "--http", "\(peers.base)/h", "--max-latency", "fast"],
        "--max-latency 'fast' is not a duration"
      ),
      (
        ["probe", "add", "checkout", "--http", "\(peers.base)/h"],
        "already has a probe named checkout"
      ),
      (["probe", "add", "x", "--command", "/etc/passwd --check"], "is not an executable file"),
      (["probe", "add", "x", "--command", "no-such-program-here"], "is not a program on PATH"),
      (["probe", "add", "x"], "give one of --http URL, --prometheus URL or --command CMD"),
      (
        ["probe", "add", "x", "--prometheus", "\(peers.base)", "--query", "up"],
        "needs --below or --above"
      ),
      (["probe", "remove", "nope"], "has no probe named nope (it has checkout)"),
    ] {
      let result = try WarroomBinary.run(arguments + ["--store", store])
      #expect(result.status != 0, "\(arguments)")
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
    }
    #expect(try record() == before)
  }
}
