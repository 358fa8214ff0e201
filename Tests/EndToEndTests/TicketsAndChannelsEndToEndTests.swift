import Foundation
import Testing
import WarroomTestSupport

/// The ticket and the war-room channel made by the relay: Jira, GitHub and Slack played
/// on 127.0.0.1, each request compared as the peer received it, through a person's own
/// ticket, a taken channel name, a missing scope and `kill -9` mid-creation.
@Suite("Tickets and channels, end to end", .serialized)
struct TicketsAndChannelsEndToEndTests {
  let folder: TemporaryFolder
  let store: String
  let peers: FakePeers

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("w.db")
    peers = try FakePeers(folder: folder, script: DeliveryEndToEndTests.script)
  }

  var environment: [String: String] {
    [
      "WARROOM_STORE": store, "JIRA_TOKEN": "jira-api-token-1", "JIRA_USER": "ops@example.com",
      "GH_TOKEN": "ghp_token_2", "SLACK_BOT": "xoxb-bot-3",
    ]
  }

  func writeConfig(
    jira: Bool = true, github: Bool = false, channel: Bool = true, stakeholders: Bool = false
  ) throws -> String {
    var text = """
      [people]
      alice = "U0ALICE"
      bob = "U0BOB"

      """
    if stakeholders {
      text += """
        [[destination]]
        name = "room"
        kind = "slack"
        url = "\(peers.base)/slack/api"
        token_env = "SLACK_BOT"
        incident_channel = true
        messages = ["declared", "update"]

        """
    }
    if jira {
      text += """
        [[ticket]]
        kind = "jira"
        url = "\(peers.base)/jira"
        project = "OPS"
        issue_type = "Incident"
        token_env = "JIRA_TOKEN"
        user_env = "JIRA_USER"
        resolved_transition = "31"

        """
    }
    if github {
      text += """
        [[ticket]]
        kind = "github"
        url = "\(peers.base)/github"
        repo = "acme/shop"
        token_env = "GH_TOKEN"

        """
    }
    if channel {
      text += """
        [[channel]]
        kind = "slack"
        url = "\(peers.base)/slack/api"
        token_env = "SLACK_BOT"
        invite = ["U0ONCALL"]

        """
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

  func status() throws -> String { try warroom("status").stdout }

  @Test func theDeclarationCreatesTheTicketAndTheChannelExactlyOnce() throws {
    try warroom("declare", "Checkout returns 502", "--as", "alice")
    try warroom("role", "assign", "lead", "alice", "--as", "alice")
    let relay = try relay(try writeConfig())
    defer { relay.stop() }
    let creates = peers.wait(for: 1, to: "/jira/rest/api/3/issue")
    let create = try #require(creates.first)
    #expect(create.method == "POST" && create.path == "/jira/rest/api/3/issue")
    let basic = "Basic " + Data("ops@example.com:jira-api-token-1".utf8).base64EncodedString()
    #expect(create.headers["authorization"] == basic)
    let fields = create.json["fields"] as? [String: Any] ?? [:]
    #expect((fields["project"] as? [String: String]) == ["key": "OPS"])
    #expect((fields["issuetype"] as? [String: String]) == ["name": "Incident"])
    #expect(fields["summary"] as? String == "[P1] INC-1: Checkout returns 502")
    let description = fields["description"] as? [String: Any] ?? [:]
    #expect(description["type"] as? String == "doc" && description["version"] as? Int == 1)
    #expect((fields["labels"] as? [String]) == ["warroom", "INC-1"])

    let channel = try #require(peers.wait(for: 1, to: "/slack/api/conversations.create").first)
    #expect(channel.headers["authorization"] == "Bearer xoxb-bot-3")
    #expect(channel.json["name"] as? String == "inc-1-checkout-returns-502")
    #expect(channel.json["is_private"] as? Bool == false)
    let invite = try #require(peers.wait(for: 1, to: "/slack/api/conversations.invite").first)
    #expect(invite.json["users"] as? String == "U0ONCALL,U0ALICE", "the lead is in [people]")
    let topic = try #require(peers.wait(for: 1, to: "/slack/api/conversations.setTopic").first)
    #expect((topic.json["topic"] as? String)?.hasPrefix("P1 RED investigating · INC-1") == true)

    // Steps 2 and 3 complete themselves once the relay records what it made.
    _ = BackgroundProcess.wait(atMost: 30, every: 0.2) {
      (try? status())?.contains("Ticket     OPS-42    Channel  #inc-1-checkout-returns-502") == true
    }
    let shown = try status()
    #expect(shown.contains("Ticket     OPS-42    Channel  #inc-1-checkout-returns-502"), "\(shown)")
    let json = try warroom("status", "--json").stdout
    let report = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
    #expect(report["ticket"] as? String == "OPS-42")
    #expect(report["channel"] as? String == "#inc-1-checkout-returns-502")
    let steps = (report["checklist"] as? [String: Any])?["steps"] as? [[String: Any]] ?? []
    #expect(
      steps.count > 3 && steps[1]["done"] as? Bool == true && steps[2]["done"] as? Bool == true)
    #expect(steps.first?["done"] as? Bool == false, "confirming a P1 stays a person's step")

    // Mitigation comments on the ticket and sets the channel's topic; resolution comments
    // with the post-mortem's summary and moves the issue through resolved_transition.
    try warroom("mitigate", "--as", "alice")
    let comment = try #require(
      peers.wait(for: 1, to: "/jira/rest/api/3/issue/OPS-42/comment").first)
    #expect(comment.headers["authorization"] == basic)
    #expect(comment.body.contains("Mitigated"))
    try warroom("verify", "the customer confirmed checkout works", "--as", "alice")
    try warroom("resolve", "--force", "test ends here", "--as", "alice")
    let comments = peers.wait(for: 2, to: "/jira/rest/api/3/issue/OPS-42/comment")
    #expect(comments.count == 2)
    #expect(comments.last?.body.contains("Post-mortem summary") == true)
    let transition = try #require(
      peers.wait(for: 1, to: "/jira/rest/api/3/issue/OPS-42/transitions").first)
    #expect((transition.json["transition"] as? [String: String]) == ["id": "31"])
    // Exactly once: one issue, one channel, however many turns the relay took.
    Thread.sleep(forTimeInterval: 1.5)
    #expect(peers.requests.filter { $0.path == "/jira/rest/api/3/issue" }.count == 1)
    #expect(peers.requests(to: "/slack/api/conversations.create").count == 1)
  }

  @Test func aTicketAPersonSetIsNeverOverwrittenAndGitHubCountsItsIssues() throws {
    try warroom("declare", "Search is slow", "--ticket", "SUP-7", "--as", "alice")
    let relay = try relay(try writeConfig(jira: false, github: true, channel: false))
    defer { relay.stop() }
    let create = try #require(peers.wait(for: 1, to: "/github/repos/acme/shop/issues").first)
    #expect(create.headers["authorization"] == "Bearer ghp_token_2")
    #expect(create.headers["accept"] == "application/vnd.github+json")
    #expect(create.headers["x-github-api-version"] == "2022-11-28")
    #expect(create.json["title"] as? String == "[P1] INC-1: Search is slow")
    try warroom("mitigate", "--as", "alice")
    let comment = try #require(
      peers.wait(for: 1, to: "/github/repos/acme/shop/issues/42/comments").first)
    #expect(comment.body.contains("Mitigated"))
    #expect(try status().contains("Ticket     SUP-7"), "a person's ticket stays")
  }

  @Test func aTakenChannelNameGetsASuffixAndAMissingScopeSaysWhichScope() throws {
    try peers.plan([
      "/slack/api/conversations.create": [
        ["status": 200, "body": #"{"ok":false,"error":"name_taken"}"#],
        [
          "status": 200,
          "body": #"{"ok":true,"channel":{"id":"C0TAKEN2","name":"inc-1-db-down-2"}}"#,
        ],
      ]
    ])
    try warroom("declare", "DB down", "--as", "alice")
    let relay = try relay(try writeConfig(jira: false))
    defer { relay.stop() }
    let creates = peers.wait(for: 2, to: "/slack/api/conversations.create")
    #expect(creates.map { $0.json["name"] as? String } == ["inc-1-db-down", "inc-1-db-down-2"])
    _ = BackgroundProcess.wait(atMost: 30, every: 0.2) {
      (try? status())?.contains("#inc-1-db-down-2") == true
    }
    #expect(try status().contains("Channel  #inc-1-db-down-2"))

    // A second incident, and Slack refusing for a scope the token lacks.
    try peers.plan([
      "/slack/api/conversations.create": [
        [
          "status": 200,
          "body": #"{"ok":false,"error":"missing_scope","needed":"channels:manage"}"#,
        ]
      ]
    ])
    try warroom("declare", "Cache down", "--as", "alice")
    var notify = ""
    _ = BackgroundProcess.wait(atMost: 30, every: 0.2) {
      notify = (try? warroom("notify", "status", "--incident", "INC-2").stdout) ?? ""
      return notify.contains("missing_scope")
    }
    #expect(
      notify.contains("Slack: missing_scope (the bot token needs channels:manage"), "\(notify)")
  }

  /// A stakeholder destination can post in the channel the relay creates: its messages
  /// wait for it, then go there.
  @Test func stakeholderMessagesGoToTheCreatedChannel() throws {
    try warroom("declare", "Checkout returns 502", "--as", "alice")
    let relay = try relay(try writeConfig(jira: false, stakeholders: true))
    defer { relay.stop() }
    let posted = try #require(peers.wait(for: 1, to: "/slack/api/chat.postMessage").first)
    #expect(posted.json["channel"] as? String == "#inc-1-checkout-returns-502")
    let created = try #require(peers.requests(to: "/slack/api/conversations.create").first)
    #expect(created.time <= posted.time)
    try warroom("update", "Rolled back; watching", "--as", "alice")
    let update = peers.wait(for: 2, to: "/slack/api/chat.postMessage").last
    #expect(update?.json["channel"] as? String == "#inc-1-checkout-returns-502")
    #expect(update?.json["thread_ts"] != nil, "threaded under the declaration")
  }

  /// A test must never open a real ticket or channel: it checks the project, the repo or
  /// the token instead, and says nothing was created.
  @Test func notifyTestChecksAndCreatesNothing() throws {
    let config = try writeConfig(jira: true, github: true, channel: true)
    for (name, path) in [
      ("jira", "/jira/rest/api/3/project/OPS"), ("github", "/github/repos/acme/shop"),
      ("slack-channel", "/slack/api/auth.test"),
    ] {
      let result = try warroom("notify", "test", name, "--config", config)
      #expect(result.status == 0, "\(name): \(result.stderr)")
      #expect(
        result.stdout.contains("no \(name == "slack-channel" ? "channel" : "ticket") was created"))
      #expect(peers.wait(for: 1, to: path).count == 1, "\(name)")
    }
    #expect(peers.requests.allSatisfy { $0.method == "GET" || $0.path == "/slack/api/auth.test" })
    #expect(peers.requests(to: "/slack/api/conversations").isEmpty)
    try peers.plan([
      "/slack/api/auth.test": [["status": 200, "body": #"{"ok":false,"error":"invalid_auth"}"#]]
    ])
    let refused = try warroom("notify", "test", "slack-channel", "--config", config)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("Slack: invalid_auth (check token_env"), "\(refused.stderr)")
  }

  @Test func killedBetweenCreatingTheTicketAndItsAnswerMakesAtMostOne() throws {
    // Jira takes 6 s to answer the creation: the relay is killed while it waits.
    try peers.plan([
      "/jira/rest/api/3/issue": [["status": 201, "delay": 6, "body": #"{"key":"OPS-9"}"#]]
    ])
    try warroom("declare", "Payments down", "--as", "alice")
    let config = try writeConfig(channel: false)
    let first = try relay(config, name: "first")
    // Kill the relay once the creation has reached Jira, before Jira answers.
    #expect(peers.waitForArrivals(1, to: "/jira/rest/api/3/issue"), "\(first.output)")
    let shown = try warroom("notify", "status").stdout
    #expect(shown.contains("jira") && shown.contains("⧗"), "recorded before it was sent: \(shown)")
    first.killHard()
    #expect(peers.requests(to: "/jira/rest/api/3/issue").isEmpty, "still waiting for its answer")
    let second = try relay(config, name: "second")
    defer { second.stop() }
    var notify = ""
    let said = BackgroundProcess.wait(atMost: 40, every: 0.2) {
      notify = (try? warroom("notify", "status").stdout) ?? ""
      return notify.contains("may have been created")
    }
    #expect(said, "\(notify)\n\(second.output)")
    peers.wait(for: 1, to: "/jira/rest/api/3/issue", atMost: 30)
    Thread.sleep(forTimeInterval: 1.5)
    #expect(peers.requests.filter { $0.path == "/jira/rest/api/3/issue" }.count == 1)
    #expect(try status().contains("Ticket     none"))
  }
}
