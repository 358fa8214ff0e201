import ArgumentParser
import Foundation
import WarroomCore
import WarroomReports
import WarroomStore

struct Status: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show the incident at a glance: status, checklist, roles, experiments, next update.")
  @OptionGroup var global: GlobalOptions
  @Flag(help: "Print JSON instead of text.") var json = false

  func run() throws {
    let store = try global.openStore()
    let state = try global.resolveIncident(in: store, orNewest: true, history: .summary)
    global.warnIfTampered(store)
    let report = StatusReport(state: state, now: Date())
    if json { try Output.json(try JSONText.encode(report)) } else { try Output.data(report.text) }
    KeptUntilExit.keep(state)
  }
}

struct List: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List incidents with severity, status and age.")
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let store = try global.openStore()
    let now = Date()
    let incidents = try store.loadAll(history: .summary)
    global.warnIfTampered(store)
    if incidents.isEmpty {
      Output.note("no incidents in \(store.location)")
      return
    }
    for state in incidents.reversed() {
      let age = DurationText.age(Int(seconds: now.timeIntervalSince(state.declaredAt)))
      let id = state.id.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
      let status = "\(state.status.colourWord) \(state.status.rawValue)"
        .padding(toLength: 22, withPad: " ", startingAt: 0)
      let ageText = age.padding(toLength: 8, withPad: " ", startingAt: 0)
      try Output.data(
        "\(id) \(state.severity.rawValue)  \(status) \(ageText) \(SafeText.inert(state.title))")
    }
  }
}

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write the post-mortem (markdown) or the full event log and state (json).")

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case markdown, json
  }

  @OptionGroup var global: GlobalOptions
  @Option(help: "markdown or json.") var format: Format = .markdown
  @Option(help: "Write to this file instead of stdout.") var output: String?
  @Option(
    help: ArgumentHelp(
      "Keep the store's chain head in this file, for store verify --head-file.",
      valueName: "path"))
  var headFile: String?

  func run() throws {
    let store = try global.openStore()
    let incident = try global.resolveIncident(in: store, orNewest: true, history: .summary).id
    let head = try store.chainHead()
    // The record is made from the events themselves, never from a snapshot (a cache that
    // someone able to write the store could have planted).
    let events = try store.events(after: 0, incident: incident, limit: nil)
    var state = IncidentState(id: incident)
    for envelope in events { Reducer.apply(envelope, to: &state) }
    let now = Date()
    let text: String
    switch format {
    case .markdown:
      // The head it was made from: `store verify --expect-head` with it later shows
      // whether the record still holds every event this post-mortem saw.
      text =
        PostMortem.markdown(state, now: now)
        + (head.map {
          "\n\nMade from the store's events up to #\($0.seq)"
            + ($0.hash.isEmpty ? "." : "; chain head `\($0)`.")
        } ?? "")
    case .json:
      text = try JSONText.encode(JSONExport(state: state, events: events, now: now))
    }
    if let headFile, let head {
      do {
        try HeadWitness.write(head, to: headFile)
      } catch {
        throw Failure(message: "cannot write \(headFile): \(error)")
      }
    }
    if let output {
      do {
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
      } catch {
        throw Failure(message: "cannot write \(output): \(error.localizedDescription)")
      }
      Output.note("\(state.id): wrote \(output)")
    } else if format == .json {
      try Output.json(text)
    } else {
      try Output.data(text)
    }
  }
}
