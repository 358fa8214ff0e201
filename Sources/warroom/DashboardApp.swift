import ArgumentParser
import Foundation
import TerminalBackend
import WarroomCore
import WarroomScreen
import WarroomStore

/// The event loop: one thread that owns the clock, the keyboard and the store's change
/// signal. Each turn it waits for whichever comes first, folds it in, renders the whole
/// screen as a pure function and lets the backend paint what changed.
final class DashboardApp {
  private let store: any EventStore
  private var incident: IncidentState?
  /// Without `--incident`, the dashboard moves to a newly declared incident when it has none.
  private let followsCurrent: Bool
  private var model: DashboardModel
  private let theme: Theme
  private var lastPhase: Countdown.Phase?
  private var quitting = false
  /// Re-checks still due after a change signal that found nothing new yet. A writer's
  /// WAL frames reach the file (and wake us) a moment before its commit is visible, so a
  /// signal that finds nothing is looked at again a few times, briefly.
  private var recheckAt: [Int64] = []
  private static let recheckDelays: [Int64] = [2, 5, 10, 20, 40, 80, 160, 320]  // ms after

  private static func monotonicMilliseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
  }

  init(
    store: any EventStore, incident: IncidentState?, followsCurrent: Bool, model: DashboardModel,
    theme: Theme
  ) throws {
    self.store = store
    self.incident = incident
    self.followsCurrent = followsCurrent
    self.model = model
    self.theme = theme
  }

  func run() throws {
    let signals = try SignalPipe(catching: [SIGTERM, SIGHUP, SIGINT])
    let changes = try store.makeChangeSignal()
    let terminal = try Terminal(theme: theme)
    defer { terminal.stop() }
    if let skipped = incident?.skippedEventTypes, !skipped.isEmpty {
      model.message = Message(
        "\(skipped.values.reduce(0, +)) events from a newer warroom are kept but not shown",
        isError: true)
    }
    if store.isReadOnly {
      model.message = Message(
        "\(store.location) is read-only: you can watch but not write", isError: true)
    }

    while !quitting {
      let now = Date()
      let size = terminal.size
      let frame = DashboardRenderer.render(
        RenderContext(state: incident, model: model, now: now, storeName: store.location),
        width: size.width, height: size.height)
      terminal.paint(frame)
      ringBellIfJustOverdue(now: now, terminal: terminal)

      // Sleep until the next whole second (the countdown's tick), a key, a change in the
      // store, a signal, or a pending re-check: an idle dashboard wakes once a second.
      let nowMilliseconds = Self.monotonicMilliseconds()
      var timeout =
        Int32(1000 - (now.timeIntervalSince1970 * 1000).truncatingRemainder(dividingBy: 1000)) + 1
      if let recheck = recheckAt.first {
        timeout = min(timeout, Int32(max(0, recheck - nowMilliseconds)))
      }
      var descriptors = [
        pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
        pollfd(fd: changes.fileDescriptor, events: Int16(POLLIN), revents: 0),
        pollfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0),
      ]
      let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
      if ready > 0, descriptors[2].revents != 0 {
        signals.drain()
        break
      }
      let woken = Self.monotonicMilliseconds()
      if ready > 0, descriptors[1].revents != 0, changes.drain() {
        recheckAt = refreshFromStore() ? [] : Self.recheckDelays.map { woken + $0 }
      } else if let recheck = recheckAt.first, woken >= recheck {
        recheckAt.removeFirst()
        if refreshFromStore() { recheckAt = [] }
      }
      if ready > 0, descriptors[0].revents & Int16(POLLHUP | POLLERR) != 0 { break }  // tty gone
      // Keys, and resizes: ncurses reports a SIGWINCH only when asked for input, so ask on
      // every wake-up (a tick, EINTR), not only when stdin is readable.
      for key in terminal.readKeys() {
        if key == .resize {
          terminal.invalidate()
          continue
        }
        handle(key)
        if quitting { break }
      }
    }
  }

  // MARK: - Input

  private func handle(_ key: Key) {
    let effects = DashboardUpdate.update(&model, key: key, state: incident)
    for effect in effects {
      switch effect {
      case .quit: quitting = true
      case .write(let command): write(command)
      case .declare(let title): declare(Declared(title: title))
      case .commandLine(let line): runCommandLine(line)
      }
    }
  }

  private func write(_ command: Command) {
    guard var state = incident else {
      model.message = Message(
        "no incident yet: type a title and press Enter to declare one", isError: true)
      return
    }
    do {
      let written = try store.write(to: &state, actor: model.me, at: Date()) {
        try Rules.decide(command, in: $0)
      }
      incident = state
      let summary = written.last.flatMap { envelope in
        state.timeline.last { $0.seq == envelope.seq }?.summary
      }
      model.message = Message("✓ " + (summary ?? "done"))
    } catch let refusal as Refusal {
      incident = state
      model.message = Message(refusal.message, isError: true)
    } catch {
      model.message = Message("\(error)", isError: true)
    }
  }

  private func declare(_ declared: Declared) {
    do {
      let id = try store.declare(declared, actor: model.me, at: Date())
      incident = try store.load(id)
      model.message = Message("✓ declared \(id): \(declared.title)")
    } catch let refusal as Refusal {
      model.message = Message(refusal.message, isError: true)
    } catch {
      model.message = Message("\(error)", isError: true)
    }
  }

  /// Runs a `:` line through the same parser as the shell's `warroom` command.
  private func runCommandLine(_ line: String) {
    let words: [String]
    do {
      words = try CommandWords.split(line)
    } catch {
      model.message = Message("a quote is not closed", isError: true)
      return
    }
    guard !words.isEmpty else { return }
    do {
      let parsed = try Warroom.parseAsRoot(words)
      if let action = parsed as? any IncidentCommand {
        write(try action.command())
      } else if let declaration = parsed as? Declare {
        declare(try declaration.declaration())
      } else {
        model.message = Message(
          "`\(words[0])` is for the shell, not the dashboard; try :log, :role, :update, :step …",
          isError: true)
      }
    } catch let refusal as Refusal {
      model.message = Message(refusal.message, isError: true)
    } catch let failure as Failure {
      model.message = Message(failure.message, isError: true)
    } catch {
      let text = Warroom.message(for: error).split(separator: "\n").first.map(String.init)
      model.message = Message(text ?? "\(error)", isError: true)
    }
  }

  // MARK: - Store and clock

  /// Folds in what other processes wrote. Returns whether anything new arrived.
  @discardableResult
  private func refreshFromStore() -> Bool {
    do {
      if var state = incident {
        let changed = try store.refresh(&state)
        incident = state
        return changed
      } else if followsCurrent, let current = try store.currentIncident() {
        incident = current
        return true
      }
    } catch {
      model.message = Message("\(error)", isError: true)
    }
    return false
  }

  /// One bell as the update falls due: not at start-up, not again until an update is posted.
  private func ringBellIfJustOverdue(now: Date, terminal: Terminal) {
    guard let state = incident, state.isDeclared else { return }
    let phase = Countdown(state: state, now: now).phase
    if Countdown.justFellDue(from: lastPhase, to: phase) { terminal.bell() }
    lastPhase = phase
  }
}
