import Foundation
import WarroomCore

/// The relay's decisions, as one pure function: a message in, the new state and the
/// effects out. `Outbox` says what to send, `ProbeMachine` what readings mean, `Lease`
/// who may deliver, `StoreTrouble` when to try a failing store again; this puts them in
/// order for a turn. The loop (`Deliverer`) runs the effects, one at a time, and feeds
/// each answer back before the next effect, so a turn reads as written:
///
/// 1. claim or renew the lease when due;
/// 2. record what finished since the last turn (probe readings, samples, send outcomes);
/// 3. while holding the lease: read new events, record each attempt and then send it,
///    mark sends that may have gone out, note overdue updates, start due probe checks,
///    record proven recovery, keep the chain head's witness;
/// 4. say when a failing store works again.
public enum RelayUpdate {
  public static func update(_ state: inout RelayState, _ message: RelayMessage) -> [RelayEffect] {
    switch message {
    case .turn(let now, let jitter):
      state.jitter = jitter
      return turn(&state, now)
    case .stop(let deadline):
      if state.stopDeadline == nil { state.stopDeadline = deadline }
      return []
    case .leaseRead(let current, let gone):
      let mine = state.candidate(now: state.now)
      // A waiting relay only reads: it takes the store's write lock only when the lease
      // may be its own, and the store decides again, atomically.
      if let current, !Lease.mayTake(current, by: mine, now: state.now, gone: gone) {
        return holdings(&state, current)
      }
      return [.claimLease(mine, now: state.now, gone: gone)]
    case .leaseClaimed(let lease):
      state.wroteThisTurn = true
      return holdings(&state, lease)
    case .eventsRead(let fresh):
      fold(fresh, into: &state)
      return act(&state)
    case .recorded(let incident, let refused):
      return recorded(&state, incident, refused: refused)
    case .headWitnessed(let seq):
      state.headWritten = seq
      return []
    case .sendFinished(let send):
      state.finished.append(send)
      return []
    case .probeRead(let result):
      state.readings.append(result)
      return []
    case .alertsReceived(let batch):
      guard state.stopDeadline == nil else {
        return [.answerIntake(id: batch.id, IntakeAnswer(503, "the relay is stopping; send again"))]
      }
      return [.recordAlerts(batch)]
    case .alertsRecorded(let id, let outcome, let waiting):
      state.alertsWaiting = waiting
      var effects: [RelayEffect] = []
      if let id {
        effects.append(
          .answerIntake(id: id, IntakeAnswer(outcome.stored > 0 ? 202 : 200, outcome.line)))
      }
      if outcome.stored > 0 || outcome.waiting > 0 {
        state.wroteThisTurn = state.wroteThisTurn || outcome.stored > 0
        effects.append(.report(.note("alerts: " + outcome.line)))
      }
      return effects
    case .alertsFailed(let id, let reason):
      var effects: [RelayEffect] = []
      if let id {
        effects.append(
          .answerIntake(id: id, IntakeAnswer(503, "the store cannot be written now: \(reason)")))
      }
      // Said as the store's trouble, once, like every other failed write.
      return effects
        + troubled(
          &state, "cannot record alerts: \(reason); their senders will send them again")
    case .failed(let step, let reason):
      return failed(&state, step, reason)
    case .next(let phase):
      switch phase {
      case .recordFinished: return recordFinished(&state)
      case .read:
        guard state.holding, state.stopDeadline == nil, state.now < state.heldUntil else {
          return []
        }
        return [.readEvents(after: state.lastSeq)]
      case .endTurn:
        // Said only after a turn that wrote without failing: a turn that only read says
        // nothing about a full disk.
        guard !state.failedThisTurn, state.wroteThisTurn, let since = state.trouble.cleared()
        else { return [] }
        let lasted = DurationText.short(Int(state.now.timeIntervalSince(since)))
        return [.report(.note("the store answers again (after \(lasted))"))]
      case .release:
        state.isDone = true
        var effects: [RelayEffect] = []
        if state.holding {
          state.holding = false
          effects += [
            .releaseLease(state.candidate(now: state.now)),
            .report(.lease(held: false, holder: nil)),
          ]
        }
        return effects + [.finish]
      }
    }
  }

