import Crypto
import Foundation
import GRDB
import Testing
import WarroomTestSupport

/// Stakeholder messages leaving the war room for real: the `warroom relay` process
/// delivering from a shared store to Slack, Teams, Statuspage, a webhook receiver and an
/// e-mail command played on 127.0.0.1, through failures, restarts and `kill -9`.
@Suite("Deliveries end to end", .serialized)
struct DeliveryEndToEndTests {
  let folder: TemporaryFolder
  let store: String
  let peers: FakePeers
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Peers/fake_peers.py").path

  /// Secrets the tests look for where they must never be.
  let secrets = [
    "SLACK_WEBHOOK_URL_SECRET_PART", "xoxb-test-token-77", "statuspage-key-88",
    "webhook-signing-secret-99",
  ]

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("w.db")
    peers = try FakePeers(folder: folder, script: Self.script)
  }

  var environment: [String: String] {
    [
      "SLACK_WEBHOOK_URL": "\(peers.base)/slack/webhook/SLACK_WEBHOOK_URL_SECRET_PART",
      "SLACK_TOKEN": "xoxb-test-token-77",
      "SP_KEY": "statuspage-key-88",
      "WARROOM_WEBHOOK_SECRET": "webhook-signing-secret-99",
      "WARROOM_STORE": store,
    ]
  }

  /// A config with every kind; `extra` adds fields to a destination by name.
  func writeConfig(_ extra: [String: String] = [:], only: [String]? = nil) throws -> String {
    let mail = folder.path("mail")
    let destinations: [(String, String)] = [
      (
        "stakeholders",
        """
        kind = "slack-webhook"
        url_env = "SLACK_WEBHOOK_URL"
        messages = ["declared", "announce", "update", "mitigated", "resolved", "reopened"]
        """
      ),
      (
        "slack",
        """
        kind = "slack"
        url = "\(peers.base)/slack/api"
        token_env = "SLACK_TOKEN"
        channel = "C123"
        reply_broadcast = true
        messages = ["*"]
        """
      ),
      (
        "teams",
        """
        kind = "teams"
        url = "\(peers.base)/teams/workflow"
        messages = ["update", "mitigated"]
        """
      ),
      (
        "status",
        """
        kind = "statuspage"
        url = "\(peers.base)/statuspage"
        api_key_env = "SP_KEY"
        page_id = "page1"
        component_ids = ["comp1"]
        messages = ["declared", "update", "mitigated", "resolved"]
        """
      ),
      (
        "audit",
        """
        kind = "webhook"
        url = "\(peers.base)/webhook"
        secret_env = "WARROOM_WEBHOOK_SECRET"
        messages = ["*"]
        """
      ),
      (
        "email",
        """
        kind = "command"
        command = "cat >> '\(mail)'; echo >> '\(mail)'"
        to = ["oncall@example.com"]
        messages = ["update"]
        """
      ),
    ]
    var text = ""
    for (name, body) in destinations where only?.contains(name) ?? true {
      text += "[[destination]]\nname = \"\(name)\"\n\(body)\n\(extra[name] ?? "")\n\n"
    }
    let path = folder.path("config.toml")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @discardableResult
  func warroom(_ arguments: String...) throws -> WarroomBinary.Result {
    try WarroomBinary.run(arguments, environment: environment, timeout: 60)
  }

  func relay(_ config: String, name: String = "relay") throws -> BackgroundProcess {
    try WarroomBinary.background(
      ["relay", "--config", config], environment: environment,
      outputPath: folder.path("\(name).out"))
  }

  /// Waits until `notify status` shows no delivery in progress.
  func settled(atMost timeout: Double = 40) throws -> String {
    var last = ""
    _ = BackgroundProcess.wait(atMost: timeout, every: 0.2) {
      // A status that could not be read (a busy machine) is not a settled one.
      guard let result = try? warroom("notify", "status"), result.status == 0 else {
        return false
      }
      last = result.stdout
      return !last.contains("⧗") && !last.contains("· not sent")
    }
    return last
  }

  @Test func theRelayDeliversEveryKindExactlyAsTheWireFormatsSay() throws {
    let config = try writeConfig()
    try warroom("declare", "Checkout <down> for EU", "--impact", "5% of checkouts fail")
    let relay = try relay(config)
    defer { relay.stop() }
    try warroom("announce", "We are investigating checkout failures")
    peers.wait(for: 2, to: "/slack/webhook")
    try warroom("update", "Rolled back v2.4.0; error rate falling")
    try warroom("experiment", "add", "Bad deploy", "--target", "api")
    try warroom("experiment", "start", "1")
    try warroom("experiment", "conclude", "1", "--supported", "errors stop on v2.3.1")
    try warroom("mitigate")
    let status = try settled()
    #expect(!status.contains("✗"), "\(status)\n\(relay.output)")

    // Slack incoming webhook: one post per message, text and a mrkdwn section, escaped.
    let hook = peers.requests(to: "/slack/webhook")
    #expect(hook.count == 4)
    #expect(hook.allSatisfy { $0.method == "POST" })
    let blocks = hook[0].json["blocks"] as? [[String: Any]]
    let section = (blocks?.first?["text"] as? [String: Any])?["text"] as? String ?? ""
    #expect(section.contains("Checkout &lt;down&gt; for EU"))
    #expect((hook[0].json["text"] as? String)?.contains("INC-1") == true)

    // Slack Web API: the declaration is the parent; the rest go in its thread; the parent
    // is edited to yellow.
    let posts = peers.requests(to: "/slack/api/chat.postMessage")
    #expect(posts.count == 4)
    #expect(posts[0].headers["authorization"] == "Bearer xoxb-test-token-77")
    #expect(posts[0].json["thread_ts"] == nil)
    let parent = "1700000001.000100"
    #expect(posts.dropFirst().allSatisfy { $0.json["thread_ts"] as? String == parent })
    #expect(posts.dropFirst().allSatisfy { $0.json["reply_broadcast"] as? Bool == true })
    let edits = peers.requests(to: "/slack/api/chat.update")
    #expect(edits.count == 1)
    #expect(edits.first?.json["ts"] as? String == parent)
    #expect((edits.first?.json["text"] as? String)?.contains("YELLOW") == true)

    // Teams: an Adaptive Card in a message.
    let teams = peers.requests(to: "/teams/workflow")
    #expect(teams.count == 2)
    let attachment = (teams.first?.json["attachments"] as? [[String: Any]])?.first
    #expect(attachment?["contentType"] as? String == "application/vnd.microsoft.card.adaptive")

    // Statuspage: created, then updated with the mapped statuses.
    let page = peers.requests(to: "/statuspage/v1/pages/page1/incidents")
    #expect(page.map(\.method) == ["POST", "PATCH", "PATCH"])
    #expect(page.allSatisfy { $0.headers["authorization"] == "OAuth statuspage-key-88" })
    #expect(page.dropFirst().allSatisfy { $0.path.hasSuffix("/incidents/sp-incident-1") })
    let statuses = page.map { ($0.json["incident"] as? [String: Any])?["status"] as? String }
    #expect(statuses == ["investigating", "investigating", "monitoring"])

    // The webhook: signed over the timestamp and the exact body, with its delivery id.
    let audit = peers.requests(to: "/webhook")
    #expect(audit.count == 4)
    for request in audit {
      let timestamp = request.headers["x-warroom-timestamp"] ?? ""
      var signed = Data((timestamp + ".").utf8)
      signed.append(Data(request.body.utf8))
      let code = HMAC<SHA256>.authenticationCode(
        for: signed, using: SymmetricKey(data: Data("webhook-signing-secret-99".utf8)))
      let hex = code.map { String(format: "%02x", $0) }.joined()
      #expect(request.headers["x-warroom-signature"] == "v1=\(hex)")
      #expect(request.headers["x-warroom-delivery"] == request.json["delivery"] as? String)
      #expect(request.json["version"] as? Int == 1)
    }
    #expect(
      audit.map { ($0.json["message"] as? [String: Any])?["type"] as? String } == [
        "declared", "announce", "update", "mitigated",
      ])

    // E-mail through a command: a whole message on stdin.
    let mail = try String(contentsOfFile: folder.path("mail"), encoding: .utf8)
    #expect(
      mail.hasPrefix("To: oncall@example.com\nSubject: [P1 RED] INC-1: Checkout <down> for EU"))
    #expect(mail.contains("Rolled back v2.4.0; error rate falling"))

    // Step 4 ticked itself once the announcement was recorded; the post-mortem lists
    // where each message went.
    let json = try JSONSerialization.jsonObject(
      with: Data(try warroom("status", "--json").stdout.utf8))
    let steps =
      ((json as? [String: Any])?["checklist"] as? [String: Any])?["steps"] as? [[String: Any]]
    #expect(steps?[3]["title"] as? String == "Announce the outage")
    #expect(steps?[3]["done"] as? Bool == true)
    let export = try warroom("export").stdout
    #expect(export.contains("## Deliveries"))
    #expect(export.contains("stakeholders: delivered"))
  }

  @Test func retriesWaitHonourRetryAfterAndARefusalWaitsForAPerson() throws {
    try peers.plan([
      "/webhook": [
        ["status": 500, "body": "busy"], ["status": 429, "headers": ["Retry-After": "2"]],
        ["status": 200],
      ],
      "/teams": [["status": 404, "body": "no_service"]],
      "/slack/webhook": [["reset": true], ["status": 200]],
    ])
    let config = try writeConfig(only: ["audit", "teams", "stakeholders"])
    try warroom("declare", "Checkout down")
    let relay = try relay(config)
    defer { relay.stop() }
    try warroom("update", "Investigating")
    let audit = peers.wait(for: 4, to: "/webhook")  // declared ×3 attempts, then the update
    let first = audit.filter { $0.headers["x-warroom-delivery"] == "INC-1-1-audit" }
    #expect(first.count == 3)
    #expect(first.map(\.answered) == ["500", "429", "200"])
    // Retry-After: 2 was honoured between the second and third attempts.
    #expect(first[2].time - first[1].time >= 1.9)
    let status = try settled()
    #expect(status.contains("✗ teams not delivered: HTTP 404: no_service"), "\(status)")
    #expect(status.contains("✓ stakeholders delivered"))
    #expect(peers.requests(to: "/teams").count == 1)  // a refusal is not retried
    #expect(try warroom("status").stdout.contains("DELIVERY   1 message not delivered"))
    // A person resends it once the receiver is fixed. (Its id names the update's event,
    // whose number depends on how many delivery records the relay wrote before it.)
    let line = status.split(separator: "\n").first { $0.contains("✗ teams") } ?? ""
    let id = line.split(separator: "[").last.map { String($0.dropLast()) } ?? ""
    #expect(id.hasPrefix("INC-1-") && id.hasSuffix("-teams"), "\(line)")
    try peers.plan([:])
    #expect(try warroom("notify", "resend", id).status == 0)
    peers.wait(for: 2, to: "/teams")
    #expect(try settled().contains("✓ teams delivered"))
    #expect(try warroom("notify", "resend", id).stderr.contains("was delivered"))
  }

  @Test func aSlowReceiverIsCutAtItsTimeoutAndDelaysNoOtherDestination() throws {
    try peers.plan(["/webhook": [["status": 200, "delay": 4], ["status": 200]]])
    let config = try writeConfig(["audit": "timeout = 1"], only: ["audit", "teams"])
    try warroom("declare", "Checkout down")
    let relay = try relay(config)
    defer { relay.stop() }
    let started = Date()
    try warroom("update", "Investigating")
    peers.wait(for: 1, to: "/teams")
    #expect(Date().timeIntervalSince(started) < 3.5)  // not queued behind the slow one
    let status = try settled()
    #expect(status.contains("✓ audit delivered"))
    #expect(status.contains("attempts"))
    #expect(relay.output.contains("no answer within 1s"), "\(relay.output)")
  }

  @Test func secretsNeverReachTheStoreTheExportsOrTheOutput() throws {
    try peers.plan(["/slack/webhook": [["status": 403, "body": "invalid_token"]]])
    let config = try writeConfig()
    try warroom("declare", "Checkout down")
    let relay = try relay(config)
    defer { relay.stop() }
    try warroom("update", "Investigating")
    _ = try settled()
    let preview = try warroom("notify", "preview", "update", "text", "--config", config)
    #expect(preview.status == 0)
    #expect(preview.stdout.contains("── stakeholders (slack-webhook) ──"))
    relay.stop()
    let stored = try Data(contentsOf: URL(fileURLWithPath: store))
    let wal = (try? Data(contentsOf: URL(fileURLWithPath: store + "-wal"))) ?? Data()
    let everything =
      [
        String(decoding: stored + wal, as: UTF8.self), try warroom("export").stdout,
        try warroom("export", "--format", "json").stdout, try warroom("notify", "status").stdout,
        preview.stdout, preview.stderr, relay.output,
      ].joined(separator: "\n")
    for secret in secrets {
      #expect(!everything.contains(secret), "\(secret) leaked")
    }
    #expect(everything.contains("HTTP 403: invalid_token"))
  }

  @Test func threeDashboardsAndTwoRelaysShareTheLeaseAndKillingItsHolderLosesNothing() throws {
    // Every answer takes a while, so that a kill lands in the middle of sends.
    try peers.plan([
      "/webhook": [["status": 200, "delay": 0.3]],
      "/slack/webhook": [["status": 200, "delay": 0.3]],
    ])
    let config = try writeConfig(only: ["audit", "stakeholders"])
    try warroom("declare", "Checkout down")
    var relays = [try relay(config, name: "r0"), try relay(config, name: "r1")]
    defer { relays.forEach { $0.stop() } }
    let tmux = Tmux()
    let environment = self.environment.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
    let dashboards = ["lead", "recorder", "comms"]
    for name in dashboards {
      try tmux.start(
        name,
        command: "\(environment) WARROOM_USER=\(name) \(WarroomBinary.path) --config \(config)")
    }
    func dashboardPID(_ name: String) -> Int32 {
      Int32(
        (try? tmux.run(["display-message", "-p", "-t", name, "#{pane_pid}"]))?
          .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? -1
    }
    var generation = 2
    var kills = 0
    var killedDashboards = 0
    for round in 1...6 {
      for n in 1...3 { try warroom("update", "round \(round) update \(n)") }
      // Kill whoever holds the lease, mid-send, and start it again.
      Thread.sleep(forTimeInterval: 0.5)
      if round == 3 {
        // Both relays die at once: the dashboards deliver from here on.
        relays.forEach { $0.killHard() }
        relays = []
        kills += 1
        continue
      }
      var relayHolder: Int?
      var dashboardHolder: String?
      _ = BackgroundProcess.wait(atMost: 15, every: 0.1) {
        let lease = (try? warroom("notify", "status").stdout) ?? ""
        relayHolder = relays.firstIndex { lease.contains("pid \($0.pid))") }
        dashboardHolder = dashboards.first { lease.contains("pid \(dashboardPID($0)))") }
        return relayHolder != nil || dashboardHolder != nil
      }
      if let holder = relayHolder {
        relays[holder].killHard()
        relays[holder] = try relay(config, name: "r\(generation)")
        generation += 1
        kills += 1
      } else if let name = dashboardHolder {
        kill(dashboardPID(name), SIGKILL)
        Thread.sleep(forTimeInterval: 0.2)
        try tmux.run(["respawn-pane", "-k", "-t", name])
        kills += 1
        killedDashboards += 1
      }
    }
    #expect(killedDashboards >= 3)
    let messages = 19
    let status = try settled(atMost: 60)
    #expect(kills == 6)
    // The webhook receiver deduplicates by delivery id: every message reached it.
    let audit = peers.requests(to: "/webhook")
    let delivered = Set(audit.compactMap { $0.headers["x-warroom-delivery"] })
    #expect(delivered.count == messages, "\(status)")
    #expect(!status.contains("✗ audit"))
    // The Slack webhook cannot: each message arrived once, or is marked for a person.
    let slack = peers.requests(to: "/slack/webhook")
    var seen: [String: Int] = [:]
    for request in slack {
      let text =
        ((request.json["blocks"] as? [[String: Any]])?.first?["text"] as? [String: Any])?[
          "text"] as? String ?? ""
      seen[text, default: 0] += 1
    }
    #expect(seen.values.allSatisfy { $0 == 1 }, "sent twice: \(seen.filter { $0.value > 1 })")
    let uncertain = status.components(separatedBy: "? stakeholders may have been sent").count - 1
    let deliveredToSlack = status.components(separatedBy: "✓ stakeholders delivered").count - 1
    #expect(deliveredToSlack + uncertain == messages, "\(status)")
    #expect(deliveredToSlack >= slack.count - uncertain)
  }

  @Test func aLeaseHeldOnAnotherHostIsTakenOverOnlyWhenItExpires() throws {
    let config = try writeConfig(only: ["audit"])
    try warroom("declare", "Checkout down")
    // Another machine's relay renewed its lease a moment ago, then went silent.
    let queue = try DatabaseQueue(path: store)
    let expires = Int64((Date().timeIntervalSince1970 + 4) * 1000)
    try queue.write {
      try $0.execute(
        sql: "INSERT INTO leases VALUES ('deliverer', 'other', 'relay', 'elsewhere', 1, ?)",
        arguments: [expires])
    }
    try queue.close()
    let relay = try relay(config)
    defer { relay.stop() }
    try warroom("update", "Investigating")
    #expect(
      try warroom("notify", "status").stdout.contains("deliverer: relay on elsewhere (pid 1)"))
    let received = peers.wait(for: 2, to: "/webhook", atMost: 30)
    #expect(received.count == 2)
    // Nothing while the other may still send: every request arrived after its lease ended
    // (judged by when each arrived, not by a sleep that a loaded machine can outlast).
    let expiry = Double(expires) / 1000
    #expect(received.allSatisfy { $0.time >= expiry - 0.01 }, "\(received.map(\.time)) < \(expiry)")
    #expect(relay.output.contains("waiting: relay on elsewhere (pid 1) delivers for this store"))
    #expect(relay.output.contains("holding the deliverer lease"))
  }

  @Test func dashboardsDeliverTooAndTheCommunicatorResendsWhatFailed() throws {
    try peers.plan(["/teams": [["status": 404, "body": "flow disabled"]]])
    let config = try writeConfig(only: ["audit", "teams"])
    try warroom("declare", "Checkout down")
    let tmux = Tmux()
    let environment = self.environment.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
    func dashboard(_ name: String, _ options: String) -> String {
      "\(environment) WARROOM_USER=\(name) \(WarroomBinary.path) \(options)"
    }
    try tmux.start(
      "comms", width: 120, command: dashboard("bob", "--view communicator --config \(config)"))
    try tmux.start("lead", width: 120, command: dashboard("alice", "--config \(config)"))
    try tmux.start(
      "watch", width: 120, command: dashboard("carol", "--no-deliver --config \(config)"))
    let first = try tmux.waitFor("comms") { $0.contains("deliverer: dashboard of") }
    #expect(first.contains("deliverer: dashboard of"), "\(first)")

    // The communicator's update reaches the webhook; Teams refuses it, and every
    // dashboard says so in red.
    try tmux.type("comms", "Rolled back; errors falling")
    try tmux.press("comms", "Enter")
    // Before anything leaves, the communicator sees what each destination will show.
    let confirm = try tmux.waitFor("comms") { $0.contains("→ audit (webhook):") }
    #expect(confirm.contains("What people will read:"), "\(confirm)")
    #expect(confirm.contains("Rolled back; errors falling"), "\(confirm)")
    #expect(peers.requests(to: "/webhook").count <= 1, "at most the declaration so far")
    try tmux.type("comms", "yes")
    try tmux.press("comms", "Enter")
    peers.wait(for: 2, to: "/webhook")
    for session in ["comms", "lead", "watch"] {
      let screen = try tmux.waitFor(session, timeout: 20) {
        $0.contains("⚠ 1 update not delivered")
      }
      #expect(screen.contains("⚠ 1 update not delivered"), "\(session): \(screen)")
    }
    let failed = try tmux.waitFor("comms") { $0.contains("✗ teams: HTTP 404") }
    #expect(failed.contains("✓ audit"), "\(failed)")

    // Fixed at Teams' end: r on the Updates page sends it again, after asking.
    try peers.plan([:])
    try tmux.press("comms", "Tab")
    try tmux.press("comms", "Tab")
    try tmux.type("comms", "r")
    let asked = try tmux.waitFor("comms") { $0.contains("again where it failed?") }
    #expect(asked.contains("again where it failed?"), "\(asked)")
    try tmux.type("comms", "yes")
    try tmux.press("comms", "Enter")
    peers.wait(for: 2, to: "/teams")
    let fixed = try tmux.waitFor("lead", timeout: 20) { !$0.contains("not delivered") }
    #expect(!fixed.contains("not delivered"), "\(fixed)")

    // Whichever dashboard delivered quits; another takes over at once (same host).
    let holder = try warroom("notify", "status").stdout
    let session = holder.contains("dashboard of bob") ? "comms" : "lead"
    try tmux.press(session, "C-c")
    try tmux.waitFor(session) { $0.contains("Ctrl-C again to quit") }
    try tmux.press(session, "C-c")
    try warroom("update", "Monitoring")
    #expect(peers.wait(for: 3, to: "/webhook", atMost: 20).count == 3)
    #expect(!(try warroom("notify", "status").stdout.contains("dashboard of carol")))
  }

  @Test func tlsIsVerifiedAndCaFileTrustsAPrivateAuthority() throws {
    let cert = folder.path("peer.crt")
    let key = folder.path("peer.key")
    let made = try Spawn.run([
      "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
      "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    ])
    #expect(made.status == 0)
    let secure = try FakePeers(folder: folder, script: Self.script, tls: (cert, key))
    defer { secure.stop() }
    let config = folder.path("tls.toml")
    let destination = """
      [[destination]]
      name = "audit"
      kind = "webhook"
      url = "https://127.0.0.1:\(secure.port)/webhook"
      messages = ["*"]

      """
    try destination.write(toFile: config, atomically: true, encoding: .utf8)
    let untrusted = try warroom("notify", "test", "audit", "--config", config)
    #expect(untrusted.status == 1)
    #expect(
      untrusted.stderr.hasPrefix("warroom: audit: not delivered: TLS: "), "\(untrusted.stderr)")
    #expect(untrusted.stderr.split(separator: "\n").count == 1)
    #expect(secure.requests.isEmpty)
    try (destination + "ca_file = \"peer.crt\"\n").write(
      toFile: config, atomically: true, encoding: .utf8)
    let trusted = try warroom("notify", "test", "audit", "--config", config)
    #expect(trusted.status == 0, "\(trusted.stderr)")
    #expect(secure.requests(to: "/webhook").count == 1)
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func theRelayDeliversFromAPostgreSQLStore() throws {
    let url = PostgresTestServer.isolated(PostgresTestServer.url!, folder.url.path)
    let config = try writeConfig(only: ["audit"])
    func cli(_ arguments: String...) throws -> WarroomBinary.Result {
      try WarroomBinary.run(arguments + ["--store", url], environment: environment)
    }
    #expect(try cli("declare", "Checkout down").status == 0)
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { _, new in new }
    env["WARROOM_STORE"] = url
    let relay = try BackgroundProcess(
      [WarroomBinary.path, "relay", "--config", config], environment: env,
      outputPath: folder.path("pg-relay.out"))
    defer { relay.stop() }
    #expect(try cli("update", "Investigating").status == 0)
    let audit = peers.wait(for: 2, to: "/webhook")
    #expect(audit.count == 2, "\(relay.output)")
    _ = BackgroundProcess.wait(atMost: 10) {
      (try? cli("notify", "status").stdout.contains("✓ audit delivered")) == true
        && (try? cli("notify", "status").stdout.components(separatedBy: "✓").count) == 3
    }
    #expect(try cli("notify", "status").stdout.contains("deliverer: relay on"))
  }

  @Test func aBadConfigIsOneLineAndAMissingSecretFailsOnlyItsDestination() throws {
    try warroom("declare", "Checkout down")
    let broken = folder.path("broken.toml")
    try "[[destination]\nname = 1\n".write(toFile: broken, atomically: true, encoding: .utf8)
    let syntax = try warroom("relay", "--config", broken)
    #expect(syntax.status == 1)
    #expect(syntax.stderr.hasPrefix("warroom: \(broken):1: "))
    #expect(syntax.stderr.split(separator: "\n").count == 1)
    let missing = try warroom("relay", "--config", folder.path("nope.toml"))
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("nope.toml"))
    #expect(try warroom("notify", "test", "nobody", "--config", try writeConfig()).status == 64)

    let config = try writeConfig(only: ["audit", "slack"])
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { _, new in new }
    env.removeValue(forKey: "SLACK_TOKEN")
    env["WARROOM_USER"] = "relay"
    let relay = try BackgroundProcess(
      [WarroomBinary.path, "relay", "--config", config], environment: env,
      outputPath: folder.path("relay.out"))
    defer { relay.stop() }
    try warroom("update", "Investigating")
    let status = try settled()
    #expect(
      status.contains("✗ slack not delivered: token_env names $SLACK_TOKEN, which is not set"))
    #expect(status.contains("✓ audit delivered"))
    #expect(relay.output.contains("warning: destination slack: token_env names $SLACK_TOKEN"))
  }

  @Test func notifyTestSendsNowAndSaysHowItWent() throws {
    let config = try writeConfig()
    let sent = try warroom("notify", "test", "audit", "--config", config)
    #expect(sent.status == 0, "\(sent.stderr)")
    #expect(sent.stdout == "✓ audit: delivered (200)\n")
    #expect(peers.requests(to: "/webhook").first?.json["test"] as? Bool == true)
    try peers.plan(["/teams": [["status": 500, "body": "down"]]])
    let failed = try warroom("notify", "test", "teams", "--config", config)
    #expect(failed.status == 1)
    #expect(failed.stderr == "warroom: teams: not delivered: HTTP 500: down\n")
    peers.stop()
    let refused = try warroom("notify", "test", "audit", "--config", config)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("connection refused"), "\(refused.stderr)")
  }
}
