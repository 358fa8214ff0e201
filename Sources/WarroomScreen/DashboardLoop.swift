import Foundation
import WarroomCore

/// Everything the dashboard holds between two turns of its loop: the incident as last
/// read, the view state, and the link to the store with what waits to be sent. Changed
/// only by `DashboardLoop.update`.
public struct DashboardState: Sendable {
  public var model: DashboardModel
  public var incident: IncidentState?
  public var connectivity = Connectivity()
  /// The store's sequence number read up to, across incidents: a declaration after it is
  /// news.
  public var seen: Int64 = 0
  /// When (monotonic ms) to read the store again after a change signal that may have come
  /// early: a writer's WAL frames reach the file (and wake us) a moment before its commit
  /// is visible, so a signal is followed by a few brief re-reads until one finds news.
  public var recheckAt: [Int64] = []
  static let recheckDelays: [Int64] = [1, 2, 5, 10, 20, 40, 80, 160, 320]
  /// Whether the loop is asking an unreachable store if it answers again.
  public var probing = false
  /// The countdown's phase at the last tick, for ringing the bell once as it falls due.
  var lastPhase: Countdown.Phase?
  /// While sending what was held, after the store answered again.
  var flush: Flush?
  /// Who delivers stakeholder messages for the store, as last looked up.
  public var deliverer: DelivererSighting?
  /// When the lease was last looked up (every few seconds).
  var lastDelivererCheck: Date?
  /// The incident's probe readings of the last half hour, and when they were read.
  public var samples: [ProbeSample] = []
  var lastSamplesRead: Date?
  /// Until when the Recovery title flashes: a probe just turned failing.
  public var flashUntil: Date?

  struct Flush: Sendable {
    var sent = 0
    var refused: [String] = []
  }

  public init(model: DashboardModel, incident: IncidentState?) {
    self.model = model
    self.incident = incident
    seen = incident?.lastSeq ?? 0
  }
}

/// The store's deliverer as the dashboard last saw it: its lease (nil: none ever ran),
/// and when that was read.
public struct DelivererSighting: Equatable, Sendable {
  public var lease: Lease?
  public var checkedAt: Date

  public init(lease: Lease?, checkedAt: Date) {
    self.lease = lease
    self.checkedAt = checkedAt
  }

  /// Whether a deliverer holds the lease now.
  public func isRunning(at now: Date) -> Bool {
    guard let lease else { return false }
    return !lease.isExpired(at: now)
  }
}

/// Every input of the dashboard, as one message to `DashboardLoop.update`. The loop only
/// waits, turns what woke it into a message, runs the effects the update returns (each
/// may answer with a message of its own) and paints.
public enum DashboardMessage: Sendable {
  /// A key, with the clock and a fresh request id for whatever it asks to write (the
  /// update function reads neither clock nor randomness).
  case key(Key, now: Date, request: RequestID)
  /// The clock moved (at least once a second).
  case tick(Date)
  /// Events the store has after `seen`, of every incident, oldest first.
  case read([EventEnvelope])
  /// A read, a write or listening failed because the store cannot be reached.
  case unreachable(String, now: Date)
  /// What became of a submission the loop sent, and when the answer came.
  case sent(Submission, Delivery, now: Date)
  /// The probe's answer: the store answers again, or why not.
  case storeAnswers(reachable: Bool, reason: String, now: Date)
  /// Another incident, loaded for showing.
  case loaded(IncidentState, reason: String)
  /// A `:` line, parsed by the loop into something to write (or nothing to do).
  case parsed(Submission.Action, now: Date, request: RequestID)
  /// Something the loop tried for the person failed; say it.
  case failed(String)
  /// A notice for the hint line (not an error).
  case note(String)
  /// The deliverer's lease, as just read.
  case delivererSeen(Lease?, now: Date)
  /// The incident's probe readings of the last half hour.
  case samplesRead([ProbeSample])
  /// The stakeholder message a confirmation is about, as each destination would get it.
  case previewed([String])
  /// The store says it changed (at this monotonic time, in ms): read it.
  case storeChanged(at: Int64)
  /// A re-check fell due (see `DashboardState.recheckAt`).
  case recheck(at: Int64)
  /// The terminal changed size.
  case resized
  /// The process was asked to stop (SIGTERM, SIGHUP, SIGINT).
  case signalled
}

/// What became of one submission sent to the store.
public enum Delivery: Sendable {
  /// Stored: the incident as the store left it, and a line saying what happened.
  case stored(IncidentState, summary: String)
  /// Refused by the process's rules (or the store for a reason of its own).
  case refused(String)
  /// The store could not be reached (or its disk is full): it is held and sent again.
  case unreachable(String)
}