  // MARK: - The turn

  private static func turn(_ state: inout RelayState, _ now: Date) -> [RelayEffect] {
    guard !state.isDone else { return [] }
    state.now = now
    state.readFoundEvents = false
    if let deadline = state.stopDeadline,
      (state.inFlight.isEmpty && state.probesInFlight.isEmpty) || now >= deadline
    {
      // What finished during the grace is recorded; one still going is cut, and the next
      // relay settles it (sends it again where that is safe, else marks it possibly sent).
      return [.next(.recordFinished), .next(.release)]
    }
    guard state.trouble.mayTry(at: now) else { return [] }
    state.failedThisTurn = false
    state.wroteThisTurn = false
    var effects: [RelayEffect] = []
    // Renewed every few seconds while held; tried every second while another holds it.
    let every = state.holding ? Lease.renewEvery : 1
    if state.stopDeadline == nil, now.timeIntervalSince(state.lastClaim) >= every {
      state.lastClaim = now
      effects.append(.readLease)
    }
    // Alerts that came while no incident was open look for one each turn.
    if state.alertsWaiting > 0, state.stopDeadline == nil { effects.append(.attachWaitingAlerts) }
    return effects + [.next(.recordFinished), .next(.endTurn)]
  }

  /// Whether the lease is this relay's now; says so when that changed.
  private static func holdings(_ state: inout RelayState, _ lease: Lease) -> [RelayEffect] {
    let holding = lease.holder == state.identity.holder
    var effects: [RelayEffect] = []
    if holding != state.holding || lease.holder != state.lastHolder {
      effects.append(.report(.lease(held: holding, holder: lease)))
    }
    state.holding = holding
    if holding { state.heldUntil = state.now.addingTimeInterval(Lease.term - 2) }
    state.lastHolder = lease.holder
    return effects
  }

  /// Probe readings (changes as events, a sample a minute), then send outcomes; then on to
  /// reading the store.
  private static func recordFinished(_ state: inout RelayState) -> [RelayEffect] {
    var writes: [PendingWrite] = []
    var samples: [ProbeSample] = []
    for result in state.readings {
      state.probesInFlight.remove(result.key)
      guard let probe = state.incidents[result.incident]?.probe(named: result.probe) else {
        continue
      }
      if let change = ProbeMachine.change(for: result.reading, of: probe, now: state.now) {
        writes.append(
          PendingWrite(
            command: .recordProbe(.probeChanged(change)), incident: result.incident,
            purpose: .probeChange(change)))
      }
      if ProbeMachine.keepsSample(lastSampleAt: state.probeSampled[result.key], now: state.now) {
        state.probeSampled[result.key] = state.now
        samples.append(
          ProbeSample(
            incident: result.incident, probe: result.probe,
            atMs: Int64(milliseconds: state.now), value: result.reading.number,
            latencyMs: result.reading.latencyMs, state: result.reading.state))
      }
    }
    state.readings = []
    for (index, send) in state.finished.enumerated() {
      let first = state.incidents[send.incident]?.delivery(send.job.id)?.firstAttemptAt ?? state.now
      // One draw a turn, spread over its outcomes by the golden ratio's fraction.
      let jitter = (state.jitter + Double(index) * 0.618_033_988_75)
        .truncatingRemainder(dividingBy: 1)
      let event = Outbox.record(
        send.outcome, of: send.job, firstAttemptAt: first, now: state.now, jitter: jitter)
      writes.append(
        PendingWrite(
          command: .recordDelivery(event), incident: send.incident, purpose: .outcome(send)))
    }
    var then: [RelayEffect] = []
    if !samples.isEmpty { then.append(.keepSamples(samples)) }
    then.append(.next(.read))
    return startWrites(&state, writes, then: then)
  }

