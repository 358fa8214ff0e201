import ArgumentParser
import Foundation
import WarroomCore
import WarroomDelivery
import WarroomPostgres
import WarroomStore

/// `warroom relay`: the store's deliverer in the foreground, for systemd or a tmux pane.
struct Relay: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "relay",
    abstract: "Deliver stakeholder messages from the store (runs until stopped).",
    discussion: """
      Holds the store's deliverer lease while it runs: one deliverer per store sends \
      every message once, in order, records each attempt and outcome in the store, and \
      runs the incidents' probes. Another relay or dashboard takes over within 15 seconds \
      after this one stops. Without a config it runs probes only.

      With --listen (or listen under [intake] in the config) it also takes alerts over \
      HTTP: POST /v1/alerts/alertmanager, /grafana, /pagerduty and /generic, and GET \
      /healthz. A critical alert declares an incident (the lead still confirms it is a \
      P1), others join the open incident as findings; [[intake.rule]] tables change that.
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var options: ConfigOption
  @Option(
    help: ArgumentHelp(
      "Keep the store's chain head in this file, for store verify --head-file.",
      valueName: "path"))
  var headFile: String?
  @Option(
    help: ArgumentHelp(
      "Take alerts over HTTP on this address (port 0: any free port, said at start).",
      valueName: "host:port"))
  var listen: String?

  func validate() throws {
    if let listen {
      do {
        _ = try ListenAddress(parsing: listen)
      } catch {
        throw ValidationError("--listen: \(error.message)")
      }
    }
  }

  func run() throws {
    // Without a config the relay runs the incidents' probes only.
    let config =
      try options.load()
      ?? DeliveryConfig(path: "no config", destinations: [])
    for destination in config.destinations {
      if let problem = destination.problem {
        Output.warn("destination \(destination.name): \(problem); its deliveries will fail")
      }
    }
    let path = global.storePath
    // A relay may start before the first incident: it waits for the store to appear.
    let store: any EventStore =
      !PostgresLocation.isPostgres(path) && !FileManager.default.fileExists(atPath: path)
      ? DeferredStore(path: path) : try global.openStore()
    let listenAt = try listen.map { try ListenAddress(parsing: $0) } ?? config.intake?.listen
    let intake = config.intake ?? IntakeConfig()
    // Everything that can fail at start comes before the deliverer, whose HTTP client must
    // be shut down once made: the listener binds first and hands alerts on once it exists.
    let relay = RelayHandle()
    var server: IntakeServer?
    if let listenAt {
      for problem in intake.problems {
        Output.warn("intake: \(problem); its senders are refused")
      }
      if intake.token == nil, intake.pagerDutySecret == nil, intake.genericSecret == nil {
        Output.warn(
          "intake: no credentials are set under [intake] (token_env, pagerduty_secret_env, "
            + "generic_secret_env): every alert will be refused")
      }
      let listener = IntakeServer(config: intake) { alerts in
        guard let deliverer = relay.deliverer else {
          return IntakeAnswer(503, "the relay is starting; send again")
        }
        return await deliverer.receive(alerts)
      }
      do {
        let bound = try listener.start(on: listenAt)
        Output.note("relay: listening for alerts on http://\(bound)")
      } catch {
        throw Failure(message: "relay: \(error.message)")
      }
      server = listener
    }
    let signals: SignalPipe
    do {
      signals = try SignalPipe(catching: [SIGINT, SIGTERM, SIGHUP])
    } catch {
      server?.stop()
      throw error
    }
    let deliverer: Deliverer
    do {
      deliverer = try Deliverer(
        store: store, destinations: config.destinations, probes: config.probes,
        identity: .init(label: "relay"), headFile: headFile,
        alertRules: listenAt == nil ? nil : intake.rules,
        report: RelayReport.line)
    } catch {
      server?.stop()
      throw error
    }
    relay.deliverer = deliverer
    Output.note(
      config.destinations.isEmpty
        ? "relay: running probes for \(store.location) (no destinations configured)"
        : "relay: delivering from \(store.location) to \(config.destinations.count) "
          + "destination\(config.destinations.count == 1 ? "" : "s") (\(config.path)), "
          + "and running probes")
    let signalled = signals.fileDescriptor
    Thread.detachNewThread {
      var fds = [pollfd(fd: signalled, events: Int16(POLLIN), revents: 0)]
      while poll(&fds, 1, -1) < 0 && errno == EINTR {}
      deliverer.stop()
    }
    withExtendedLifetime(signals) { deliverer.run() }
    server?.stop()
    Output.note("relay: stopped")
  }
}

/// The deliverer, once made, for the listener that started before it.
private final class RelayHandle: @unchecked Sendable {
  private let lock = NSLock()
  private var made: Deliverer?

  var deliverer: Deliverer? {
    get { lock.withLock { made } }
    set { lock.withLock { made = newValue } }
  }
}

/// The relay's output: one line per outcome and per change of the lease.
enum RelayReport {
  @Sendable static func line(_ report: Deliverer.Report) {
    switch report {
    case .lease(let held, let holder):
      if held {
        Output.note("relay: holding the deliverer lease")
      } else if let holder {
        Output.note("relay: waiting: \(holder.description) delivers for this store")
      } else {
        Output.note("relay: gave up the deliverer lease")
      }
    case .sent(let job, let outcome, let incident):
      let what = "\(incident) #\(job.message.seq) \(job.message.type.rawValue) → \(job.destination)"
      switch outcome {
      case .delivered(let status, _):
        Output.note("\(what): delivered" + (status.map { " (\($0))" } ?? ""))
      case .failed(let reason, let permanent, _):
        Output.note("\(what): failed: \(reason)" + (permanent ? " (not retried)" : ""))
      }
    case .note(let text):
      Output.note("relay: \(text)")
    }
  }
}
