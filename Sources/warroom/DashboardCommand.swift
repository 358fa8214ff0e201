import ArgumentParser
import Foundation
import TerminalBackend
import WarroomCore
import WarroomScreen

struct Dashboard: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Open the live full-screen dashboard (the default command).",
    discussion: "Press ? inside for the keys. Type a line and press Enter to log it.")

  @OptionGroup var global: GlobalOptions
  @Option(help: "Lay the screen out for a job: lead, recorder or communicator.")
  var view: ViewMode = .lead
  @Option(
    help: ArgumentHelp(
      "A built-in theme (dark, light, high-contrast, mono), a user theme's name, or a file.",
      valueName: "name|path"))
  var theme: String?

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    // Everything that can fail with a clear message fails before the screen is taken over.
    let theme = try ThemeLoader.load(self.theme, environment: environment)
    let store = try global.openStore(create: true)
    var incident: IncidentState? = nil
    if global.incident != nil {
      incident = try global.resolveIncident(in: store)
    } else {
      incident = try store.currentIncident()
    }
    let app = try DashboardApp(
      store: store, incident: incident, followsCurrent: global.incident == nil,
      model: DashboardModel(me: global.who, view: view), theme: theme)
    try app.run()
  }
}

extension ViewMode: ExpressibleByArgument {}
