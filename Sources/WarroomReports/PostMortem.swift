import Foundation
import WarroomCore

/// The post-mortem, written from the events alone, in the order a manager reads it: a
/// summary (impact, times, root cause, what fixed it, what did not, follow-ups), the key
/// moments, then the full record as an appendix. Nobody has to reconstruct anything.
public enum PostMortem {
  public static func markdown(_ state: IncidentState, now: Date) -> String {
    var out = Lines()
    let t = MarkdownText.text
    out += "# Post-mortem: \(t(state.title)) (\(state.id.rawValue))"
    out += ""
    var facts = [
      "\(state.severity.rawValue)", "\(state.status.rawValue) (\(state.status.colourWord))",
    ]
    facts.append(state.ticket.map { "ticket \(MarkdownText.code($0))" } ?? "no ticket")
    facts.append(state.channel.map { "channel \(MarkdownText.code($0))" } ?? "no channel")
    out += facts.joined(separator: " · ")
    out += ""
    summary(state, into: &out)
    keyMoments(state, into: &out)
    metrics(state, into: &out)
    out += "## Appendix: the full record"
    out += ""
    PostMortemAppendix.write(state, into: &out)
    return out.text
  }

  /// The summary section alone (impact, times, root cause, what fixed it, follow-ups),
  /// for a ticket's closing comment.
  public static func summaryMarkdown(_ state: IncidentState) -> String {
    var out = Lines()
    summary(state, into: &out)
    return out.text.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  // MARK: - Summary

  private static func summary(_ state: IncidentState, into out: inout Lines) {
    let t = MarkdownText.text
    let n = MarkdownText.name
    out += "## Summary"
    out += ""
    out +=
      state.impact.map(MarkdownText.paragraph)
      ?? "Impact was not recorded (`warroom edit --impact`)."
    out += ""

    // When, and how long after customers were first hurt (or the first alert, or the
    // declaration).
    let (start, from, _) = clockStart(state)
    out += "| | When (UTC) | After \(from) |"
    out += "|---|---|---|"
    var rows: [(Date, String)] = []
    func row(_ what: String, _ at: Date, _ detail: String = "") {
      rows.append((at, "| \(what) | \(UTCTime.dateTime(at))\(detail) | \(span(start, at)) |"))
    }
    if let started = state.impactStartedAt { row("Impact started", started) }
    if let first = state.firstAlert {
      row("First alert", first.startedAt, ": \(t(first.name)) from \(t(first.source))")
    }
    if let detected = state.detectedAt { row("Detected", detected) }
    row(
      "Declared", state.declaredAt,
      " by \(n(state.declaredBy))" + (state.declaredFrom.map { " (alert \(t($0)))" } ?? ""))
    for mitigation in state.mitigations {
      row(
        "Mitigated", mitigation.at,
        " by \(n(mitigation.by))" + (mitigation.text.map { ": " + MarkdownText.cell($0) } ?? ""))
    }
    for reopening in state.reopenings {
      row(
        "Reopened", reopening.at,
        " by \(n(reopening.by))" + (reopening.text.map { ": " + MarkdownText.cell($0) } ?? ""))
    }
    for proven in state.recoveries { row("Recovery proven by the probes", proven.at) }
    for relapse in state.relapses {
      row("Recovery lost", relapse.at, relapse.text.map { ": " + MarkdownText.cell($0) } ?? "")
    }
    if let verified = state.customerVerification {
      row(
        "Customer verified", verified.at,
        " by \(n(verified.by))" + (verified.text.map { ": " + MarkdownText.cell($0) } ?? ""))
    }
    if let resolved = state.resolvedAt { row("Resolved", resolved) }
    for line in chronological(rows) { out += line }
    if state.status != .resolved {
      out += "| Still open | \(state.status.rawValue) | |"
    }
    out += ""
    if let forced = state.forcedResolution {
      out += "Green was forced past the checks: \(t(forced))."
      out += ""
    }
    if !state.openStepsAtGreen.isEmpty {
      let steps = state.openStepsAtGreen.map { number in
        let title =
          state.runbook.steps.indices.contains(number - 1)
          ? " (\(t(state.runbook.steps[number - 1].title)))" : ""
        return "\(number)\(title)"
      }
      out +=
        "Green was announced with step\(steps.count == 1 ? "" : "s") \(steps.joined(separator: ", ")) still open."
      out += ""
    }

    out += "**Root cause**, from the five whys (the last answer of each chain):"
    out += ""
    let causes = state.whyChains.compactMap(\.last)
    if causes.isEmpty { out += "- Not found yet: no whys were recorded." }
    for (number, link) in causes.enumerated() {
      let chain = state.whyChains[number]
      let path = chain.count > 1 ? " (\(chain.count) whys, from \"\(t(chain[0].why))\")" : ""
      out += "- \(t(link.because))\(path)"
    }
    out += ""

    out += "**What fixed it:**"
    out += ""
    let fixes = Self.fixes(state)
    if fixes.isEmpty {
      out +=
        "- Nothing was recorded as the fix: no experiment was supported and no manual change was logged before the mitigation."
    }
    fixes.forEach { out += "- \($0)" }
    out += ""

    out += "**What did not work:**"
    out += ""
    let failures = Self.failures(state)
    if failures.isEmpty { out += "- Nothing recorded." }
    failures.forEach { out += "- \($0)" }
    out += ""

    out += "**Follow-ups:**"
    out += ""
    if state.followups.isEmpty { out += "- None recorded." }
    for followup in state.followups {
      let box = followup.done == nil ? "[ ]" : "[x]"
      let owner = followup.owner.map { "owner \(n($0))" } ?? "**no owner**"
      out += "- \(box) #\(followup.id) \(t(followup.text)) (\(owner))"
    }
    out += ""
  }

  /// Supported experiments, and the manual changes made after the last reopening and up
  /// to the last mitigation (after it, they are clean-up): what turned it around.
  static func fixes(_ state: IncidentState) -> [String] {
    let t = MarkdownText.text
    let n = MarkdownText.name
    var fixes: [(Date, String)] = []
    for e in state.experiments where e.outcome == .supported {
      let change = e.change.map { "; changed: \(t($0))" } ?? ""
      let result = e.result.map { "; \(t($0))" } ?? ""
      fixes.append(
        (
          e.endedAt ?? e.proposed.at,
          "Experiment #\(e.id) (\(n(e.owner ?? e.proposed.by))) supported \"\(t(e.hypothesis))\"\(change)\(result)"
        ))
    }
    let until = state.mitigations.last?.at ?? state.resolvedAt ?? .distantFuture
    let after = state.reopenings.last?.at ?? .distantPast
    for entry in state.log
    where entry.kind == .manualChange && entry.struck == nil && entry.at > after
      && entry.at <= until
    {
      fixes.append(
        (entry.at, "Manual change \(UTCTime.time(entry.at)) by \(n(entry.by)): \(t(entry.text))"))
    }
    return chronological(fixes)
  }

  /// Refuted, inconclusive and abandoned experiments, and each mitigation that did not
  /// hold (a reopening after it).
  static func failures(_ state: IncidentState) -> [String] {
    let t = MarkdownText.text
    let n = MarkdownText.name
    var failures: [(Date, String)] = []
    for e in state.experiments {
      let verdict: String
      switch (e.state, e.outcome) {
      case (.concluded, .refuted?): verdict = "refuted"
      case (.concluded, .inconclusive?): verdict = "inconclusive"
      case (.abandoned, _): verdict = "abandoned"
      default: continue
      }
      let result = e.result.map { ": \(t($0))" } ?? ""
      failures.append(
        (
          e.endedAt ?? e.proposed.at,
          "Experiment #\(e.id) (\(n(e.owner ?? e.proposed.by))) \(verdict), \"\(t(e.hypothesis))\"\(result)"
        ))
    }
    for reopening in state.reopenings {
      guard let mitigated = state.mitigations.last(where: { $0.at <= reopening.at }) else {
        continue
      }
      let reason = reopening.text.map { ": \(t($0))" } ?? ""
      failures.append(
        (
          reopening.at,
          "Mitigated \(UTCTime.time(mitigated.at)), reopened \(UTCTime.time(reopening.at)) by \(n(reopening.by))\(reason)"
        ))
    }
    // Changes made before a reopening were followed by a fix that did not hold.
    if let lastReopening = state.reopenings.last?.at {
      for entry in state.log
      where entry.kind == .manualChange && entry.struck == nil && entry.at <= lastReopening {
        let reopened = state.reopenings.first { $0.at >= entry.at }?.at ?? lastReopening
        failures.append(
          (
            entry.at,
            "Manual change \(UTCTime.time(entry.at)) by \(n(entry.by)): \(t(entry.text)) (reopened \(UTCTime.time(reopened)))"
          ))
      }
    }
    for relapse in state.relapses {
      failures.append(
        (relapse.at, "Recovery was lost \(UTCTime.time(relapse.at)): \(t(relapse.text ?? ""))"))
    }
    return chronological(failures)
  }

  // MARK: - Key moments

  private static func keyMoments(_ state: IncidentState, into out: inout Lines) {
    let moments = state.timeline.filter(\.isKeyMoment)
    let days = Set(moments.map { UTCTime.dateTime($0.at).prefix(10) })
    let oneDay = days.count <= 1
    out += "## Key moments (" + (oneDay ? "\(days.first ?? "") UTC" : "UTC") + ")"
    out += ""
    let shared = sharedAccount(state)
    for moment in moments {
      let time = oneDay ? UTCTime.time(moment.at) : UTCTime.dateTime(moment.at)
      out +=
        "- \(time) \(shared == nil ? who(moment) : MarkdownText.name(moment.actor)): \(MarkdownText.text(moment.summary))"
    }
    if moments.isEmpty { out += "- None yet." }
    out += ""
  }

  // MARK: - Metrics

  /// Where the post-mortem's clock starts, and its name: the impact's start where known,
  /// else the first alert's start, else the declaration.
  static func clockStart(_ state: IncidentState) -> (Date, after: String, from: String) {
    if let started = state.impactStartedAt {
      return (started, "the impact started", "the impact start")
    }
    if let alert = state.firstAlert {
      return (alert.startedAt, "the first alert", "the first alert")
    }
    return (state.declaredAt, "the declaration", "the declaration")
  }

  private static func metrics(_ state: IncidentState, into out: inout Lines) {
    out += "## Metrics"
    out += ""
    out += "| Metric | Value |"
    out += "|---|---|"
    // Measured from when customers were first hurt, where that is known, else from the
    // first alert's start: detection is when people knew (by hand, or the first alert
    // reaching warroom).
    let (start, _, clock) = clockStart(state)
    let from = "from \(clock)"
    if let detected = state.detectedAt ?? state.firstAlertReceivedAt {
      out += "| Time to detect (\(from)) | \(span(start, detected)) |"
    }
    out +=
      "| Time to mitigate (\(from)) | \(state.firstMitigatedAt.map { span(start, $0) } ?? "not mitigated") |"
    out +=
      "| Time to resolve (\(from)) | \(state.resolvedAt.map { span(start, $0) } ?? "not resolved") |"
    if let proven = state.recoveries.last {
      out += "| Time to recover, as the probes measured it (\(from)) | \(span(start, proven.at)) |"
    }
    if !state.relapses.isEmpty {
      out += "| Relapses after recovery was proven | \(state.relapses.count) |"
    }
    let onTime = state.updates.filter(\.onTime).count
    if state.deliveries.isEmpty {
      out += "| Stakeholder updates on time | \(onTime)/\(state.updates.count) |"
    } else {
      let reached = state.updates.filter(state.reachedOnTime).count
      out +=
        "| Stakeholder updates on time | \(reached)/\(state.updates.count) as delivered (\(onTime)/\(state.updates.count) as typed) |"
    }
    out += "| Experiments | \(state.experiments.count) |"
    out += "| Manual changes | \(state.manualChangeCount) |"
    out += "| Log entries | \(state.log.count) |"
    out += ""
  }

  // MARK: - Shared helpers

  /// The one operating-system account everyone wrote under, if they all shared one:
  /// naming it on every row tells nothing, so it is said once instead.
  static func sharedAccount(_ state: IncidentState) -> String? {
    let osUsers = Set(state.timeline.compactMap(\.osUser))
    guard osUsers.count == 1, Set(state.timeline.map(\.actor)).count > 1 else { return nil }
    return osUsers.first
  }

  /// Who did it: the name they acted under, and the operating-system user that wrote the
  /// event when the two differ (anyone can type `--as`; the system user is recorded).
  static func who(_ entry: TimelineEntry) -> String {
    let actor = MarkdownText.name(entry.actor)
    guard let osUser = entry.osUser, osUser != entry.actor else { return actor }
    return "\(actor) (as OS user \(MarkdownText.name(osUser)))"
  }

  /// Lines by time; where two share a time, in the order of the record.
  static func chronological(_ lines: [(Date, String)]) -> [String] {
    lines.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }
      .map(\.element.1)
  }

  static func span(_ from: Date, _ to: Date) -> String {
    DurationText.precise(max(0, Int(seconds: to.timeIntervalSince(from))))
  }
}

/// The document's lines, appended with `+=`.
struct Lines {
  private(set) var lines: [String] = []
  static func += (lhs: inout Lines, rhs: String) { lhs.lines.append(rhs) }
  var text: String { lines.joined(separator: "\n") }
  mutating func removeLast() { lines.removeLast() }
}