/// What the loop must do for the update function: I/O, always answered by a message.
public enum LoopEffect: Equatable, Sendable {
  /// Write this submission (answered by `.sent`).
  case send(Submission)
  /// Parse a `:` line with the command line's own parser (answered by `.parsed` or
  /// `.failed`).
  case parse(String)
  /// Load an incident to show (answered by `.loaded` or `.failed`).
  case load(IncidentID, reason: String)
  /// Load the next (+1) or previous (-1) open incident.
  case cycle(Int)
  /// Read what the store has after `seen` (answered by `.read` or `.unreachable`).
  case read
  /// Listen for changes again (answered by `.unreachable` if that fails).
  case listen
  /// Ask an unreachable store, off the loop's thread, whether it answers again.
  case probe
  /// Read who holds the deliverer's lease (answered by `.delivererSeen`).
  case checkDeliverer
  /// Read an incident's probe readings since a time (answered by `.samplesRead`).
  case readSamples(IncidentID, since: Date)
  /// Render a stakeholder message of this type (and text) as this dashboard's destinations
  /// would receive it (answered by `.previewed`).
  case previewMessage(MessageType, text: String?)
  /// Load the newest open incident other than `after`, which turned green (answered by
  /// `.loaded`, or nothing when none is open).
  case loadNextOpen(after: IncidentID)
  case bell
  /// Paint the whole screen again (after a resize).
  case redraw
  case quit
}

/// The dashboard's one update function: every message folds into `DashboardState` here,
/// and the effects it returns are all the I/O there is. Pure, so the offline queue, the
/// confirmations and the hint line's messages are plain unit tests.
public enum DashboardLoop {
  public static func update(_ state: inout DashboardState, _ message: DashboardMessage)
    -> [LoopEffect]
  {
    switch message {
    case .key(let key, let now, let request):
      let effects = DashboardUpdate.update(
        &state.model, key: key, state: state.incident, queued: state.connectivity.queue.count,
        now: now)
      return perform(effects, &state, now: now, request: request)

    case .storeChanged(let at):
      state.recheckAt = DashboardState.recheckDelays.map { at + $0 }
      return [.read]

    case .recheck(let at):
      state.recheckAt.removeAll { $0 <= at }
      return [.read]

    case .resized:
      return [.redraw]

    case .signalled:
      return [.quit]

    case .tick(let now):
      var effects: [LoopEffect] = []
      if let incident = state.incident, incident.isDeclared {
        let phase = Countdown(state: incident, now: now).phase
        if Countdown.justFellDue(from: state.lastPhase, to: phase) { effects.append(.bell) }
        state.lastPhase = phase
      }
      if state.connectivity.isOnline,
        state.lastDelivererCheck.map({ now.timeIntervalSince($0) >= Self.delivererCheckEvery })
          ?? true
      {
        state.lastDelivererCheck = now
        effects.append(.checkDeliverer)
      }
      if let incident = state.incident, !incident.currentProbes.isEmpty,
        state.connectivity.isOnline,
        state.lastSamplesRead.map({ now.timeIntervalSince($0) >= Self.samplesReadEvery }) ?? true
      {
        state.lastSamplesRead = now
        effects.append(.readSamples(incident.id, since: now.addingTimeInterval(-30 * 60)))
      }
      // Not while held submissions go out: the store answered, and its answers decide.
      if let attempt = state.connectivity.nextAttempt, now >= attempt, !state.probing,
        state.flush == nil
      {
        state.probing = true
        effects.append(.probe)
      }
      return effects

    case .read(let events):
      if !events.isEmpty { state.recheckAt = [] }
      return read(events, &state)

    case .unreachable(let reason, let now):
      state.connectivity.lost(reason: reason, now: now)
      state.flush = nil
      return []

    case .sent(let submission, let delivery, let now):
      return sent(submission, delivery, now: now, &state)

    case .storeAnswers(let reachable, let reason, let now):
      state.probing = false
      // Already sending what was held (an earlier answer): starting again would send the
      // first of them a second time while it is on its way.
      guard state.flush == nil else { return [] }
      guard reachable else {
        state.connectivity.lost(reason: reason, now: now)
        return []
      }
      // Listen again first (so nothing written from now on is missed), send what was
      // held, oldest first, then catch up from the last event this dashboard has.
      guard let first = state.connectivity.queue.first else {
        state.connectivity.reconnected()
        state.model.message = Message("✓ back online")
        return [.listen, .read]
      }
      state.flush = DashboardState.Flush()
      return [.listen, .send(first)]

    case .loaded(let incident, let reason):
      state.incident = incident
      state.lastPhase = nil
      _ = DashboardUpdate.receive(
        .switched(to: incident.id, reason: reason), &state.model,
        state: incident)
      return []

    case .parsed(let action, let now, let request):
      let line = state.model.pendingCommandLine
      state.model.pendingCommandLine = nil
      let needsWord: Bool
      switch action {
      case .declare: needsWord = true
      case .command(let command): needsWord = Deliberate.isNeeded(for: command)
      }
      if needsWord {
        let effects = DashboardUpdate.confirm(
          action, restore: line ?? "", &state.model, state.incident)
        return perform(effects, &state, now: now, request: request)
      }
      return submit(action, &state, now: now, request: request)

    case .failed(let text):
      state.model.message = Message(text, isError: true)
      // A `:` line that does not parse stays, to be corrected rather than typed again.
      if let line = state.model.pendingCommandLine {
        state.model.pendingCommandLine = nil
        if state.model.input.isEmpty {
          state.model.input = LineEditor(line)
          state.model.focus = .input
        }
      }
      return []

    case .previewed(let lines):
      state.model.confirmation?.previews = lines
      return []

    case .note(let text):
      state.model.message = Message(text)
      return []

    case .delivererSeen(let lease, let now):
      let was = state.deliverer.map { $0.isRunning(at: $0.checkedAt) } == true
      state.deliverer = DelivererSighting(lease: lease, checkedAt: now)
      if was, !state.deliverer!.isRunning(at: now), state.incident?.isOpen == true {
        state.model.notice =
          "⚑ the deliverer stopped: nothing reaches stakeholders; start warroom relay"
      }
      return []

    case .samplesRead(let samples):
      state.samples = samples
      return []
    }
  }

