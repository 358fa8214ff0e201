import Foundation
import Testing
import WarroomTestSupport

/// Issue 15 against the real binary: nothing reaches people, or lands in the wrong
/// incident, without a person meaning it.
@Suite("Nothing leaves the war room by accident", .serialized)
struct NothingLeavesByAccidentTests {
  let folder: TemporaryFolder
  let store: String

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("w.db")
  }

  @discardableResult
  func warroom(_ arguments: String..., environment: [String: String] = [:]) throws
    -> WarroomBinary.Result
  {
    try WarroomBinary.run(arguments + ["--store", store], environment: environment, timeout: 60)
  }

  /// A config with one destination of `kind` at `url`, taking `messages`.
  func config(kind: String, url: String, messages: [String] = ["*"]) throws -> String {
    let path = folder.path("config-\(UUID().uuidString).toml")
    let list = messages.map { "\"\($0)\"" }.joined(separator: ", ")
    try """
    [[destination]]
    name = "\(kind == "slack-webhook" ? "stakeholders" : "audit")"
    kind = "\(kind)"
    url = "\(url)"
    messages = [\(list)]
    """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// A relay on this store with `config`; stopped when the test lets go of it.
  func relay(_ config: String, name: String = "relay") throws -> BackgroundProcess {
    var env = ProcessInfo.processInfo.environment
    env["WARROOM_USER"] = "relay"
    return try BackgroundProcess(
      [WarroomBinary.path, "relay", "--config", config, "--store", store], environment: env,
      outputPath: folder.path("\(name)-\(UUID().uuidString).out"))
  }

  @Test func withTwoOpenIncidentsAWriteMustSayWhichAndNothingIsStored() throws {
    try warroom("declare", "Checkout returns 502")
    try warroom("log", "first note")
    try warroom("declare", "APAC search is slow")
    let before = try warroom("store", "verify").stdout
    let refused = try warroom("log", "--manual-change", "Scaled checkout-api to 12")
    #expect(refused.status == 64, "\(refused.stderr)")
    #expect(refused.stderr.split(separator: "\n").count == 1)
    #expect(refused.stderr.contains("INC-1"), "\(refused.stderr)")
    #expect(refused.stderr.contains("INC-2"), "\(refused.stderr)")
    #expect(refused.stderr.contains("--incident"), "\(refused.stderr)")
    for arguments in [["update", "still on it"], ["mitigate"], ["step", "done", "2"]] {
      let result = try WarroomBinary.run(arguments + ["--store", store], timeout: 60)
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
    }
    #expect(try warroom("store", "verify").stdout == before, "nothing was stored")

    // Named, it lands where it was meant, and says so on stdout with the entry's number.
    let named = try warroom(
      "log", "--manual-change", "Scaled checkout-api to 12", "--incident", "1")
    #expect(named.status == 0, "\(named.stderr)")
    #expect(
      named.stdout == "INC-1 #2 manual change: Scaled checkout-api to 12\n", "\(named.stdout)")
    let fromEnvironment = try warroom(
      "log", "APAC note", environment: ["WARROOM_INCIDENT": "INC-2"])
    #expect(fromEnvironment.stdout == "INC-2 #1 note: APAC note\n", "\(fromEnvironment.stdout)")
    let bad = try warroom("log", "x", environment: ["WARROOM_INCIDENT": "INC-99"])
    #expect(bad.status == 1, "\(bad.stderr)")
    #expect(bad.stderr.contains("no incident INC-99"), "\(bad.stderr)")

    // Reading still works without naming one (the newest); resolving one leaves one open.
    #expect(try warroom("status").status == 0)
    #expect(try warroom("resolve", "--force", "drill", "--incident", "2").status == 0)
    let alone = try warroom("log", "only one open now")
    #expect(alone.status == 0, "\(alone.stderr)")
    #expect(alone.stdout.hasPrefix("INC-1 #3 note:"), "\(alone.stdout)")
  }

  @Test func everyWriteSaysWhatItStoredAndIdsStayBare() throws {
    #expect(try warroom("declare", "Checkout down").stdout == "INC-1\n")
    let mitigated = try warroom("mitigate")
    #expect(mitigated.stdout.hasPrefix("INC-1 event #2: "), "\(mitigated.stdout)")
    #expect(try warroom("experiment", "add", "Pool exhausted").stdout == "1\n")
    #expect(try warroom("followup", "add", "Add a contract test").stdout == "1\n")
  }

  @Test func twoKeysInAFocusedPaneSendNothingAndTheWordSendsIt() throws {
    let peers = try FakePeers(folder: folder, script: DeliveryEndToEndTests.script)
    defer { peers.stop() }
    let config = try config(kind: "webhook", url: "\(peers.base)/webhook")
    try warroom("declare", "Checkout returns 502")
    let tmux = Tmux()
    try tmux.start(
      "lead", width: 160, height: 48,
      command: "WARROOM_USER=alice \(WarroomBinary.path) --store \(store) --config \(config)")
    peers.wait(for: 1, to: "/webhook")  // the declaration
    try tmux.waitFor("lead", timeout: 30) { $0.contains("INC-1 Checkout returns 502") }
    // The report: Tab (checklist), y, Enter.
    try tmux.press("lead", "Tab")
    try tmux.type("lead", "y")
    // Both lines of the one prompt: a capture may land between two writes of a frame.
    let asked = try tmux.waitFor("lead") {
      $0.contains("INC-1 turns YELLOW") && $0.contains("→ audit (webhook):")
    }
    #expect(asked.contains("→ audit (webhook):"), "\(asked)")
    try tmux.press("lead", "Enter")
    try tmux.waitFor("lead") { $0.contains("Not yet: type yes") }
    #expect(try warroom("status", "--json").stdout.contains("\"status\" : \"investigating\""))
    // Esc: nothing happened, and it says so.
    try tmux.press("lead", "Escape")
    try tmux.waitFor("lead") { $0.contains("cancelled: nothing was written") }
    #expect(try warroom("status", "--json").stdout.contains("\"status\" : \"investigating\""))
    #expect(peers.requests(to: "/webhook").count == 1, "only the declaration went out")
    // Meant: the word sends it.
    try tmux.press("lead", "Tab")
    try tmux.type("lead", "y")
    try tmux.waitFor("lead") { $0.contains("INC-1 turns YELLOW") }
    try tmux.type("lead", "yes")
    try tmux.press("lead", "Enter")
    try tmux.waitFor("lead") { $0.contains("YELLOW mitigated") }
    let sent = peers.wait(for: 2, to: "/webhook")
    #expect(sent.count == 2)
    let message = sent.last?.json["message"] as? [String: Any]
    #expect(message?["type"] as? String == "mitigated", "\(sent.last?.body ?? "")")
  }

  /// The recorder at 80×24: the log across the whole width, at least 16 entries, what
  /// the other panes say in its title bar, and Tab turning the page to each of them.
  @Test func theRecorderAt80x24SeesSixteenEntriesAcrossTheWholeWidth() throws {
    try warroom("declare", "Checkout returns 502")
    for number in 1...20 {
      try warroom("log", "checked shard \(number) and its replicas")
    }
    let tmux = Tmux()
    try tmux.start(
      "recorder", width: 80, height: 24,
      command: "WARROOM_USER=carol \(WarroomBinary.path) --store \(store) --view recorder")
    let screen = try tmux.waitFor("recorder", timeout: 30) {
      $0.contains("checked shard 20 and its replicas")
    }
    let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
    let entries = lines.filter { $0.contains("checked shard") }
    #expect(entries.count >= 16, "\(screen)")
    #expect(lines.dropFirst(2).allSatisfy { !$0.contains("│") }, "one column:\n\(screen)")
    #expect(screen.contains("update due in"), "\(screen)")
    try tmux.press("recorder", "Tab")
    try tmux.press("recorder", "Tab")
    let experiments = try tmux.waitFor("recorder") { $0.contains("▸ Experiments") }
    #expect(experiments.contains("none yet"), "\(experiments)")
  }

  @Test func aColonCommandThatDoesNotParseKeepsItsText() throws {
    try warroom("declare", "Checkout returns 502")
    let tmux = Tmux()
    try tmux.start(
      "lead", width: 120, command: "WARROOM_USER=alice \(WarroomBinary.path) --store \(store)")
    try tmux.waitFor("lead", timeout: 30) { $0.contains("INC-1 Checkout returns 502") }
    try tmux.type("lead", ":role asign communicator carl")
    try tmux.press("lead", "Enter")
    let screen = try tmux.waitFor("lead") { $0.contains("› :role asign communicator carl") }
    #expect(screen.contains("› :role asign communicator carl"), "\(screen)")
    try tmux.press("lead", "C-u")
    try tmux.type("lead", ":: ( customers tweeting about checkout")
    try tmux.press("lead", "Enter")
    try tmux.waitFor("lead") { $0.contains(": ( customers tweeting") }
    #expect(try warroom("export").stdout.contains(": ( customers tweeting about checkout"))
  }

  @Test func undoOfADeliveredMitigationSendsACorrectionNotAReopening() throws {
    let peers = try FakePeers(folder: folder, script: DeliveryEndToEndTests.script)
    defer { peers.stop() }
    let config = try config(
      kind: "webhook", url: "\(peers.base)/webhook",
      messages: ["declared", "update", "mitigated", "reopened"])
    try warroom("declare", "Checkout returns 502")
    let relay = try relay(config)
    defer { relay.stop() }
    try warroom("mitigate")
    let mitigated = peers.wait(for: 2, to: "/webhook")
    #expect(mitigated.count == 2, "\(relay.output)")
    let undone = try warroom("undo")
    #expect(undone.status == 0, "\(undone.stderr)")
    let sent = peers.wait(for: 3, to: "/webhook")
    #expect(sent.count == 3, "\(relay.output)")
    let summary = sent.last?.json["summary"] as? String ?? ""
    #expect(summary.contains("Correction"), "\(summary)")
    #expect(
      summary.contains("INC-1 was marked mitigated by mistake; it is still being investigated"),
      "\(summary)")
    #expect(!summary.contains("did not hold"), "\(summary)")

    // An update taken back before any deliverer sent it is cancelled: it never goes out.
    relay.stop()
    try warroom("update", "Everything is fine now")
    #expect(try warroom("undo").status == 0)
    let again = try self.relay(config, name: "again")
    defer { again.stop() }
    #expect(
      BackgroundProcess.wait(atMost: 20) { again.output.contains("holding the deliverer lease") })
    // Messages go out in order: once a later update arrives, the cancelled one had its turn.
    try warroom("update", "Second look: still investigating")
    let after = peers.wait(for: 4, to: "/webhook")
    #expect(after.count == 4, "\(again.output)")
    #expect(after.last?.body.contains("Second look") == true)
    #expect(!after.contains { $0.body.contains("Everything is fine") })
  }

  @Test func aSendCutOffByAKilledRelayIsSettledByAPerson() throws {
    let peers = try FakePeers(folder: folder, script: DeliveryEndToEndTests.script)
    defer { peers.stop() }
    // A Slack webhook cannot tell a repeat: a cut send is "may have been sent".
    try peers.plan(["/slack": [["status": 200, "delay": 3]]])
    let config = try config(
      kind: "slack-webhook", url: "\(peers.base)/slack/hook", messages: ["declared", "update"])
    try warroom("declare", "Checkout returns 502")
    let first = try relay(config, name: "r1")
    // The attempt is recorded before the send; the answer is 3 s away: kill the relay once
    // the request has reached the receiver, before it answers.
    #expect(peers.waitForArrivals(1, to: "/slack", atMost: 30), "\(first.output)")
    first.killHard()
    let second = try relay(config, name: "r2")
    defer { second.stop() }
    var status = ""
    _ = BackgroundProcess.wait(atMost: 30, every: 0.2) {
      status = (try? warroom("notify", "status").stdout) ?? ""
      return status.contains("? stakeholders")
    }
    #expect(status.contains("may have been sent"), "\(status)")
    #expect(try warroom("status", "--json").stdout.contains("\"undelivered\" : 1"))
    let id = "INC-1-1-stakeholders"
    let settled = try warroom("notify", "confirm", id)
    #expect(settled.status == 0, "\(settled.stderr)")
    #expect(settled.stdout.contains("\(id) settled: it arrived"), "\(settled.stdout)")
    let after = try warroom("notify", "status").stdout
    #expect(after.contains("✓ stakeholders arrived, said tester"), "\(after)")
    #expect(try warroom("status", "--json").stdout.contains("\"undelivered\" : 0"))
    #expect(try warroom("notify", "confirm", id).status == 1, "settled once")
    #expect(try warroom("export").stdout.contains("arrived (said tester"))
    // The receiver logs a request once its (3 s) answer is written.
    #expect(peers.wait(for: 1, to: "/slack").count == 1, "nothing was sent twice")
  }

  @Test func noticesStayUntilDismissedAndGreenMovesOnToTheNextIncident() throws {
    try warroom("declare", "Checkout returns 502")
    let tmux = Tmux()
    try tmux.start(
      "comms", width: 100, height: 30,
      command: "WARROOM_USER=carl \(WarroomBinary.path) --store \(store) --view communicator")
    try tmux.waitFor("comms", timeout: 30) { $0.contains("INC-1 Checkout returns 502") }
    try warroom("declare", "APAC search is slow", "--as", "erin")
    try tmux.waitFor("comms") { $0.contains("INC-2 declared by erin") }
    // Typing does not hide it.
    try tmux.type("comms", "drafting the next update")
    let typing = try tmux.waitFor("comms") { $0.contains("› drafting the next update") }
    #expect(typing.contains("INC-2 declared by erin"), "\(typing)")
    // Green here: the dashboard moves to the incident still open, and says so.
    #expect(try warroom("resolve", "--force", "drill over", "--incident", "1").status == 0)
    let moved = try tmux.waitFor("comms") { $0.contains("INC-2 APAC search is slow") }
    #expect(moved.contains("now on INC-2"), "\(moved)")
    #expect(moved.contains("› drafting the next update"), "what was typed stays: \(moved)")
    try tmux.press("comms", "Escape")
    let dismissed = try tmux.waitFor("comms") { !$0.contains("now on INC-2") }
    #expect(!dismissed.contains("Esc dismisses"), "\(dismissed)")
  }
}
