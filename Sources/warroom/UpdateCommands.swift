import ArgumentParser
import WarroomCore

struct Update: IncidentCommand {
  static let configuration = CommandConfiguration(
    commandName: "update",
    abstract: "Record a stakeholder update; restarts the countdown.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "What was told to stakeholders.") var text: String
  func validate() throws { try requireText(text, "the update") }
  func command() throws -> Command { .postUpdate(text) }
}

struct Announce: IncidentCommand {
  static let configuration = CommandConfiguration(
    commandName: "announce",
    abstract: "Announce the outage to the company (step 4); the deliverer sends it.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The announcement, as it should be read.") var text: String
  func validate() throws { try requireText(text, "the announcement") }
  func command() throws -> Command { .announce(text) }
}

struct Cadence: IncidentCommand {
  static let configuration = CommandConfiguration(
    commandName: "cadence",
    abstract: "Set the time between stakeholder updates (15m to 45m by default).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Such as 20m.") var duration: String
  func validate() throws { _ = try parseDuration(duration) }
  func command() throws -> Command { .setCadence(try parseDuration(duration)) }
}

struct Why: IncidentCommand {
  static let configuration = CommandConfiguration(
    commandName: "why",
    abstract: "Add a link to a five-whys chain.",
    discussion:
      "Links go to the last chain unless --chain names one; the next number starts a new chain.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The question, such as \"Why did the database stop?\".") var why: String
  @Argument(help: "The answer.") var because: String
  @Option(help: "The chain's number, from 1.") var chain: Int?
  func validate() throws {
    try requireText(why, "the why")
    try requireText(because, "the because")
  }
  func command() throws -> Command { .addWhy(chain: chain, why: why, because: because) }
}

struct FollowupCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "followup", abstract: "Track tech debt and action items.",
    subcommands: [Add.self, Done.self])

  struct Add: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "add", abstract: "Add a follow-up and print its id.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "What must be done.") var text: String
    @Option(help: "Who owns it.") var owner: String?
    func validate() throws { try requireText(text, "the follow-up") }
    func command() throws -> Command { .addFollowup(text, owner: owner) }
    func run() throws {
      let (_, written) = try global.perform(command(), receiptsOnStdout: false)
      if case .followupAdded(let added) = written.first?.event { try Output.data(String(added.id)) }
    }
  }

  struct Done: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "done", abstract: "Close a follow-up.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The follow-up's id.") var id: Int
    func command() throws -> Command { .closeFollowup(id) }
  }
}

struct Mitigate: IncidentCommand {
  static let configuration = CommandConfiguration(
    commandName: "mitigate",
    abstract: "Announce the incident mitigated (yellow).",
    discussion: """
      While a probe does not pass, say why it is mitigated anyway with --reason: \
      stakeholders read it with the message.
      """)
  @OptionGroup var global: GlobalOptions
  @Option(help: "Why, while a probe still fails (the message carries it).") var reason: String?
  func validate() throws { if let reason { try requireText(reason, "the reason") } }
  func command() throws -> Command { .mitigate(reason: reason) }
}

struct Verify: IncidentCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Record the customer's verification of the fix.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Who verified what.") var text: String
  func validate() throws { try requireText(text, "the verification") }
  func command() throws -> Command { .verify(text) }
}

struct Resolve: IncidentCommand {
  static let configuration = CommandConfiguration(
    commandName: "resolve",
    abstract: "Announce the incident resolved (green).",
    discussion:
      "Refused until the customer has verified and every follow-up is closed, unless forced.")
  @OptionGroup var global: GlobalOptions
  @Option(help: "Force green anyway; the reason is logged.") var force: String?
  func validate() throws { if let force { try requireText(force, "the reason") } }
  func command() throws -> Command { .resolve(force: force) }
}

struct Reopen: IncidentCommand {
  static let configuration = CommandConfiguration(
    commandName: "reopen",
    abstract: "Reopen a mitigated or resolved incident (back to red).")
  @OptionGroup var global: GlobalOptions
  @Option(help: "Why it is reopened.") var reason: String?
  func command() throws -> Command { .reopen(reason: reason) }
}