  /// How often the sparklines' readings are read again (a sample is kept a minute).
  static let samplesReadEvery: TimeInterval = 15

  /// How often the deliverer's lease is looked up: well inside its 12 s term.
  static let delivererCheckEvery: TimeInterval = 5

  /// The key-level effects, made into loop effects.
  private static func perform(
    _ effects: [Effect], _ state: inout DashboardState, now: Date, request: RequestID
  ) -> [LoopEffect] {
    var result: [LoopEffect] = []
    for (index, effect) in effects.enumerated() {
      // One key can ask for several writes (a paste of several lines): each its own id.
      let id = index == 0 ? request : RequestID(rawValue: "\(request.rawValue)-\(index)")
      switch effect {
      case .write(let command):
        guard state.incident?.isDeclared == true else {
          state.model.message = Message(
            "no incident yet: type a title and press Enter to declare one", isError: true)
          continue
        }
        result += submit(.command(command), &state, now: now, request: id)
      case .declare(let title):
        result += submit(.declare(Declared(title: title)), &state, now: now, request: id)
      case .undoLast:
        result += submit(
          .command(.undo(by: state.model.me, at: now)), &state, now: now, request: id)
      case .commandLine(let line): result.append(.parse(line))
      case .submit(let action): result += submit(action, &state, now: now, request: id)
      case .preview(let type, let text): result.append(.previewMessage(type, text: text))
      case .showIncident(let incident): result.append(.load(incident, reason: "switched by hand"))
      case .cycleIncident(let step): result.append(.cycle(step))
      case .quit: result.append(.quit)
      }
    }
    return result
  }

  /// A new submission: held until the store acknowledges it, and sent now unless others
  /// are ahead of it (they go one at a time, in order) or the store is away.
  private static func submit(
    _ action: Submission.Action, _ state: inout DashboardState, now: Date, request: RequestID
  ) -> [LoopEffect] {
    let submission = Submission(request: request, action: action, actor: state.model.me, at: now)
    state.connectivity.hold(submission)
    guard state.connectivity.isOnline else {
      state.model.message = Message(
        "⧗ offline: \(submission.label) queued (\(state.connectivity.queue.count) waiting)",
        isError: true)
      return []
    }
    return state.connectivity.queue.count == 1 ? [.send(submission)] : []
  }

