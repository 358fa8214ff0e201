/// One line saying what an event did, for the timeline and the post-mortem.
/// Called by the reducer with the state *after* the event is applied.
enum Summary {
  static func of(_ event: Event, in state: IncidentState) -> String {
    switch event {
    case .declared(let d):
      return "Declared \(d.severity.rawValue) \"\(d.title)\""
    case .detailsChanged(let c):
      var parts: [String] = []
      if let title = c.title { parts.append("the title to \"\(title)\"") }
      if let severity = c.severity { parts.append("the severity to \(severity.rawValue)") }
      if let impact = c.impact { parts.append("the impact to \"\(impact)\"") }
      if let ticket = c.ticket { parts.append("the ticket to \(ticket)") }
      if let channel = c.channel { parts.append("the channel to \(channel)") }
      if let started = c.impactStartedMs {
        parts.append("the impact start to \(UTCTime.dateTime(Reducer.date(started)))")
      }
      if let detected = c.detectedMs {
        parts.append("the detection to \(UTCTime.dateTime(Reducer.date(detected)))")
      }
      return "Changed " + sentence(parts)
    case .stepCompleted(let s):
      return "Ticked step \(s.step) (\(stepTitle(s.step, state)))"
    case .stepUndone(let s):
      return "Unticked step \(s.step) (\(stepTitle(s.step, state)))"
    case .roleAssigned(let r):
      return "\(r.person) is now \(r.role.title)"
    case .roleReleased(let r):
      return "\(r.person) is no longer \(r.role.title)"
    case .experimentProposed(let e):
      return "Experiment #\(e.id) proposed: \(e.hypothesis)"
    case .experimentStarted(let ref):
      let target = state.experiments.first { $0.id == ref.id }?.target
      return "Experiment #\(ref.id) started" + (target.map { " on \($0)" } ?? "")
    case .experimentConcluded(let c):
      return "Experiment #\(c.id) \(c.outcome.rawValue): \(c.result)"
    case .experimentAbandoned(let ref):
      return "Experiment #\(ref.id) abandoned" + (ref.reason.map { ": \($0)" } ?? "")
    case .logged:
      return state.log.last.map(logLine) ?? ""
    case .alertReceived(let alert):
      guard alert.quiet == true else { return state.log.last.map(logLine) ?? "" }
      return state.alertIndex[alert.identity].map { AlertReceived.quietLine(state.alerts[$0]) }
        ?? ""
    case .logEdited(let edit):
      return "Corrected log #\(edit.entry)"
    case .logStruck(let strike):
      return "Struck log #\(strike.entry): \(strike.reason)"
    case .stakeholderUpdated(let body):
      return "Stakeholder update: \(body.text)"
    case .announced(let body):
      return "Announced the outage: \(body.text)"
    case .updateOverdue(let overdue):
      return
        "The stakeholder update due at \(UTCTime.time(Reducer.date(overdue.dueMs))) was not posted"
    case .deliveryAttempted, .delivered, .deliveryFailed, .deliveryResend:
      return ""
    case .probeAdded(let spec):
      return
        "Added probe \(spec.name) (\(spec.kind.rawValue) \(spec.target), every \(DurationText.short(spec.everySeconds)))"
    case .probeRemoved(let ref): return "Removed probe \(ref.name)"
    case .probePaused(let ref): return "Paused probe \(ref.name)"
    case .probeResumed(let ref): return "Resumed probe \(ref.name)"
    case .probeChanged(let change):
      let detail = [change.value, change.reason].compactMap { $0 }.joined(separator: ": ")
      return "Probe \(change.name) is \(change.state.rawValue)"
        + (detail.isEmpty ? "" : " (\(detail))")
    case .recoveryProven(let proven):
      return "Recovery proven: \(proven.probes.joined(separator: ", ")) passed for their windows"
    case .cadenceChanged(let c):
      return "Set the update cadence to \(DurationText.short(c.seconds))"
    case .whyAdded(let w):
      return "Why (chain \(w.chain)): \(w.why) → because \(w.because)"
    case .followupAdded(let f):
      return "Follow-up #\(f.id): \(f.text)" + (f.owner.map { " (\($0))" } ?? "")
    case .followupDone(let ref):
      return "Closed follow-up #\(ref.id)"
    case .mitigated:
      return "Announced mitigated (yellow)"
    case .customerVerified(let body):
      return "The customer verified the fix: \(body.text)"
    case .resolved(let r):
      let open = (r.openSteps ?? []).map(String.init)
      return "Announced resolved (green)"
        + (r.forcedReason.map { ", forced: \($0)" } ?? "")
        + (open.isEmpty
          ? "" : ", with step\(open.count == 1 ? "" : "s") \(sentence(open)) still open")
    case .reopened(let r):
      if r.corrects != nil {
        return "Corrected (back to red)" + (r.reason.map { ": \($0)" } ?? "")
      }
      return "Reopened (back to red)" + (r.reason.map { ": \($0)" } ?? "")
    case .undone(let ref):
      let original = state.timeline.line(of: ref.seq)?.summary ?? "event #\(ref.seq)"
      return "Took back: " + (original.components(separatedBy: " (undone ").first ?? original)
    case .unknown(let type, _), .unreadable(let type, _, _):
      return "(skipped event \(type))"
    }
  }

  /// A log entry as the timeline shows it: its kind, its latest text, and whether it
  /// was corrected or struck, by whom and when.
  static func logLine(_ entry: LogEntry) -> String {
    var line = entry.kind == .note ? entry.text : "[\(entry.kind.label)] \(entry.text)"
    if let last = entry.corrections.last {
      line += " (edited \(UTCTime.time(last.at)) by \(last.by))"
    }
    if let struck = entry.struck {
      line = "STRUCK (\(struck.text ?? ""), \(struck.by) at \(UTCTime.time(struck.at))): " + line
    }
    return line
  }

  /// `a`, `a and b`, `a, b and c`.
  private static func sentence(_ parts: [String]) -> String {
    guard parts.count > 1 else { return parts.first ?? "" }
    return parts.dropLast().joined(separator: ", ") + " and " + parts.last!
  }

  private static func stepTitle(_ step: Int, _ state: IncidentState) -> String {
    state.runbook.steps.indices.contains(step - 1) ? state.runbook.steps[step - 1].title : "?"
  }
}
