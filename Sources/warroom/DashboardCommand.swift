import ArgumentParser
import Foundation
import TerminalBackend
import WarroomCore
import WarroomPostgres
import WarroomScreen
import WarroomStore

struct Dashboard: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Open the live full-screen dashboard (the default command).",
    discussion: """
      Type a line and press Enter to log it; everything typed is text. F1 shows the keys; \
      Ctrl-C (or :quit) quits.
      """)

  @OptionGroup var global: GlobalOptions
  @Option(help: "Lay the screen out for a job: lead, recorder or communicator.")
  var view: ViewMode = .lead
  @Option(
    help: ArgumentHelp(
      "A built-in theme (dark, light, high-contrast, mono), a user theme's name, or a file.",
      valueName: "name|path"))
  var theme: String?
  @Flag(help: "Show times in this machine's time zone (with its offset) instead of UTC.")
  var localTime = false

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    // Everything that can fail with a clear message fails before the screen is taken over.
    let theme = try ThemeLoader.load(self.theme, environment: environment)
    // A missing store is made when the first incident is declared, not before: opening
    // the dashboard on a mistyped path leaves nothing behind.
    let path = global.storePath
    let deferred =
      !PostgresLocation.isPostgres(path) && !FileManager.default.fileExists(atPath: path)
    let store: any EventStore = deferred ? DeferredStore(path: path) : try global.openStore()
    var incident: IncidentState? = nil
    if global.incident != nil {
      incident = try global.resolveIncident(in: store)
    } else {
      incident = try store.currentIncident()
    }
    var model = DashboardModel(me: global.who, view: view)
    if deferred {
      model.notice = "no store yet: declaring the first incident creates it at \(path)"
    }
    if localTime { model.timeOffset = TimeZone.current.secondsFromGMT() }
    let app = try DashboardApp(
      store: store, incident: incident, followsCurrent: global.incident == nil, model: model,
      theme: theme)
    try app.run()
  }
}

extension ViewMode: ExpressibleByArgument {}
