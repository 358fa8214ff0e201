import ArgumentParser
import Foundation
import WarroomCore

struct Declare: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "declare",
    abstract: "Declare a new incident and print its id.")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "What is broken, in a few words.") var title: String
  @Option(help: "P1 (customer-visible outage) to P4.") var severity: Severity = .p1
  @Option(help: "Time between stakeholder updates, such as 30m.") var cadence: String?
  @Option(help: "The incident ticket, such as IM-123.") var ticket: String?
  @Option(help: "The war-room channel, such as #inc-db.") var channel: String?
  @Option(help: "Who is affected and how.") var impact: String?
  @Option(help: "A JSON runbook file replacing the built-in checklist.") var runbook: String?
  @Option(
    help: ArgumentHelp(
      "When customers began to be hurt (UTC, or with an offset): 2026-11-27 02:58, 02:58.",
      valueName: "time"))
  var startedAt: String?

  func validate() throws {
    try requireText(title, "the title")
    if let cadence { _ = try parseDuration(cadence) }
    if let startedAt { _ = try parseTime(startedAt, "--started-at") }
  }

  func run() throws {
    let store = try global.openStore(create: true)
    let declared = try declaration()
    let at = Date()
    let id = try GlobalOptions.deliver { request in
      try store.declare(declared, actor: global.who, at: at, request: request)
    }
    try Output.data(id.rawValue)
  }

  /// The declaration event's payload, with the runbook file read if one is named.
  func declaration() throws -> Declared {
    var book = Runbook.standard
    if let runbook {
      let data = try readSmallFile(runbook, what: "runbook")
      book = try Runbook.decode(data, source: runbook)
    }
    return Declared(
      title: title, severity: severity, cadence: try cadence.map(parseDuration),
      ticket: ticket, channel: channel, impact: impact, runbook: book,
      impactStartedMs: try startedAt.map { try parseTime($0, "--started-at") })
  }
}

struct Edit: IncidentCommand {
  static let configuration = CommandConfiguration(
    commandName: "edit",
    abstract: "Change the incident's title, severity, impact, ticket or channel.")

  @OptionGroup var global: GlobalOptions
  @Option var title: String?
  @Option var severity: Severity?
  @Option var impact: String?
  @Option var ticket: String?
  @Option var channel: String?
  @Option(help: ArgumentHelp("When customers began to be hurt.", valueName: "time"))
  var startedAt: String?
  @Option(help: ArgumentHelp("When the outage was noticed.", valueName: "time"))
  var detectedAt: String?

  func validate() throws {
    if let startedAt { _ = try parseTime(startedAt, "--started-at") }
    if let detectedAt { _ = try parseTime(detectedAt, "--detected-at") }
  }

  func command() throws -> Command {
    .edit(
      DetailsChanged(
        title: title, severity: severity, impact: impact, ticket: ticket, channel: channel,
        impactStartedMs: try startedAt.map { try parseTime($0, "--started-at") },
        detectedMs: try detectedAt.map { try parseTime($0, "--detected-at") }))
  }
}