  /// Folds every event written since the last read into the incidents' states.
  private static func fold(_ fresh: [EventEnvelope], into state: inout RelayState) {
    state.readFoundEvents = !fresh.isEmpty
    for envelope in fresh {
      state.lastSeq = max(state.lastSeq, envelope.seq)
      if state.incidents[envelope.incident] == nil {
        state.incidents[envelope.incident] = IncidentState(id: envelope.incident)
        state.order.append(envelope.incident)
      }
      Reducer.apply(envelope, to: &state.incidents[envelope.incident]!)
    }
  }

  /// What is due in every incident: sends (each recorded before it goes), sends to mark
  /// as possibly gone out, overdue updates, probe checks, proven recovery.
  private static func act(_ state: inout RelayState) -> [RelayEffect] {
    let rules = state.destinations.map(\.rule)
    let now = state.now
    var writes: [PendingWrite] = []
    var checks: [RelayEffect] = []
    for id in state.order {
      guard let incident = state.incidents[id] else { continue }
      for action in Outbox.plan(
        incident, destinations: rules, now: now, inFlight: Set(state.inFlight.keys))
      {
        switch action {
        case .send(let job):
          guard let destination = state.destinations.first(where: { $0.name == job.destination })
          else { continue }
          writes.append(
            PendingWrite(
              command: .recordDelivery(job.attempted(by: state.identity.holder)), incident: id,
              purpose: .attempt(job, destination)))
        case .markUncertain(let failed):
          writes.append(
            PendingWrite(
              command: .recordDelivery(.deliveryFailed(failed)), incident: id,
              purpose: .uncertain(failed)))
        case .noteOverdue(let overdue):
          writes.append(
            PendingWrite(
              command: .recordDelivery(.updateOverdue(overdue)), incident: id, purpose: .overdue))
        }
      }
      guard incident.isOpen else { continue }
      for probe in incident.activeProbes {
        let key = "\(id.rawValue)/\(probe.spec.name)"
        guard !state.probesInFlight.contains(key),
          ProbeMachine.isDue(probe, lastRun: state.probeStarted[key], now: now)
        else { continue }
        state.probeStarted[key] = now
        state.probesInFlight.insert(key)
        checks.append(.check(key: key, id, probe.spec))
      }
      writes += adoptions(incident, destinations: state.destinations)
      if let proven = ProbeMachine.recoveryToProve(incident, now: now) {
        writes.append(
          PendingWrite(
            command: .recordProbe(.recoveryProven(proven)), incident: id,
            purpose: .recovery(proven)))
      }
    }
    let then: [RelayEffect] =
      state.witnessesHead && state.lastSeq > state.headWritten ? [.witnessHead] : []
    return checks + startWrites(&state, writes, then: then)
  }

  /// A ticket or channel the relay created becomes the incident's, once its creation is
  /// recorded, where a person has not set one. Decided from the record, so the relay that
  /// takes over after a crash adopts it too.
  static func adoptions(_ incident: IncidentState, destinations: [Destination])
    -> [PendingWrite]
  {
    guard let declared = incident.outgoing.first(where: { $0.type == .declared }) else {
      return []
    }
    var writes: [PendingWrite] = []
    for destination in destinations {
      guard let thing = destination.kind.creates,
        thing == .ticket ? incident.ticket == nil : incident.channel == nil,
        let record = incident.deliveries(of: declared.seq).first(where: {
          $0.destination == destination.name
        }),
        case .delivered(_, let remote?) = record.phase,
        let details = thing.details(from: remote, kind: destination.kind)
      else { continue }
      writes.append(
        PendingWrite(
          command: .adoptCreated(details), incident: incident.id, purpose: .adopt(details)))
    }
    return writes
  }

  // MARK: - Writes, one at a time

  private static func startWrites(
    _ state: inout RelayState, _ writes: [PendingWrite], then: [RelayEffect]
  ) -> [RelayEffect] {
    state.writes = writes
    state.afterWrites = then
    return nextWrite(&state)
  }

