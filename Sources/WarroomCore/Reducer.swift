import Foundation

/// The one writer of `IncidentState`: folds events into state, one at a time, in store
/// order. Pure: no clock, no I/O. Events were validated by `Rules` when written, but the
/// reducer still tolerates odd sequences (an event for an unknown experiment, say), because
/// stores written by other versions or other writers must always load.
public enum Reducer {
  /// Folds a whole history into a fresh state.
  public static func fold(_ id: IncidentID, _ events: some Sequence<EventEnvelope>)
    -> IncidentState
  {
    var state = IncidentState(id: id)
    for envelope in events { apply(envelope, to: &state) }
    return state
  }

  public static func apply(_ envelope: EventEnvelope, to state: inout IncidentState) {
    // Another incident's event, or one already folded in (a reader that catches up from
    // an older position sees it again): nothing to do. Folding is idempotent.
    guard envelope.incident == state.id, envelope.seq > state.lastSeq else { return }
    state.lastSeq = envelope.seq
    state.foldedEvents += 1
    let actor = envelope.actor
    let at = envelope.at
    let mark = Mark(by: actor, at: at)
    let relapsesBefore = state.relapses.count
    func skip(_ reason: String) {
      state.skipped.append(
        SkippedEvent(seq: envelope.seq, type: envelope.event.typeName, reason: reason))
    }

    if envelope.event.isDeliveryRecord {
      return applyDelivery(envelope, to: &state)
    }

    switch envelope.event {
    case .declared(let d):
      state.isDeclared = true
      state.title = d.title
      state.severity = d.severity
      state.cadence = d.cadence
      state.ticket = d.ticket
      state.channel = d.channel
      state.impact = d.impact
      state.runbook = d.runbook
      state.autoChecksHeld = nil  // a new runbook's steps are all gone through
      state.declaredAt = at
      state.declaredBy = actor
      state.impactStartedAt = d.impactStartedMs.map(Self.date)
      state.declaredFrom = d.source

    case .detailsChanged(let c):
      if let title = c.title { state.title = title }
      if let severity = c.severity { state.severity = severity }
      if let impact = c.impact { state.impact = impact }
      if let ticket = c.ticket { state.ticket = ticket }
      if let channel = c.channel { state.channel = channel }
      if let started = c.impactStartedMs { state.impactStartedAt = Self.date(started) }
      if let detected = c.detectedMs { state.detectedAt = Self.date(detected) }

    case .stepCompleted(let s):
      guard s.step >= 1, s.step <= state.runbook.steps.count else {
        return skip("no step \(s.step)")
      }
      state.manualSteps[s.step - 1] = mark

    case .stepUndone(let s):
      guard s.step >= 1, s.step <= state.runbook.steps.count else {
        return skip("no step \(s.step)")
      }
      state.manualSteps[s.step - 1] = nil

    case .roleAssigned(let r):
      var holders = r.role.isSingleHolder ? [] : state.roles.holders(of: r.role)
      if !holders.contains(r.person) { holders.append(r.person) }
      state.roles.holders[r.role] = holders
      state.roles.history.append(
        RoleHandoff(role: r.role, person: r.person, assigned: true, by: actor, at: at))

    case .roleReleased(let r):
      state.roles.holders[r.role] = state.roles.holders(of: r.role).filter { $0 != r.person }
      state.roles.history.append(
        RoleHandoff(role: r.role, person: r.person, assigned: false, by: actor, at: at))

    case .experimentProposed(let e):
      state.experiments.append(
        Experiment(
          id: e.id, hypothesis: e.hypothesis, change: e.change, owner: e.owner, target: e.target,
          proposed: mark))

    case .experimentStarted(let ref):
      updateExperiment(ref.id, in: &state) {
        $0.state = .running
        $0.startedAt = at
      }

    case .experimentConcluded(let c):
      updateExperiment(c.id, in: &state) {
        $0.state = .concluded
        $0.outcome = c.outcome
        $0.result = c.result
        $0.endedAt = at
      }

    case .experimentAbandoned(let ref):
      updateExperiment(ref.id, in: &state) {
        $0.state = .abandoned
        $0.result = ref.reason
        $0.endedAt = at
      }

    case .logged(let entry):
      appendLog(LogEntry(kind: entry.kind, text: entry.text, by: actor, at: at), envelope, &state)
      if entry.kind == .manualChange { state.manualChangeCount += 1 }

    case .logEdited(let edit):
      let index = edit.entry - 1
      guard (0..<state.log.total).contains(index) else {
        return skip("no log entry #\(edit.entry)")
      }
      // An entry a summary did not read has no text here to correct.
      if state.log.indices.contains(index) {
        state.log[index].corrections.append(Mark(by: actor, at: at, text: state.log[index].text))
        state.log[index].text = edit.text
        retitle(state.log[index], in: &state)
      }

    case .logStruck(let strike):
      let index = strike.entry - 1
      guard (0..<state.log.total).contains(index) else {
        return skip("no log entry #\(strike.entry)")
      }
      if state.log.strike(at: index, Mark(by: actor, at: at, text: strike.reason)) {
        state.manualChangeCount -= 1
      }
      if state.log.indices.contains(index) { retitle(state.log[index], in: &state) }

    case .stakeholderUpdated(let body):
      let due = Countdown.dueDate(of: state)
      state.updates.append(
        StakeholderUpdate(
          text: body.text, by: actor, at: at, onTime: at <= due, due: due, seq: envelope.seq))
      state.deliveryTally.updatePosted(envelope.seq)

    case .announced(let body):
      state.announcements.append(Mark(by: actor, at: at, text: body.text))

    case .updateOverdue(let overdue):
      state.overdueNoted.insert(overdue.dueMs)

    case .deliveryAttempted, .delivered, .deliveryFailed, .deliveryResend:
      return  // folded by applyDelivery above

    case .cadenceChanged(let c):
      state.cadence = c.seconds

    case .probeAdded(let spec):
      state.probes.append(ProbeRecord(spec: spec, since: at, added: mark))

    case .probeRemoved(let ref):
      guard let index = probeIndex(ref.name, in: state) else { return skip("no probe \(ref.name)") }
      state.probes[index].removed = true
      state.probes[index].since = at

    case .probePaused(let ref), .probeResumed(let ref):
      guard let index = probeIndex(ref.name, in: state) else { return skip("no probe \(ref.name)") }
      let paused = { if case .probePaused = envelope.event { true } else { false } }()
      state.probes[index].paused = paused
      state.probes[index].since = at
      // A resumed probe proves nothing until it is read again.
      state.probes[index].state = nil
      state.probes[index].passingSince = nil

    case .probeChanged(let change):
      guard let index = probeIndex(change.name, in: state) else {
        return skip("no probe \(change.name)")
      }
      var probe = state.probes[index]
      if probe.state != change.state {
        probe.since = at
        if change.state == .failing {
          if change.quiet == true {
            probe.quietFailures += 1
          } else {
            probe.lastFindingAt = at
            probe.quietFailures = 0
          }
        }
      }
      probe.changedAt = at
      probe.state = change.state
      probe.value = change.value
      probe.reason = change.reason
      if change.state == .passing {
        if probe.passingSince == nil { probe.passingSince = at }
      } else {
        probe.passingSince = nil
        if change.state == .failing, probe.firstFailedAt == nil { probe.firstFailedAt = at }
        if state.recoveryProvenAt != nil {
          let said = change.reason.map { ": \($0)" } ?? ""
          state.relapses.append(
            Mark(by: actor, at: at, text: "\(change.name) \(change.state.rawValue)\(said)"))
        }
        state.recoveryProvenAt = nil
      }
      state.probes[index] = probe

    case .recoveryProven:
      state.recoveryProvenAt = at
      state.recoveries.append(mark)

    case .whyAdded(let w):
      // A chain is started by adding to the one after the last; a row that skips ahead
      // (written past the rules) joins that next chain instead of allocating the gap.
      let index = min(max(0, w.chain - 1), state.whyChains.count)
      while state.whyChains.count <= index { state.whyChains.append([]) }
      state.whyChains[index].append(WhyLink(why: w.why, because: w.because, by: actor, at: at))

    case .followupAdded(let f):
      state.followups.append(Followup(id: f.id, text: f.text, owner: f.owner, added: mark))

    case .followupDone(let ref):
      if let index = state.followups.firstIndex(where: { $0.id == ref.id }) {
        state.followups[index].done = mark
      }

    case .mitigated:
      state.status = .mitigated
      state.mitigatedAt = at
      state.mitigations.append(mark)
      if state.firstMitigatedAt == nil { state.firstMitigatedAt = at }

    case .customerVerified(let body):
      state.customerVerification = Mark(by: actor, at: at, text: body.text)

    case .resolved(let r):
      state.status = .resolved
      state.resolvedAt = at
      state.forcedResolution = r.forcedReason
      state.openStepsAtGreen = r.openSteps ?? []
      if state.mitigatedAt == nil { state.mitigatedAt = at }
      if state.firstMitigatedAt == nil { state.firstMitigatedAt = at }

    case .reopened(let r):
      state.reopenings.append(Mark(by: actor, at: at, text: r.reason))
      state.status = .investigating
      state.mitigatedAt = nil
      state.resolvedAt = nil
      state.forcedResolution = nil
      // The fix did not hold: the customer must verify the next one again.
      state.customerVerification = nil

    case .undone(let ref):
      state.undone[ref.seq] = mark
      if let line = state.timeline.lastIndex(where: { $0.seq == ref.seq }) {
        state.timeline[line].summary += " (undone \(UTCTime.time(at)) by \(actor))"
      }

    case .alertReceived(let alert):
      applyAlert(alert, envelope, to: &state)

    case .unknown:
      return skip("written by a newer warroom")

    case .unreadable(_, _, let reason):
      return skip(reason)
    }

    if let type = envelope.event.messageType {
      var corrects: Int64?
      if case .reopened(let reopened) = envelope.event { corrects = reopened.corrects }
      state.outgoing.append(
        OutgoingMessage(
          seq: envelope.seq, type: type, text: envelope.event.messageText(in: state), by: actor,
          at: at, status: state.status, corrects: corrects))
    }
    state.timeline.append(
      TimelineEntry(
        seq: envelope.seq, at: at, actor: actor, summary: Summary.of(envelope.event, in: state),
        osUser: envelope.osUser,
        isKeyMoment: KeyMoment.isKey(envelope.event, relapse: state.relapses.count > relapsesBefore)
      ))
    refreshAutoSteps(in: &state, proof: mark)
    // Trimmed in batches: removing the oldest on every event moved the whole window.
    state.recentEvents.append(envelope)
    if state.recentEvents.count >= 2 * IncidentState.recentLimit {
      state.recentEvents.removeFirst(state.recentEvents.count - IncidentState.recentLimit)
    }
  }

