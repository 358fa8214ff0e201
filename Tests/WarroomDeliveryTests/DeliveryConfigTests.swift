import Foundation
import Testing
import WarroomCore
import WarroomTestSupport

@testable import WarroomDelivery

/// The destinations file: the contract's fields, one clear line for each mistake, and
/// secrets that never sit in the file itself.
@Suite("Delivery config")
struct DeliveryConfigTests {
  let folder: TemporaryFolder
  init() throws { folder = try TemporaryFolder() }

  func parse(_ text: String, environment: [String: String] = [:]) throws(ConfigError)
    -> DeliveryConfig
  {
    try DeliveryConfig.parse(text, path: folder.path("config.toml"), environment: environment)
  }

  func error(_ text: String, environment: [String: String] = [:]) -> String {
    do {
      _ = try parse(text, environment: environment)
      return "no error"
    } catch {
      return error.message
    }
  }

  @Test func theContractsExampleReads() throws {
    let config = try parse(
      """
      [[destination]]
      name = "stakeholders"              # shown in the dashboard and the post-mortem
      kind = "slack-webhook"
      url_env = "SLACK_WEBHOOK_URL"
      messages = ["declared", "announce", "update", "mitigated", "resolved", "reopened"]
      severities = ["P1", "P2"]

      [[destination]]
      name = "audit"
      kind = "webhook"
      url = "https://hooks.example.internal/warroom"
      secret_env = "WARROOM_WEBHOOK_SECRET"
      messages = ["*"]
      """,
      environment: [
        "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X",
        "WARROOM_WEBHOOK_SECRET": "s3cret",
      ])
    #expect(config.destinations.map(\.name) == ["stakeholders", "audit"])
    let slack = config.destinations[0]
    #expect(slack.kind == .slackWebhook)
    #expect(slack.url == "https://hooks.slack.com/services/T/B/X")
    #expect(slack.urlIsSecret)
    #expect(slack.severities == [.p1, .p2])
    #expect(!slack.messages.contains(.overdue))
    #expect(slack.problem == nil)
    let audit = config.destinations[1]
    #expect(audit.messages == Set(MessageType.allCases))
    #expect(audit.secret == "s3cret")
    #expect(!audit.urlIsSecret)
  }

