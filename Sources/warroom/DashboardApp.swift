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
/// update function; this file only does I/O, and the store's part of it runs on the
/// `StoreWorker`'s thread, whose answers come back as messages like any other.
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
  /// Writes, loads and reads, off this thread, in order.
  private let worker: StoreWorker
  /// When the worker was last given a job (monotonic ms): a frame waits a moment for a
  /// quick answer, so a write that takes 2 ms does not flash as queued.
  private var submittedAt: Int64 = 0
  private static let quickAnswer: Int64 = 30
  /// Where the worker leaves a change signal it made (see `.listen`).
  private let signalSlot = SignalSlot()
  private let theme: Theme
  /// Where this dashboard's config sends messages: for showing, before a person confirms,
  /// what each destination would receive.
  private let destinations: [Destination]
  private var terminal: Terminal?
  /// What the screen shows, so an unchanged frame is not drawn again.
  private var redraw = RedrawGate()
  private var quitting = false

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
    worker = try StoreWorker()
  }

  func run() throws {
    let signals = try SignalPipe(catching: [SIGTERM, SIGHUP, SIGINT])
    state.seen = max(state.seen, (try? store.latestSequence()) ?? 0)
    changes = try store.makeChangeSignal()
    let terminal = try Terminal(theme: theme)
    self.terminal = terminal
    defer {
      terminal.stop()
      // What was typed and is on its way gets its answer before the process ends.
      worker.finish(by: Date().addingTimeInterval(5))
      worker.stop()
      worker.take().forEach { dispatch($0) }
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
      awaitQuickAnswer()
      let now = Date()
      dispatch(.tick(now))
      let size = terminal.size
      let context = RenderContext(
        state: state.incident, model: state.model, now: now, storeName: store.location,
        connectivity: state.connectivity, deliverer: state.deliverer, samples: state.samples,
        flashUntil: state.flashUntil)
      if redraw.needsFrame(context, width: size.width, height: size.height) {
        terminal.paint(DashboardRenderer.render(context, width: size.width, height: size.height))
      }

      // Sleep until the next whole second (the countdown's tick), a key, a change in the
      // store, a signal, or a pending re-check: an idle dashboard wakes once a second.
      let nowMilliseconds = Self.monotonicMilliseconds()
      var timeout =
        Int32(1000 - (now.timeIntervalSince1970 * 1000).truncatingRemainder(dividingBy: 1000)) + 1
      if let recheck = state.recheckAt.first {
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
        pollfd(fd: worker.fileDescriptor, events: Int16(POLLIN), revents: 0),
      ]
      let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
      if ready > 0, descriptors[2].revents != 0 {
        signals.drain()
        dispatch(.signalled)
        break
      }
      let woken = Self.monotonicMilliseconds()
      if ready > 0, descriptors[1].revents != 0, let signal = changes, signal.drain() {
        if signal.isBroken {
          changes = nil
          dispatch(
            .unreachable("live updates stopped: the server closed the connection", now: Date()))
        } else {
          dispatch(.storeChanged(at: woken))
        }
      } else if let recheck = state.recheckAt.first, woken >= recheck {
        dispatch(.recheck(at: woken))
      }
      if ready > 0, descriptors[4].revents != 0 { takeAnswers() }
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
          dispatch(.resized)
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

  /// The worker's answers, folded in, and a change signal it made, taken into use.
  private func takeAnswers() {
    worker.take().forEach { dispatch($0) }
    if let signal = signalSlot.take() { changes = signal }
  }

  /// Right after a job was given, waits a few milliseconds for its answer before the
  /// frame is drawn: a quick write then looks done at once, a slow one never holds keys.
  private func awaitQuickAnswer() {
    let left = submittedAt + Self.quickAnswer - Self.monotonicMilliseconds()
    guard left > 0, !worker.isIdle else { return }
    var descriptor = pollfd(fd: worker.fileDescriptor, events: Int16(POLLIN), revents: 0)
    if poll(&descriptor, 1, Int32(left)) > 0 { takeAnswers() }
  }

  /// Gives the worker a job (see `StoreWorker.submit`).
  private func submit(kind: String? = nil, _ job: @escaping StoreWorker.Job) {
    submittedAt = Self.monotonicMilliseconds()
    worker.submit(kind: kind, job)
  }

  /// Runs one effect: the only I/O the dashboard does. The store's part goes to the
  /// worker, whose answers arrive later; the rest answers at once.
  private func perform(_ effect: LoopEffect) -> [DashboardMessage] {
    let store = self.store
    switch effect {
    case .send(let submission):
      let incident = state.incident
      submit { [.sent(submission, Self.send(submission, incident, store), now: Date())] }
      return []
    case .parse(let line): return parse(line).map { [$0] } ?? []
    case .load(let id, let reason):
      submit {
        do {
          let incident = try store.load(id)
          guard incident.isDeclared else {
            return [.failed("no incident \(id) in \(store.location)")]
          }
          return [.loaded(incident, reason: reason)]
        } catch {
          return [Self.failure(error)]
        }
      }
      return []
    case .cycle(let step):
      let here = state.incident?.id
      submit { [Self.cycle(step, from: here, store)] }
      return []
    case .read:
      requestRead()
      return []
    case .listen:
      // Made on the worker's thread (a server's LISTEN connection can take its whole
      // connect timeout), before the sends queued after it; picked up in `takeAnswers`.
      guard changes == nil else { return [] }
      let slot = signalSlot
      submit {
        do {
          slot.put(try store.makeChangeSignal())
          return []
        } catch {
          return [.unreachable(Self.reason(error), now: Date())]
        }
      }
      return []
    case .probe:
      probe.start(store)
      return []
    case .readSamples(let id, let since):
      submit { [.samplesRead((try? store.samples(of: id, since: since)) ?? [])] }
      return []
    case .checkDeliverer:
      submit {
        [.delivererSeen((try? store.lease(named: Lease.deliverer)) ?? nil, now: Date())]
      }
      return []
    case .loadNextOpen(let green):
      submit {
        do {
          guard let next = try store.openIncidents().last, next.id != green else { return [] }
          return [.loaded(next, reason: "\(green) is resolved; \(next.id) is still open")]
        } catch {
          return [Self.failure(error)]
        }
      }
      return []
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
    case .redraw:
      terminal?.invalidate()
      redraw.forget()
      return []
    case .quit:
      quitting = true
      return []
    }
  }

  /// Writes one submission with its request id; says what became of it. (On the
  /// worker's thread: it touches nothing of the loop's.)
  private static func send(
    _ submission: Submission, _ incident: IncidentState?, _ store: any EventStore
  ) -> Delivery {
    do {
      switch submission.action {
      case .command(let command):
        guard var incident else { return .refused("no incident yet") }
        let written = try store.write(
          to: &incident, actor: submission.actor, at: submission.at,
          request: submission.request
        ) { try Rules.decide(command, in: $0) }
        let summary = written.last.flatMap { envelope in
          incident.timeline.line(of: envelope.seq)?.summary
        }
        return .stored(incident, summary: summary ?? "done")
      case .declare(let declared):
        let id = try store.declare(
          declared, actor: submission.actor, at: submission.at, request: submission.request)
        return .stored(try store.load(id), summary: "declared \(id): \(declared.title)")
      }
    } catch {
      // A server away, or a full disk (freed in minutes): held and sent again with the
      // same request id, so what was typed is never dropped nor stored twice.
      let failure = StoreFailure(error)
      return failure.isWorthHolding ? .unreachable(failure.reason) : .refused(failure.reason)
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
  private static func cycle(_ step: Int, from here: IncidentID?, _ store: any EventStore)
    -> DashboardMessage
  {
    do {
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
      return Self.failure(error)
    }
  }

  /// Asks the worker for what the store has after this dashboard's position. (Offline,
  /// nothing: the dashboard waits for the store to answer.) One read waiting is enough.
  private func requestRead() {
    guard state.connectivity.isOnline else { return }
    let store = self.store
    // From this incident's own position too: folding skips what it already has.
    let from = min(state.seen, state.incident?.lastSeq ?? state.seen)
    // A dashboard with no incident takes the current one, unless this read declares one
    // (which it then follows anyway).
    let wantsCurrent = state.incident == nil && state.model.followsLive
    submit(kind: "read") {
      do {
        let fresh = try store.events(after: from, incident: nil, limit: nil)
        var messages: [DashboardMessage] = [.read(fresh)]
        let declares = fresh.contains { if case .declared = $0.event { true } else { false } }
        if wantsCurrent, !declares, let current = try store.currentIncident() {
          messages.append(.loaded(current, reason: "declared"))
        }
        return messages
      } catch {
        return [Self.failure(error)]
      }
    }
  }

  private static func failure(_ error: any Error) -> DashboardMessage {
    let failure = StoreFailure(error)
    return failure.kind == .away
      ? .unreachable(failure.reason, now: Date()) : .failed(failure.reason)
  }

  private static func reason(_ error: any Error) -> String { StoreFailure(error).reason }

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

/// A change signal made on the store worker's thread, handed to the event loop.
private final class SignalSlot: @unchecked Sendable {
  private let lock = NSLock()
  private var signal: (any ChangeSignal)?

  func put(_ made: any ChangeSignal) { lock.withLock { signal = made } }

  func take() -> (any ChangeSignal)? {
    lock.withLock {
      defer { signal = nil }
      return signal
    }
  }
}