  /// Adds an entry to the log, numbered, and counts it when a person wrote it.
  private static func appendLog(
    _ entry: LogEntry, _ envelope: EventEnvelope, _ state: inout IncidentState
  ) {
    var entry = entry
    entry.seq = envelope.seq
    if entry.by != Lease.delivererActor { state.entriesByPeople += 1 }
    state.log.append(entry)
  }

  /// An alert updates its record and becomes a finding in the log, written by its sender.
  private static func applyAlert(
    _ alert: AlertReceived, _ envelope: EventEnvelope, to state: inout IncidentState
  ) {
    let at = envelope.at
    let index = state.alertIndex[alert.identity]
    let previous = index.map { state.alerts[$0] }
    if alert.quiet != true {
      appendLog(
        LogEntry(
          kind: .finding, text: alert.finding(previous: previous, at: at), by: envelope.actor,
          at: at), envelope, &state)
    }
    let started = alert.startedMs.map(Self.date) ?? at
    let since =
      alert.status == .resolved ? (alert.endedMs.map(Self.date) ?? at) : started
    if let index {
      var record = state.alerts[index]
      if record.status != alert.status { record.since = since }
      if alert.status == .firing, record.status == .resolved { record.startedAt = started }
      record.status = alert.status
      record.name = alert.name
      if let url = alert.url { record.url = url }
      if let by = alert.acknowledgedBy { record.acknowledgedBy = by }
      state.alerts[index] = record
    } else {
      state.alertIndex[alert.identity] = state.alerts.count
      state.alerts.append(
        AlertRecord(
          source: alert.source, group: alert.group, key: alert.key, name: alert.name,
          status: alert.status, since: since, startedAt: started, receivedAt: at, url: alert.url,
          acknowledgedBy: alert.acknowledgedBy))
    }
    state.alertGroups.insert(alert.groupIdentity)
  }