  @Test func mistakesAreOneLineEach() {
    let path = folder.path("config.toml")
    #expect(error("[[destination]\nname = 1").hasPrefix("\(path):1: "))
    #expect(
      error("[[destination]]\nname = \"x\"\nkind = \"pager\"\nmessages = [\"*\"]")
        == "\(path): destination \"x\": unknown kind \"pager\" (expected one of slack-webhook, slack, teams, statuspage, webhook, command)"
    )
    #expect(
      error(
        "[[destination]]\nname = \"x\"\nkind = \"teams\"\nmessages = [\"updates\"]\nurl = \"https://t\""
      )
      .contains("unknown message \"updates\""))
    #expect(
      error(
        "[[destination]]\nname = \"x\"\nkind = \"slack\"\ntoken = \"xoxb-1\"\nmessages = [\"*\"]"
      )
      .contains("token must not be written in the config: name it with token_env or token_file"))
    #expect(
      error("[[destination]]\nkind = \"teams\"\nmessages = [\"*\"]").contains("name is missing"))
    #expect(
      error("[[destination]]\nname = \"a b\"\nkind = \"teams\"\nmessages = [\"*\"]").contains(
        "the name may hold"))
    let twice =
      "[[destination]]\nname = \"x\"\nkind = \"command\"\ncommand = \"true\"\nmessages = [\"*\"]\n"
    #expect(error(twice + twice).contains("two destinations are named \"x\""))
    #expect(error("colour = \"red\"").contains("unknown setting \"colour\""))
    #expect(
      error(
        "[[destination]]\nname = \"x\"\nkind = \"command\"\ncommand = \"true\"\nmessages = [\"*\"]\ntimeout = 0"
      )
      .contains("timeout must be 1 to 300 seconds"))
    for text in [error("[[destination]\nname = 1"), error(twice + twice)] {
      #expect(!text.contains("\n"))
    }
  }

  @Test func theIntakeReadsWithItsRulesInOrder() throws {
    let config = try parse(
      """
      [intake]
      listen = "127.0.0.1:9095"
      token_env = "AM_TOKEN"
      pagerduty_secret_env = "PD_SECRET"

      [[intake.rule]]
      match = { service = "batch" }
      action = "ignore"

      [[intake.rule]]
      match = { source = "pagerduty", urgency = "low" }
      action = "attach"

      [[intake.rule]]
      match = { team = "payments" }
      action = "declare"
      severity = "p2"
      title = "{{labels.service}}: {{name}}"
      """, environment: ["AM_TOKEN": "t0k"])
    let intake = try #require(config.intake)
    #expect(intake.listen == ListenAddress(host: "127.0.0.1", port: 9095))
    #expect(intake.token == "t0k")
    #expect(intake.pagerDutySecret == nil)
    #expect(intake.problems == ["pagerduty_secret_env names $PD_SECRET, which is not set"])
    #expect(intake.rules.map(\.action) == [.ignore, .attach, .declare])
    #expect(intake.rules[2].severity == .p2)
    #expect(intake.rules[1].match == ["source": "pagerduty", "urgency": "low"])
  }

  @Test func ticketsAndChannelsReadAsDestinationsOfTheirOwn() throws {
    let config = try parse(
      """
      [people]
      ann = "U0ANN"

      [[ticket]]
      kind = "jira"
      url = "https://acme.atlassian.net"
      project = "OPS"
      token_env = "JIRA_TOKEN"

      [[ticket]]
      kind = "github"
      repo = "acme/shop"
      token_env = "GH_TOKEN"

      [[channel]]
      kind = "slack"
      token_env = "SLACK_BOT"
      name = "war-{{number}}"
      """, environment: ["JIRA_TOKEN": "j", "SLACK_BOT": "x"])
    #expect(config.destinations.map(\.name) == ["jira", "github", "slack-channel"])
    #expect(config.destinations[0].problem == nil && config.destinations[0].issueType == "Task")
    #expect(config.destinations[1].problem == "token_env names $GH_TOKEN, which is not set")
    #expect(config.destinations[2].channelName == "war-{{number}}")
    #expect(config.destinations[2].people == ["ann": "U0ANN"])
    #expect(config.destinations[2].messages.contains(.update))
  }

  @Test func ticketAndChannelMistakesAreOneLineEach() {
    let cases: [(String, String)] = [
      ("[[ticket]]\nkind = \"trello\"", "is not jira or github"),
      ("[[ticket]]\nkind = \"jira\"\nproject = \"OPS\"", "needs url"),
      ("[[ticket]]\nkind = \"jira\"\nurl = \"https://j\"", "needs project"),
      ("[[ticket]]\nkind = \"github\"\nrepo = \"shop\"", "repo = \"OWNER/NAME\""),
      ("[[ticket]]\nkind = \"github\"\nrepo = \"a/b\"\ntoken = \"t\"", "must not be written"),
      ("[[ticket]]\nkind = \"jira\"\nurl = \"https://j:99999\"\nproject = \"O\"", "url:"),
      (
        "[[ticket]]\nkind = \"jira\"\nurl = \"https://j\"\nproject = \"O\"\nresolved_transition = \"Done\"",
        "the transition's id"
      ),
      ("[[channel]]\nkind = \"teams\"", "is not slack"),
      ("[[channel]]\nkind = \"slack\"\ninvite = [\"@ann\"]", "is not a Slack user id"),
      ("[people]\nann = \"<@U1>\"", "must be a Slack user id"),
      (
        "[[destination]]\nname = \"r\"\nkind = \"teams\"\nurl = \"https://t\"\nmessages = [\"*\"]\nincident_channel = true",
        "incident_channel is for a slack destination"
      ),
      (
        "[[destination]]\nname = \"r\"\nkind = \"slack\"\nchannel = \"C1\"\nmessages = [\"*\"]\nincident_channel = true",
        "not both"
      ),
    ]
    for (text, expected) in cases {
      let message = error(text)
      #expect(message.contains(expected), "\(text) → \(message)")
      #expect(!message.contains("\n"))
    }
  }

  @Test func intakeMistakesAreOneLineEach() {
    let cases: [(String, String)] = [
      ("[intake]\ntoken = \"x\"", "token must not be written in the config"),
      ("[intake]\nlisten = \"127.0.0.1:70000\"", "is not 0 to 65535"),
      ("[intake]\nlisten = \"nohost\"", "is not HOST:PORT"),
      ("[intake]\nlisten = 9095", "listen must be a string"),
      ("[intake]\nbogus = 1", "unknown field \"bogus\""),
      ("[[intake.rule]]\naction = \"page\"", "is not declare, attach or ignore"),
      ("[[intake.rule]]\nmatch = { a = \"b\" }", "action is missing"),
      ("[[intake.rule]]\naction = \"declare\"\nseverity = \"P9\"", "severity must be"),
      ("[[intake.rule]]\naction = \"declare\"\ntitle = \"{{#x}}\"", "does not parse"),
      ("[[intake.rule]]\naction = \"ignore\"\nmatch = { source = \"nagios\" }", "is not a source"),
    ]
    for (text, expected) in cases {
      let message = error(text)
      #expect(message.contains(expected), "\(text) → \(message)")
      #expect(!message.contains("\n"))
    }
  }

  @Test func aMissingSecretDisablesOnlyItsDestination() throws {
    let config = try parse(
      """
      [[destination]]
      name = "slack"
      kind = "slack"
      token_env = "NOT_SET_ANYWHERE"
      channel = "C1"
      messages = ["update"]

      [[destination]]
      name = "mail"
      kind = "command"
      command = "true"
      messages = ["update"]
      """)
    #expect(config.destinations[0].problem == "token_env names $NOT_SET_ANYWHERE, which is not set")
    #expect(config.destinations[1].problem == nil)
  }

  @Test func aSecretFileMustBePrivate() throws {
    let token = folder.path("slack.token")
    try "xoxb-file-token\n".write(toFile: token, atomically: true, encoding: .utf8)
    chmod(token, 0o644)
    let text = """
      [[destination]]
      name = "slack"
      kind = "slack"
      token_file = "slack.token"
      channel = "C1"
      messages = ["update"]
      """
    let open = try parse(text).destinations[0]
    #expect(open.problem?.contains("may be read by others (mode 644): chmod 600 it") == true)
    #expect(open.token == nil)
    chmod(token, 0o600)
    let closed = try parse(text).destinations[0]
    #expect(closed.problem == nil)
    #expect(closed.token == "xoxb-file-token")
  }

  @Test func whatEachKindNeedsIsSaid() throws {
    let config = try parse(
      """
      [[destination]]
      name = "sp"
      kind = "statuspage"
      api_key_env = "KEY"
      messages = ["*"]

      [[destination]]
      name = "hook"
      kind = "webhook"
      url = "ftp://example.com/x"
      messages = ["*"]
      """, environment: ["KEY": "k"])
    #expect(config.destinations[0].problem == "a statuspage destination needs page_id")
    #expect(
      config.destinations[1].problem
        == "its url is not usable: only http and https addresses are allowed (not ftp)")
  }

  @Test func theConfigIsFoundWhereTheContractSays() {
    #expect(
      DeliveryConfig.locate(explicit: "/a.toml", environment: ["WARROOM_CONFIG": "/b"]) == (
        "/a.toml", true
      ))
    #expect(
      DeliveryConfig.locate(explicit: nil, environment: ["WARROOM_CONFIG": "/b"]) == ("/b", true))
    #expect(
      DeliveryConfig.locate(explicit: nil, environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"])
        == ("/x/warroom/config.toml", false))
    #expect(
      DeliveryConfig.locate(explicit: nil, environment: ["HOME": "/h"])
        == ("/h/.config/warroom/config.toml", false))
  }

  @Test func aTemplateThatIsNotMustacheIsRefusedAtOnce() throws {
    let template = folder.path("bad.mustache")
    try "{{#open}} never closed".write(toFile: template, atomically: true, encoding: .utf8)
    #expect(
      error(
        "[[destination]]\nname = \"x\"\nkind = \"command\"\ncommand = \"true\"\nmessages = [\"*\"]\ntemplate = \"bad.mustache\""
      )
      .contains("is not valid Mustache"))
  }

  @Test func aTemplateIsBoundedAndParsedOnceWhenTheConfigIsRead() throws {
    let config =
      "[[destination]]\nname = \"x\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/\"\nmessages = [\"*\"]\ntemplate = \"t.mustache\""
    let template = folder.path("t.mustache")
    try String(repeating: "{{title}} ", count: 25_000).write(
      toFile: template, atomically: true, encoding: .utf8)
    #expect(error(config).contains("is larger than 32 KiB"), "\(error(config))")
    let fits = String(repeating: "{{title}} ", count: 3_000)
    try fits.write(toFile: template, atomically: true, encoding: .utf8)
    let read = try parse(config)
    #expect(read.destinations[0].template == fits)
    // What a send renders was parsed while reading: the cache holds it.
    #expect(MessageText.parsed(MessageText.source(style: .plain, template: fits)) != nil)
  }

  @Test func aNulByteOrBytesThatAreNotUTF8NameTheirLine() {
    #expect(
      error("[probes]\nallow_commands = false\n\u{0}\n[[destination]]\n")
        .hasSuffix("config.toml:3: holds a NUL byte"))
  }
}
