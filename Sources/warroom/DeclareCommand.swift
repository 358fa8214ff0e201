import ArgumentParser
import Foundation
import WarroomCore

struct Declare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Declare a new incident and print its id.")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "What is broken, in a few words.") var title: String
  @Option(help: "P1 (customer-visible outage) to P4.") var severity: Severity = .p1
  @Option(help: "Time between stakeholder updates, such as 30m.") var cadence: String?
  @Option(help: "The incident ticket, such as IM-123.") var ticket: String?
  @Option(help: "The war-room channel, such as #inc-db.") var channel: String?
  @Option(help: "Who is affected and how.") var impact: String?
  @Option(help: "A JSON runbook file replacing the built-in checklist.") var runbook: String?

  func validate() throws {
    try requireText(title, "the title")
    if let cadence { _ = try parseDuration(cadence) }
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
      ticket: ticket, channel: channel, impact: impact, runbook: book)
  }
}

struct Edit: IncidentCommand {
  static let configuration = CommandConfiguration(
    abstract: "Change the incident's title, severity, impact, ticket or channel.")

  @OptionGroup var global: GlobalOptions
  @Option var title: String?
  @Option var severity: Severity?
  @Option var impact: String?
  @Option var ticket: String?
  @Option var channel: String?

  func command() throws -> Command {
    .edit(
      DetailsChanged(
        title: title, severity: severity, impact: impact, ticket: ticket, channel: channel))
  }
}
