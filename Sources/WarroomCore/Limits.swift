/// The range every number in an event must fall in, decided here once.
///
/// Rows come from other versions, other writers and, on a shared host, from anyone who can
/// write the file or insert into the table. A number outside these ranges makes its event
/// unreadable (skipped and reported) instead of reaching arithmetic or allocation that
/// would trap or run away. Commands are refused against the same ranges.
public enum Limits {
  /// Checklist steps, one-based.
  public static let steps = 1...1_000
  /// Experiment and follow-up numbers.
  public static let ids = 1...1_000_000_000
  /// Five-whys chains, one-based.
  public static let chains = 1...1_000
  /// Stakeholder-update cadences, in seconds.
  public static let cadence = 1...DurationText.maximumSeconds
  /// Event times in milliseconds since 1970: from 1970 to the end of the year 9999.
  public static let milliseconds: ClosedRange<Int64> = 0...253_402_300_799_999
  /// Times the fold can hold, in seconds since 1970: an event's time, or one plus a
  /// cadence (an update's due time is the one before it plus the cadence, so a hostile
  /// update dated at the very end of `milliseconds` is due past it).
  public static let foldedSeconds: ClosedRange<Double> = {
    let events = Double(milliseconds.lowerBound) / 1000...Double(milliseconds.upperBound) / 1000
    return events.lowerBound...events.upperBound + Double(cadence.upperBound)
  }()
  /// The `n` of `INC-n` that the store hands out.
  public static let incidentNumbers = 1...999_999_999
  /// A stored payload; larger rows are skipped rather than decoded.
  public static let payloadBytes = 1 << 20
  /// Any one text a person types (a log entry, a title, a name): 64 KiB of UTF-8.
  public static let textBytes = 64 << 10
}

extension Event {
  /// What is out of range in this event, in words; nil when every number is usable.
  public var rangeProblem: String? {
    func check(_ value: Int, _ range: ClosedRange<Int>, _ what: String) -> String? {
      range.contains(value) ? nil : "\(what) \(value) is out of range"
    }
    switch self {
    case .declared(let d):
      return d.runbook.problem
        ?? check(d.cadence, d.runbook.minimumCadence...d.runbook.maximumCadence, "cadence")
        ?? time(d.impactStartedMs, "the impact start")
    case .detailsChanged(let c):
      return time(c.impactStartedMs, "the impact start") ?? time(c.detectedMs, "the detection")
    case .resolved(let r):
      return r.openSteps?.first { !Limits.steps.contains($0) }.map { "step \($0) is out of range" }
    case .stepCompleted(let s), .stepUndone(let s):
      return check(s.step, Limits.steps, "step")
    case .experimentProposed(let e): return check(e.id, Limits.ids, "experiment")
    case .experimentStarted(let e), .experimentAbandoned(let e):
      return check(e.id, Limits.ids, "experiment")
    case .experimentConcluded(let e): return check(e.id, Limits.ids, "experiment")
    case .cadenceChanged(let c): return check(c.seconds, Limits.cadence, "cadence")
    case .whyAdded(let w): return check(w.chain, Limits.chains, "chain")
    case .followupAdded(let f): return check(f.id, Limits.ids, "follow-up")
    case .followupDone(let f): return check(f.id, Limits.ids, "follow-up")
    case .logEdited(let e): return check(e.entry, Limits.ids, "log entry")
    case .logStruck(let e): return check(e.entry, Limits.ids, "log entry")
    case .undone(let u):
      return u.seq > 0 ? nil : "event \(u.seq) is out of range"
    case .updateOverdue(let o): return time(o.dueMs, "the due time")
    case .alertReceived(let a):
      return time(a.startedMs, "the alert's start") ?? time(a.endedMs, "the alert's end")
    case .probeAdded(let spec): return spec.problem
    case .probeRemoved, .probePaused, .probeResumed, .probeChanged, .recoveryProven: return nil
    case .deliveryAttempted(let a):
      return check(a.attempt, Limits.ids, "attempt")
        ?? (a.message > 0 ? nil : "event \(a.message) is out of range")
    case .delivered(let d): return d.message > 0 ? nil : "event \(d.message) is out of range"
    case .deliveryFailed(let f):
      return f.message > 0
        ? time(f.retryAtMs, "the retry time") : "event \(f.message) is out of range"
    case .deliveryResend(let r): return r.message > 0 ? nil : "event \(r.message) is out of range"
    case .roleAssigned, .roleReleased, .logged, .stakeholderUpdated, .announced, .mitigated,
      .customerVerified, .reopened, .unknown, .unreadable:
      return nil
    }
  }

  private func time(_ milliseconds: Int64?, _ what: String) -> String? {
    guard let milliseconds, !Limits.milliseconds.contains(milliseconds) else { return nil }
    return "\(what) \(milliseconds) ms is out of range"
  }
}

extension Runbook {
  /// What makes this runbook unusable, in words; nil when it is fine.
  public var problem: String? {
    if steps.isEmpty { return "it has no steps" }
    if steps.count > Limits.steps.upperBound {
      return "it has \(steps.count) steps; at most \(Limits.steps.upperBound)"
    }
    if let empty = steps.firstIndex(where: { $0.title.trimmed.isEmpty }) {
      return "step \(empty + 1) has no title"
    }
    guard Limits.cadence.contains(minimumCadence), Limits.cadence.contains(maximumCadence),
      minimumCadence <= defaultCadence, defaultCadence <= maximumCadence
    else {
      return "cadence bounds must satisfy 0 < minimum ≤ default ≤ maximum ≤ "
        + DurationText.short(Limits.cadence.upperBound)
    }
    return nil
  }
}