  /// Delivery bookkeeping: updates the delivery's record only. Kept out of the timeline,
  /// the auto-checked steps and `undo`'s reach.
  private static func applyDelivery(_ envelope: EventEnvelope, to state: inout IncidentState) {
    let at = envelope.at
    func update(
      _ id: String, destination: String, message: Int64, _ change: (inout DeliveryRecord) -> Void
    ) {
      let index = state.deliveryIndex[id]
      if let index {
        let wasDelivered = state.deliveries[index].isDelivered
        change(&state.deliveries[index])
        state.deliveries[index].at = at
        let record = state.deliveries[index]
        state.deliveryTally.changed(
          message: record.message, isUpdate: state.isStakeholderUpdate(record.message),
          wasDelivered: wasDelivered, isDelivered: record.isDelivered)
      } else {
        var record = DeliveryRecord(
          id: id, destination: destination, message: message, phase: .sending(deliverer: ""),
          at: at)
        change(&record)
        state.deliveryIndex[id] = state.deliveries.count
        state.deliveryTally.added(
          message: message, at: state.deliveries.count,
          isUpdate: state.isStakeholderUpdate(message), isDelivered: record.isDelivered)
        state.deliveries.append(record)
      }
    }
    switch envelope.event {
    case .deliveryAttempted(let a):
      update(a.delivery, destination: a.destination, message: a.message) {
        $0.attempts = max($0.attempts, a.attempt)
        if $0.firstAttemptAt == nil { $0.firstAttemptAt = at }
        $0.phase = .sending(deliverer: a.deliverer)
      }
    case .delivered(let d):
      update(d.delivery, destination: d.destination, message: d.message) {
        $0.phase = .delivered(status: d.status, remote: d.remote)
        if d.confirmed == true { $0.confirmedBy = envelope.actor }
      }
    case .deliveryFailed(let f):
      update(f.delivery, destination: f.destination, message: f.message) { record in
        // A late failure never undoes a delivery another attempt already made.
        if record.isDelivered { return }
        if f.uncertain == true {
          record.phase = .uncertain(reason: f.reason)
        } else if let retry = f.retryAtMs {
          // A stored retry time past the give-up window (a planted year 9999) would wedge
          // the destination silently: it is held to the window, where the last try is made.
          let latest = RetryPolicy.giveUpTime(firstAttemptAt: record.firstAttemptAt ?? at)
          record.phase = .retrying(reason: f.reason, retryAt: min(Self.date(retry), latest))
        } else {
          record.phase = .failed(reason: f.reason)
        }
      }
    case .deliveryResend(let r):
      update(r.delivery, destination: r.destination, message: r.message) {
        $0.phase = .resendAsked(by: envelope.actor)
      }
    default: break
    }
    // An update counts for the checklist once it reached stakeholders (step 8).
    refreshAutoSteps(in: &state, proof: Mark(by: envelope.actor, at: at))
  }