  private static func sent(
    _ submission: Submission, _ delivery: Delivery, now: Date, _ state: inout DashboardState
  ) -> [LoopEffect] {
    // Answers come from the store's own thread, after whatever else happened meanwhile:
    // one for a submission that is not the oldest held (a second answer for the same
    // request, sent again after a reconnect) changes nothing.
    guard state.connectivity.queue.first?.request == submission.request else { return [] }
    switch delivery {
    case .stored(let incident, let summary):
      state.connectivity.release()
      state.incident = incident
      state.flush?.sent += 1
      if state.flush == nil {
        // Allowed, but said: yellow while a probe still fails.
        let warnings: [String]
        if case .command(let command) = submission.action {
          warnings = Rules.warnings(after: command, in: incident)
        } else {
          warnings = []
        }
        state.model.message =
          warnings.isEmpty
          ? Message("✓ " + summary)
          : Message("✓ \(summary); but \(warnings.joined(separator: "; "))", isError: true)
      }
    case .refused(let reason):
      state.connectivity.release()
      if state.flush != nil {
        state.flush?.refused.append("\(submission.label): \(reason)")
      } else {
        state.model.message = Message(reason, isError: true)
      }
    case .unreachable(let reason):
      // Its commit may or may not have landed: resending with the same request id is safe.
      let flushing = state.flush != nil
      state.flush = nil
      state.connectivity.lost(reason: reason, now: now)
      if !flushing {
        state.model.message = Message(
          "⧗ offline: \(submission.label) queued, sent when the store answers", isError: true)
      }
      return []
    }
    // The next in line goes now, whether it waited behind this one or for the store.
    if let next = state.connectivity.queue.first { return [.send(next)] }
    guard let flush = state.flush else { return [] }
    state.flush = nil
    state.connectivity.reconnected()
    if let first = flush.refused.first {
      state.model.message = Message(
        "back online; sent \(flush.sent), refused \(flush.refused.count): \(first)",
        isError: true)
    } else {
      state.model.message = Message(
        "✓ back online" + (flush.sent > 0 ? "; sent \(flush.sent) queued" : ""))
    }
    return [.read]
  }

  /// Folds in what other processes wrote, and hears of incidents declared meanwhile.
  private static func read(_ events: [EventEnvelope], _ state: inout DashboardState)
    -> [LoopEffect]
  {
    var news: [StoreNews] = []
    var turnedGreen: IncidentID?
    for envelope in events {
      // Taken out, so the fold appends to arrays it alone holds: a copy left behind in
      // `state` made every event copy the whole log (a tenth of the dashboard's time at
      // 10k events, per `perf record -g`).
      if var incident = state.incident.take() {
        let wasOpen = incident.isOpen
        Reducer.apply(envelope, to: &incident)
        state.incident = incident
        if envelope.incident == incident.id, envelope.seq > state.seen {
          noteNews(envelope, incident, &state.model)
          if wasOpen, incident.status == .resolved { turnedGreen = incident.id }
        }
        if case .probeChanged(let change) = envelope.event, envelope.incident == incident.id {
          // Fresh readings for the sparkline on the next tick; a failure flashes once.
          state.lastSamplesRead = nil
          if change.state == .failing { state.flashUntil = envelope.at.addingTimeInterval(3) }
        }
      }
      if case .declared(let declared) = envelope.event, envelope.incident != state.incident?.id,
        envelope.seq > state.seen
      {
        news.append(.declared(envelope.incident, title: declared.title, by: envelope.actor))
      }
    }
    state.seen = max(state.seen, events.last?.seq ?? state.seen)
    var effects: [LoopEffect] = []
    for item in news {
      for case .showIncident(let id) in DashboardUpdate.receive(
        item, &state.model, state: state.incident)
      {
        let reason =
          state.incident.map { "\($0.id) is resolved; \(id) was declared" } ?? "declared"
        effects.append(.load(id, reason: reason))
      }
    }
    // Green here: a dashboard that follows the live incident moves to the next open one.
    if let green = turnedGreen, state.model.followsLive, effects.isEmpty {
      effects.append(.loadNextOpen(after: green))
    }
    return effects
  }

  /// News about the incident shown that must not scroll past: a probe failing, a message
  /// that did not reach its destination.
  private static func noteNews(
    _ envelope: EventEnvelope, _ incident: IncidentState, _ model: inout DashboardModel
  ) {
    let time = clockTime(envelope.at, offset: model.timeOffset)
    switch envelope.event {
    case .probeChanged(let change) where change.state == .failing:
      model.notice = SafeText.inert(
        "⚑ \(time) probe \(change.name) is failing" + (change.reason.map { ": \($0)" } ?? ""))
    case .deliveryFailed(let failed) where failed.retryAtMs == nil || failed.uncertain == true:
      let what = incident.outgoing.first { $0.seq == failed.message }?.type.rawValue ?? "message"
      model.notice = SafeText.inert(
        "⚑ \(time) \(what) #\(failed.message) did not reach \(failed.destination): \(failed.reason)"
      )
    default: break
    }
  }
}