  private static func nextWrite(_ state: inout RelayState) -> [RelayEffect] {
    guard let write = state.writes.first else {
      defer { state.afterWrites = [] }
      return state.afterWrites
    }
    guard let incident = state.incidents[write.incident] else {
      state.writes.removeFirst()
      return nextWrite(&state)
    }
    return [.record(write.command, incident: incident, at: state.now)]
  }

  private static func recorded(_ state: inout RelayState, _ incident: IncidentState, refused: Bool)
    -> [RelayEffect]
  {
    guard !state.writes.isEmpty else { return [] }
    let write = state.writes.removeFirst()
    state.incidents[write.incident] = incident
    var effects: [RelayEffect] = []
    if !refused {
      state.wroteThisTurn = true
      switch write.purpose {
      case .attempt(let job, let destination):
        state.inFlight[job.id] = job
        effects.append(
          .send(
            job, write.incident, MessageContent(job: job, state: incident, now: state.now),
            destination, parent: incident.parentRemote(of: destination.name)))
      case .uncertain(let failed):
        effects.append(
          .report(
            .note("\(failed.delivery) \(failed.reason): resend it by hand if it did not arrive")))
      case .overdue:
        break
      case .adopt(let created):
        if let ticket = created.ticket, incident.ticket == ticket {
          effects.append(.report(.note("\(write.incident): ticket \(ticket) created")))
        }
        if let channel = created.channel, incident.channel == channel {
          effects.append(.report(.note("\(write.incident): channel \(channel) created")))
        }
      case .recovery(let proven):
        effects.append(
          .report(
            .note(
              "\(write.incident): recovery proven (\(proven.probes.joined(separator: ", ")))")))
      case .probeChange(let change):
        effects.append(
          .report(
            .note(
              "\(write.incident): probe \(change.name) is \(change.state.rawValue)"
                + (change.reason.map { ": \($0)" } ?? ""))))
      case .outcome(let send):
        state.inFlight[send.job.id] = nil
        state.finished.removeAll { $0 == send }
        effects.append(.report(.sent(send.job, send.outcome, incident: send.incident)))
      }
    } else if case .outcome(let send) = write.purpose {
      // Refused: already recorded by someone else; nothing left to keep.
      state.inFlight[send.job.id] = nil
      state.finished.removeAll { $0 == send }
    }
    return effects + nextWrite(&state)
  }

  // MARK: - When the store fails

  /// One failure a turn sets the pause, and only the first of a run of them is said.
  private static func troubled(_ state: inout RelayState, _ note: String) -> [RelayEffect] {
    guard !state.failedThisTurn else { return [] }
    state.failedThisTurn = true
    return state.trouble.failed(at: state.now) ? [.report(.note(note))] : []
  }

  private static func failed(_ state: inout RelayState, _ step: RelayEffect.Step, _ reason: String)
    -> [RelayEffect]
  {
    var effects: [RelayEffect] = []
    let what: String
    switch step {
    case .lease: what = "cannot take the deliverer lease"
    case .read, .witness: what = "cannot read or write the store"
    case .samples: what = "cannot keep probe samples"
    case .write:
      switch state.writes.first?.purpose {
      case .outcome(let send)?: what = "cannot record the outcome of \(send.job.id) yet"
      case .probeChange(let change)?: what = "cannot record probe \(change.name)"
      default: what = "cannot read or write the store"
      }
    }
    effects += troubled(
      &state, "\(what): \(reason); trying again with growing pauses (up to 30 s)")
    guard step == .write, let write = state.writes.first else { return effects }
    switch write.purpose {
    case .probeChange:
      // The reading comes again: the probe is read again on its next turn.
      state.writes.removeFirst()
      return effects + nextWrite(&state)
    case .outcome:
      // Kept (in `finished`) and written on a later turn, when the store answers again.
      state.writes.removeAll {
        if case .outcome = $0.purpose { true } else { false }
      }
      return effects + nextWrite(&state)
    case .attempt, .uncertain, .overdue, .recovery, .adopt:
      // The rest of the turn waits for the store: nothing more is read or sent.
      state.writes = []
      state.afterWrites = []
      return effects
    }
  }
}