  /// The timeline line of a log entry shows its latest text and what was done to it.
  private static func retitle(_ entry: LogEntry, in state: inout IncidentState) {
    guard let line = state.timeline.lastIndex(where: { $0.seq == entry.seq }) else { return }
    state.timeline[line].summary = Summary.logLine(entry)
  }

  private static func probeIndex(_ name: String, in state: IncidentState) -> Int? {
    state.probes.lastIndex { $0.spec.name == name && !$0.removed }
  }

  static func date(_ milliseconds: Int64) -> Date {
    Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
  }

  private static func updateExperiment(
    _ id: Int, in state: inout IncidentState, _ change: (inout Experiment) -> Void
  ) {
    guard let index = state.experiments.firstIndex(where: { $0.id == id }) else { return }
    change(&state.experiments[index])
  }

  /// Marks self-completing steps the data now proves, crediting the event that proved it,
  /// and clears those it no longer proves (after a reopen, say).
  ///
  /// Each kind of check is worked out once an event, and the steps are gone through only
  /// when one of them changed: a lookup per step after every event was 8% of a fold.
  private static func refreshAutoSteps(in state: inout IncidentState, proof: Mark) {
    var held: UInt64 = 0
    for (bit, check) in autoChecks.enumerated() where AutoChecks.holds(check, in: state) {
      held |= 1 << bit
    }
    guard held != state.autoChecksHeld else { return }
    state.autoChecksHeld = held
    for (index, step) in state.runbook.steps.enumerated() {
      guard let check = step.auto, let bit = autoChecks.firstIndex(of: check) else { continue }
      if held & (1 << bit) != 0 {
        if state.autoSteps[index] == nil { state.autoSteps[index] = proof }
      } else if state.autoSteps[index] != nil {
        state.autoSteps[index] = nil
      }
    }
  }

  private static let autoChecks = AutoCheck.allCases
}

/// Whether the incident's data proves an `AutoCheck`.
public enum AutoChecks {
  public static func holds(_ check: AutoCheck, in state: IncidentState) -> Bool {
    switch check {
    case .ticketSet: !(state.ticket ?? "").isEmpty
    case .channelSet: !(state.channel ?? "").isEmpty
    case .rolesFilled: state.roles.coreRolesFilled
    case .experimentConcluded: state.experiments.contains { $0.state == .concluded }
    // People's entries: a probe's finding written by the deliverer keeps no log.
    case .logWritten: state.entriesByPeople > 0
    case .stakeholderUpdated: state.anUpdateReachedStakeholders
    case .announced: !state.announcements.isEmpty
    case .recoveryVerified:
      state.recoveryProvenAt != nil && !state.activeProbes.isEmpty
        && state.probesNotPassing.isEmpty
    case .manualChangeLogged: state.manualChangeCount > 0
    case .fiveWhys: state.whyChains.contains { $0.count >= 5 }
    case .customerVerified: state.customerVerification != nil
    case .mitigated: state.status != .investigating
    case .resolved: state.status == .resolved
    }
  }
}
