import ArgumentParser
import Foundation
import TerminalBackend
import WarroomCore
import WarroomDelivery
import WarroomPostgres
import WarroomScreen
import WarroomStore

struct Dashboard: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dashboard",
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
  @OptionGroup var delivery: ConfigOption
  @Flag(help: "Do not deliver stakeholder messages from this dashboard, even with a config.")
  var noDeliver = false

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
    if global.namedIncident != nil {
      incident = try global.resolveIncident(in: store)
    } else {
      incident = try store.currentIncident()
    }
    var model = DashboardModel(me: global.who, view: view)
    if deferred {
      model.notice = "no store yet: declaring the first incident creates it at \(path)"
    }
    if localTime { model.timeOffset = TimeZone.current.secondsFromGMT() }
    let locale =
      ProcessInfo.processInfo.environment["LC_ALL"]
      ?? ProcessInfo.processInfo.environment["LC_CTYPE"]
      ?? ProcessInfo.processInfo.environment["LANG"] ?? ""
    model.asciiOnly =
      theme.name == "mono"
      || !(locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8"))
    // With a config, this dashboard delivers while no relay or other dashboard does. A bad
    // config is said, and the dashboard runs on without delivering.
    var deliverer: Deliverer?
    var destinations: [Destination] = []
    if !noDeliver {
      do {
        if let config = try delivery.load() {
          destinations = config.destinations
          // A connection of its own: the deliverer works on its own thread.
          let own: any EventStore = deferred ? DeferredStore(path: path) : try global.openStore()
          deliverer = try Deliverer(
            store: own, destinations: config.destinations, probes: config.probes,
            identity: .init(label: "dashboard of \(global.who)"), report: { _ in })
          if let broken = config.destinations.first(where: { $0.problem != nil }) {
            model.notice =
              "destination \(broken.name) cannot be used: \(broken.problem ?? "")"
          }
        }
      } catch let error as ConfigError {
        model.notice = "not delivering: \(error.message)"
      }
    }
    let app = try DashboardApp(
      store: store, incident: incident, followsCurrent: global.namedIncident == nil, model: model,
      theme: theme, destinations: destinations)
    let finished = DispatchSemaphore(value: 0)
    if let deliverer {
      Thread.detachNewThread {
        deliverer.run(stopGrace: 3)
        finished.signal()
      }
    }
    defer {
      if let deliverer {
        deliverer.stop()
        _ = finished.wait(timeout: .now() + 5)
      }
    }
    try app.run()
  }
}

extension ViewMode: ExpressibleByArgument {}
