import ArgumentParser
import Foundation
import TerminalBackend
import WarroomCore
import WarroomDelivery
import WarroomScreen
import WarroomStore

/// The event loop: one thread that owns the clock, the keyboard and the store's change
/// signal. Each turn it waits for whichever comes first, turns it into a
/// `DashboardMessage`, lets `DashboardLoop.update` fold it into the state, runs the
/// effects that returns (each answered by a message of its own), renders the whole screen
/// as a pure function and lets the backend paint what changed. Every decision is in the
/// update function; this file only does I/O.
///
/// A store on a server may stop answering: the update function then holds submissions in
/// order (see `Connectivity`), this loop asks the store again on a thread of its own
/// (`StoreProbe`), and once it answers the held submissions go out, each exactly once
/// thanks to its request id.
final class DashboardApp {
  private let store: any EventStore
  private var state: DashboardState
  /// Nil while offline after the signal broke; made again when the store answers.
  private var changes: (any ChangeSignal)?
  /// Asks the store, off this thread, whether it answers again.
  private let probe: StoreProbe
  private let theme: Theme
  /// Where this dashboard's config sends messages: for showing, before a person confirms,
  /// what each destination would receive.
  private let destinations: [Destination]
  private var terminal: Terminal?
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
    theme: Theme, destinations: [Destination] = []
  ) throws {
    self.store = store
    self.destinations = destinations
    var model = model
    model.followsLive = followsCurrent
    state = DashboardState(model: model, incident: incident)
    self.theme = theme
    probe = try StoreProbe()
  }

  func run() throws {
    let signals = try SignalPipe(catching: [SIGTERM, SIGHUP, SIGINT])
    state.seen = max(state.seen, (try? store.latestSequence()) ?? 0)
    changes = try store.makeChangeSignal()
    let terminal = try Terminal(theme: theme)
    self.terminal = terminal
    defer {
      terminal.stop()
      reportUnsent()
    }
    if let skipped = state.incident?.skippedSummary { dispatch(.failed(skipped)) }
    if store.isReadOnly {
      let frozen = (store as? SQLiteEventStore)?.isFrozen == true
      dispatch(
        .failed(
          "\(store.location) is read-only: you can watch but not write"
            + (frozen ? " (shown as last saved: this user cannot follow its live changes)" : "")))
    }

    while !quitting {
      let now = Date()
      dispatch(.tick(now))
      let size = terminal.size
      let frame = DashboardRenderer.render(
        RenderContext(
          state: state.incident, model: state.model, now: now, storeName: store.location,
          connectivity: state.connectivity, deliverer: state.deliverer, samples: state.samples,
          flashUntil: state.flashUntil),
        width: size.width, height: size.height)
      terminal.paint(frame)

      // Sleep until the next whole second (the countdown's tick), a key, a change in the
      // store, a signal, or a pending re-check: an idle dashboard wakes once a second.
      let nowMilliseconds = Self.monotonicMilliseconds()
      var timeout =
        Int32(1000 - (now.timeIntervalSince1970 * 1000).truncatingRemainder(dividingBy: 1000)) + 1
      if let recheck = recheckAt.first {
        timeout = min(timeout, Int32(max(0, recheck - nowMilliseconds)))
      }
      if let attempt = state.connectivity.nextAttempt, !state.probing {
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
          dispatch(
            .unreachable("live updates stopped: the server closed the connection", now: Date()))
        } else {
          recheckAt = catchUp() ? [] : Self.recheckDelays.map { woken + $0 }
        }
      } else if let recheck = recheckAt.first, woken >= recheck {
        recheckAt.removeFirst()
        if catchUp() { recheckAt = [] }
      }
      dispatch(.tick(Date()))  // starts the probe when a retry falls due
      if ready > 0, descriptors[3].revents != 0, let answer = probe.take() {
        switch answer {
        case .success: dispatch(.storeAnswers(reachable: true, reason: "", now: Date()))
        case .failure(let error):
          dispatch(.storeAnswers(reachable: false, reason: Self.reason(error), now: Date()))
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
        dispatch(.key(key, now: Date(), request: RequestID()))
        if quitting { break }
      }
    }
  }

  // MARK: - Messages in, effects out

  /// Folds a message in, runs the effects, and folds in their answers, until none is left.
  private func dispatch(_ message: DashboardMessage) {
    var pending = [message]
    while !pending.isEmpty {
      for effect in DashboardLoop.update(&state, pending.removeFirst()) {
        pending += perform(effect)
      }
    }
  }

  /// Runs one effect: the only I/O the dashboard does. Returns its answers.
  private func perform(_ effect: LoopEffect) -> [DashboardMessage] {
    switch effect {
    case .send(let submission): return [.sent(submission, send(submission), now: Date())]
    case .parse(let line): return parse(line).map { [$0] } ?? []
    case .load(let id, let reason):
      do {
        let incident = try store.load(id)
        guard incident.isDeclared else {
          return [.failed("no incident \(id) in \(store.location)")]
        }
        return [.loaded(incident, reason: reason)]
      } catch {
        return [failure(error)]
      }
    case .cycle(let step): return [cycle(step)]
    case .read: return readStore()
    case .listen:
      do {
        if changes == nil { changes = try store.makeChangeSignal() }
        return []
      } catch {
        return [.unreachable(Self.reason(error), now: Date())]
      }
    case .probe:
      probe.start(store)
      return []
    case .readSamples(let id, let since):
      return [.samplesRead((try? store.samples(of: id, since: since)) ?? [])]
    case .checkDeliverer:
      return [.delivererSeen((try? store.lease(named: Lease.deliverer)) ?? nil, now: Date())]
    case .loadNextOpen(let green):
      do {
        guard let next = try store.openIncidents().last, next.id != green else { return [] }
        return [.loaded(next, reason: "\(green) is resolved; \(next.id) is still open")]
      } catch {
        return [failure(error)]
      }
    case .previewMessage(let type, let text):
      guard let incident = state.incident, incident.isDeclared || type == .declared else {
        return []
      }
      guard !destinations.isEmpty else {
        return [
          .previewed([
            "This dashboard has no delivery config: whichever relay delivers for the store",
            "sends it to the destinations in its own config.",
          ])
        ]
      }
      let texts = DeliveryPreview.stakeholderTexts(
        type: type, text: text, state: incident, by: state.model.me,
        destinations: destinations, now: Date())
      return [
        .previewed(texts.isEmpty ? ["No destination here takes \(type.rawValue) messages."] : texts)
      ]
    case .bell:
      terminal?.bell()
      return []
    case .quit:
      quitting = true
      return []
    }
  }

  /// Writes one submission with its request id; says what became of it.
  private func send(_ submission: Submission) -> Delivery {
    do {
      switch submission.action {
      case .command(let command):
        guard var incident = state.incident else { return .refused("no incident yet") }
        let written = try store.write(
          to: &incident, actor: submission.actor, at: submission.at,
          request: submission.request
        ) { try Rules.decide(command, in: $0) }
        let summary = written.last.flatMap { envelope in
          incident.timeline.last { $0.seq == envelope.seq }?.summary
        }
        return .stored(incident, summary: summary ?? "done")
      case .declare(let declared):
        let id = try store.declare(
          declared, actor: submission.actor, at: submission.at, request: submission.request)
        return .stored(try store.load(id), summary: "declared \(id): \(declared.title)")
      }
    } catch let refusal as Refusal {
      return .refused(refusal.message)
    } catch StoreError.unavailable(_, let reason) {
      return .unreachable(reason)
    } catch StoreError.diskFull {
      // Held and sent again like an entry typed while a server is away: a full disk is
      // freed in minutes, and what was typed is never dropped.
      return .unreachable("the disk holding the store is full")
    } catch {
      return .refused("\(error)")
    }
  }

  /// Parses a `:` line with the same parser as the shell's `warroom` command.
  private func parse(_ line: String) -> DashboardMessage? {
    let words: [String]
    do {
      words = try CommandWords.split(line)
    } catch {
      return .failed("a quote is not closed")
    }
    guard !words.isEmpty else {
      return .failed("type a command after the colon, such as :role assign lead ann (F1: keys)")
    }
    do {
      let parsed = try Warroom.parseAsRoot(words)
      if let action = parsed as? any IncidentCommand {
        guard state.incident?.isDeclared == true else {
          return .failed("no incident yet: type a title and press Enter to declare one")
        }
        return .parsed(.command(try action.command()), now: Date(), request: RequestID())
      } else if let declaration = parsed as? Declare {
        return .parsed(.declare(try declaration.declaration()), now: Date(), request: RequestID())
      }
      return .failed(
        "`\(words[0])` is for the shell, not the dashboard; try :log, :role, :update, :step …")
    } catch let refusal as Refusal {
      return .failed(refusal.message)
    } catch let failure as Failure {
      return .failed(failure.message)
    } catch {
      let text = Warroom.message(for: error).split(separator: "\n").first.map(String.init)
      return .failed(text ?? "\(error)")
    }
  }

  /// The next or previous open incident, in the order they were declared.
  private func cycle(_ step: Int) -> DashboardMessage {
    do {
      let here = state.incident?.id
      var open: [IncidentID] = []
      for id in try store.incidentIDs() {
        if try id == here || store.load(id).isOpen { open.append(id) }
      }
      guard !open.isEmpty, open.count > 1 || here == nil else {
        return .note("no other open incident")
      }
      let index = here.flatMap { open.firstIndex(of: $0) } ?? 0
      let next = open[(index + step + open.count) % open.count]
      return .loaded(try store.load(next), reason: "switched by hand")
    } catch {
      return failure(error)
    }
  }

  /// What the store has after this dashboard's position, as messages. (Offline, nothing:
  /// the dashboard waits for the store to answer.)
  private func readStore() -> [DashboardMessage] {
    guard state.connectivity.isOnline else { return [] }
    do {
      // From this incident's own position too: folding skips what it already has.
      let from = min(state.seen, state.incident?.lastSeq ?? state.seen)
      let fresh = try store.events(after: from, incident: nil, limit: nil)
      var messages: [DashboardMessage] = [.read(fresh)]
      // A dashboard with no incident takes the current one, unless this read declares one
      // (which it then follows anyway).
      let declares = fresh.contains { if case .declared = $0.event { true } else { false } }
      if state.incident == nil, state.model.followsLive, !declares,
        let current = try store.currentIncident()
      {
        messages.append(.loaded(current, reason: "declared"))
      }
      return messages
    } catch {
      return [failure(error)]
    }
  }

  /// Reads and folds in what other processes wrote; whether anything new arrived.
  private func catchUp() -> Bool {
    let messages = readStore()
    messages.forEach(dispatch)
    return messages.contains { if case .read(let events) = $0 { !events.isEmpty } else { false } }
  }

  private func failure(_ error: any Error) -> DashboardMessage {
    if case StoreError.unavailable(_, let reason) = error {
      return .unreachable(reason, now: Date())
    }
    return .failed("\(error)")
  }

  private static func reason(_ error: any Error) -> String {
    if case StoreError.unavailable(_, let reason) = error { return reason }
    return "\(error)"
  }

  /// After the terminal is restored: anything still held is printed, never dropped unseen.
  private func reportUnsent() {
    let queue = state.connectivity.queue
    guard !queue.isEmpty else { return }
    Output.warn("\(queue.count) not sent (the store could not be reached):")
    for submission in queue {
      Output.warn("  \(UTCTime.hourMinute(submission.at)) \(SafeText.inert(submission.label))")
    }
  }
}
