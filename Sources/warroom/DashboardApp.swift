import ArgumentParser
import Foundation
import TerminalBackend
import WarroomCore
import WarroomScreen
import WarroomStore

/// The event loop: one thread that owns the clock, the keyboard and the store's change
/// signal. Each turn it waits for whichever comes first, folds it in, renders the whole
/// screen as a pure function and lets the backend paint what changed.
///
/// A store on a server may stop answering: the loop then goes offline (see
/// `Connectivity`), holds every submission in order, retries on a timer and, once the
/// server answers, sends what it holds, each exactly once thanks to its request id.
final class DashboardApp {
  private let store: any EventStore
  private var incident: IncidentState?
  private var connectivity = Connectivity()
  /// Nil while offline after the signal broke; made again when the store answers.
  private var changes: (any ChangeSignal)?
  /// Asks the store, off this thread, whether it answers again.
  private let probe: StoreProbe
  /// Without `--incident`, the dashboard moves to a newly declared incident when it has none.
  private let followsCurrent: Bool
  private var model: DashboardModel
  private let theme: Theme
  private var lastPhase: Countdown.Phase?
  /// The store's sequence number read up to, across incidents: a declaration after it is news.
  private var seen: Int64 = 0
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
    self.model.followsLive = followsCurrent
    seen = incident?.lastSeq ?? 0
    self.theme = theme
    probe = try StoreProbe()
  }

  func run() throws {
    let signals = try SignalPipe(catching: [SIGTERM, SIGHUP, SIGINT])
    seen = max(seen, (try? store.latestSequence()) ?? 0)
    changes = try store.makeChangeSignal()
    let terminal = try Terminal(theme: theme)
    defer {
      terminal.stop()
      reportUnsent()
    }
    if let skipped = incident?.skippedSummary {
      model.message = Message(skipped, isError: true)
    }
    if store.isReadOnly {
      let frozen = (store as? SQLiteEventStore)?.isFrozen == true
      model.message = Message(
        "\(store.location) is read-only: you can watch but not write"
          + (frozen ? " (shown as last saved: this user cannot follow its live changes)" : ""),
        isError: true)
    }

    while !quitting {
      let now = Date()
      let size = terminal.size
      let frame = DashboardRenderer.render(
        RenderContext(
          state: incident, model: model, now: now, storeName: store.location,
          connectivity: connectivity),
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
      if let attempt = connectivity.nextAttempt, !probe.isRunning {
        timeout = min(timeout, Int32(max(0, attempt.timeIntervalSince(now) * 1000)))
      }
      var descriptors = [
        pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
        // poll skips a negative descriptor: no signal while offline.
        pollfd(fd: changes?.fileDescriptor ?? -1, events: Int16(POLLIN), revents: 0),
        pollfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0),
        pollfd(fd: probe.fileDescriptor, events: Int16(POLLIN), revents: 0),
      ]
      let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
      if ready > 0, descriptors[2].revents != 0 {
        signals.drain()
        break
      }
      let woken = Self.monotonicMilliseconds()
      if ready > 0, descriptors[1].revents != 0, let signal = changes, signal.drain() {
        if signal.isBroken {
          changes = nil
          wentOffline(reason: "live updates stopped: the server closed the connection")
        } else {
          recheckAt = refreshFromStore() ? [] : Self.recheckDelays.map { woken + $0 }
        }
      } else if let recheck = recheckAt.first, woken >= recheck {
        recheckAt.removeFirst()
        if refreshFromStore() { recheckAt = [] }
      }
      if let attempt = connectivity.nextAttempt, Date() >= attempt, !probe.isRunning {
        probe.start(store)
      }
      if ready > 0, descriptors[3].revents != 0, let answer = probe.take() {
        switch answer {
        case .success: reconnect()
        case .failure(let error): wentOffline(reason: Self.reason(error))
        }
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
    run(DashboardUpdate.update(&model, key: key, state: incident, queued: connectivity.queue.count))
  }

  private func run(_ effects: [Effect]) {
    for effect in effects {
      switch effect {
      case .quit: quit()
      case .write(let command): write(command)
      case .declare(let title): submit(.declare(Declared(title: title)))
      case .commandLine(let line): runCommandLine(line)
      case .showIncident(let id): show(id, reason: "switched by hand")
      case .cycleIncident(let step): cycle(step)
      case .undoLast: write(.undo(by: model.me, at: Date()))
      }
    }
  }

  /// Shows another incident of the store.
  private func show(_ id: IncidentID, reason: String) {
    do {
      let state = try store.load(id)
      guard state.isDeclared else {
        model.message = Message("no incident \(id) in \(store.location)", isError: true)
        return
      }
      incident = state
      lastPhase = nil
      run(DashboardUpdate.receive(.switched(to: id, reason: reason), &model, state: state))
    } catch {
      model.message = Message("\(error)", isError: true)
    }
  }

  /// The next or previous open incident, in the order they were declared.
  private func cycle(_ step: Int) {
    do {
      var open: [IncidentID] = []
      for id in try store.incidentIDs()
      where try store.load(id).status != .resolved || id == incident?.id {
        open.append(id)
      }
      guard open.count > 1 || incident == nil, !open.isEmpty else {
        model.message = Message("no other open incident")
        return
      }
      let here = incident.flatMap { open.firstIndex(of: $0.id) } ?? 0
      show(open[(here + step + open.count) % open.count], reason: "switched by hand")
    } catch {
      model.message = Message("\(error)", isError: true)
    }
  }

  /// The update function has already asked, if anything would be lost: held
  /// submissions are printed on the way out.
  private func quit() { quitting = true }

  private func write(_ command: Command) {
    guard incident != nil else {
      model.message = Message(
        "no incident yet: type a title and press Enter to declare one", isError: true)
      return
    }
    submit(.command(command))
  }

  /// Sends a new submission, or holds it behind earlier ones while the store is away.
  private func submit(_ action: Submission.Action) {
    let submission = Submission(action: action, actor: model.me, at: Date())
    guard connectivity.isOnline, connectivity.queue.isEmpty else {
      connectivity.hold(submission)
      model.message = Message(
        "⧗ offline: \(submission.label) queued (\(connectivity.queue.count) waiting)",
        isError: true)
      return
    }
    if case .unreachable(let reason) = send(submission) {
      // Its commit may or may not have landed: resending with the same request id is safe.
      connectivity.hold(submission)
      wentOffline(reason: reason)
      model.message = Message(
        "⧗ offline: \(submission.label) queued, sent when the store answers", isError: true)
    }
  }

  private enum Delivery {
    case stored
    case refused(String)
    case unreachable(String)
  }

  /// Writes one submission with its request id; says what became of it.
  private func send(_ submission: Submission) -> Delivery {
    do {
      switch submission.action {
      case .command(let command):
        guard var state = incident else { return .refused("no incident yet") }
        defer { incident = state }
        let written = try store.write(
          to: &state, actor: submission.actor, at: submission.at, request: submission.request
        ) { try Rules.decide(command, in: $0) }
        let summary = written.last.flatMap { envelope in
          state.timeline.last { $0.seq == envelope.seq }?.summary
        }
        model.message = Message("✓ " + (summary ?? "done"))
      case .declare(let declared):
        let id = try store.declare(
          declared, actor: submission.actor, at: submission.at, request: submission.request)
        incident = try store.load(id)
        model.message = Message("✓ declared \(id): \(declared.title)")
      }
      return .stored
    } catch let refusal as Refusal {
      model.message = Message(refusal.message, isError: true)
      return .refused(refusal.message)
    } catch StoreError.unavailable(_, let reason) {
      return .unreachable(reason)
    } catch StoreError.diskFull {
      // Held and sent again like an entry typed while a server is away: a full disk is
      // freed in minutes, and what was typed is never dropped.
      return .unreachable("the disk holding the store is full")
    } catch {
      model.message = Message("\(error)", isError: true)
      return .refused("\(error)")
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
        submit(.declare(try declaration.declaration()))
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

  /// Folds in what other processes wrote, and hears of incidents declared meanwhile.
  /// Returns whether anything new arrived.
  @discardableResult
  private func refreshFromStore() -> Bool {
    guard connectivity.isOnline else { return false }
    do {
      guard var state = incident else {
        if followsCurrent, let current = try store.currentIncident() {
          incident = current
          seen = max(seen, current.lastSeq)
          return true
        }
        return false
      }
      // One read for everything new: this incident's events fold in (folding skips what
      // it has), and another incident's declaration is news.
      let fresh = try store.events(after: min(seen, state.lastSeq), incident: nil, limit: nil)
      var news: [StoreNews] = []
      for envelope in fresh {
        Reducer.apply(envelope, to: &state)
        if case .declared(let declared) = envelope.event, envelope.incident != state.id,
          envelope.seq > seen
        {
          news.append(.declared(envelope.incident, title: declared.title, by: envelope.actor))
        }
      }
      seen = max(seen, fresh.last?.seq ?? seen)
      let changed = state.lastSeq != incident?.lastSeq || !news.isEmpty
      incident = state
      for item in news {
        let effects = DashboardUpdate.receive(item, &model, state: incident)
        for case .showIncident(let id) in effects {
          show(id, reason: "\(state.id) is resolved; \(id) was declared")
        }
      }
      return changed
    } catch StoreError.unavailable(_, let reason) {
      wentOffline(reason: reason)
    } catch {
      model.message = Message("\(error)", isError: true)
    }
    return false
  }

  private func wentOffline(reason: String) {
    connectivity.lost(reason: reason, now: Date())
    recheckAt = []
  }

  private static func reason(_ error: any Error) -> String {
    if case StoreError.unavailable(_, let reason) = error { return reason }
    return "\(error)"
  }

  /// The store answers again (the probe said so): listen again first (so nothing written
  /// from now on is missed), send what was held, oldest first, then catch up from the
  /// last event this dashboard has.
  private func reconnect() {
    do {
      if changes == nil { changes = try store.makeChangeSignal() }
    } catch {
      wentOffline(reason: Self.reason(error))
      return
    }
    var sent = 0
    var refused: [String] = []
    while let next = connectivity.queue.first {
      switch send(next) {
      case .stored: sent += 1
      case .refused(let reason): refused.append("\(next.label): \(reason)")
      case .unreachable(let reason):
        wentOffline(reason: reason)
        return
      }
      connectivity.release()
    }
    connectivity.reconnected()
    refreshFromStore()
    if let first = refused.first {
      model.message = Message(
        "back online; sent \(sent), refused \(refused.count): \(first)", isError: true)
    } else {
      model.message = Message("✓ back online" + (sent > 0 ? "; sent \(sent) queued" : ""))
    }
  }

  /// After the terminal is restored: anything still held is printed, never dropped unseen.
  private func reportUnsent() {
    guard !connectivity.queue.isEmpty else { return }
    Output.warn("\(connectivity.queue.count) not sent (the store could not be reached):")
    for submission in connectivity.queue {
      Output.warn("  \(UTCTime.hourMinute(submission.at)) \(SafeText.inert(submission.label))")
    }
  }

  /// One bell as the update falls due: not at start-up, not again until an update is posted.
  private func ringBellIfJustOverdue(now: Date, terminal: Terminal) {
    guard let state = incident, state.isDeclared else { return }
    let phase = Countdown(state: state, now: now).phase
    if Countdown.justFellDue(from: lastPhase, to: phase) { terminal.bell() }
    lastPhase = phase
  }
}
