import Foundation
import WarroomCore

/// The post-mortem's appendix: the whole record, section by section, for whoever needs
/// to check the summary against what was written at the time.
enum PostMortemAppendix {
  static func write(_ state: IncidentState, into out: inout Lines) {
    roles(state, into: &out)
    timeline(state, into: &out)
    longEntries(state, into: &out)
    experiments(state, into: &out)
    manualChanges(state, into: &out)
    updates(state, into: &out)
    deliveries(state, into: &out)
    recovery(state, into: &out)
    whys(state, into: &out)
    corrections(state, into: &out)
    checklist(state, into: &out)
  }

  private static let t = MarkdownText.text
  private static let c = MarkdownText.cell
  private static let n = MarkdownText.name

  private static func roles(_ state: IncidentState, into out: inout Lines) {
    out += "### Roles"
    out += ""
    for role in Role.allCases {
      let holders = state.roles.holders(of: role)
      out += "- \(role.title): \(holders.isEmpty ? "none" : holders.map(n).joined(separator: ", "))"
    }
    if !state.roles.history.isEmpty {
      out += ""
      out += "Hand-offs:"
      out += ""
      for handoff in state.roles.history {
        let verb = handoff.assigned ? "took" : "left"
        out +=
          "- \(UTCTime.dateTime(handoff.at)): \(n(handoff.person)) \(verb) \(handoff.role.title) (recorded by \(n(handoff.by)))"
      }
    }
    out += ""
  }

  private static func timeline(_ state: IncidentState, into out: inout Lines) {
    out += "### Timeline (UTC)"
    out += ""
    let shared = PostMortem.sharedAccount(state)
    if let shared {
      out += "Every event was written by the operating-system user \(n(shared))."
      out += ""
    }
    out += "| Time | Who | What |"
    out += "|---|---|---|"
    for entry in state.timeline {
      out +=
        "| \(UTCTime.dateTime(entry.at)) | \(shared != nil ? n(entry.actor) : PostMortem.who(entry)) | \(c(entry.summary)) |"
    }
    out += ""
  }

  /// Entries of several lines (pasted traces, command output) in full, as they were
  /// pasted: a table cell can only show them on one line.
  private static func longEntries(_ state: IncidentState, into out: inout Lines) {
    let long = state.log.filter { $0.text.contains("\n") || $0.text.contains("\r") }
    guard !long.isEmpty else { return }
    out += "### Entries of several lines"
    out += ""
    for entry in long {
      out += "Log #\(entry.number), \(UTCTime.dateTime(entry.at)), \(n(entry.by)):"
      out += ""
      MarkdownText.fencedBlock(entry.text).forEach { out += $0 }
      out += ""
    }
  }

  private static func experiments(_ state: IncidentState, into out: inout Lines) {
    out += "### Experiments"
    out += ""
    if state.experiments.isEmpty {
      out += "None recorded."
    } else {
      out += "| # | Hypothesis | Change | Owner | Target | State | Result |"
      out += "|---|---|---|---|---|---|---|"
      for e in state.experiments {
        let stateText = e.outcome.map { "concluded: \($0.rawValue)" } ?? e.state.rawValue
        out +=
          "| \(e.id) | \(c(e.hypothesis)) | \(c(e.change ?? "")) | \(n(e.owner ?? "")) | \(MarkdownText.code(e.target ?? "", cell: true)) | \(stateText) | \(c(e.result ?? "")) |"
      }
    }
    out += ""
  }

  private static func manualChanges(_ state: IncidentState, into out: inout Lines) {
    out += "### Manual changes"
    out += ""
    let manual = state.log.filter { $0.kind == .manualChange }
    if manual.isEmpty { out += "None recorded." }
    for entry in manual {
      let struck = entry.struck.map { " (withdrawn by \(n($0.by)): \(t($0.text ?? "")))" } ?? ""
      out += "- \(UTCTime.dateTime(entry.at)), \(n(entry.by)): \(t(entry.text))\(struck)"
    }
    out += ""
  }

  private static func updates(_ state: IncidentState, into out: inout Lines) {
    out += "### Stakeholder updates"
    out += ""
    if state.updates.isEmpty { out += "None posted." }
    for update in state.updates {
      var late = update.onTime ? "" : " (late)"
      if update.onTime, !state.reachedOnTime(update) { late = " (delivered late)" }
      out += "- \(UTCTime.dateTime(update.at)), \(n(update.by))\(late): \(t(update.text))"
    }
    out += ""
  }

  private static func deliveries(_ state: IncidentState, into out: inout Lines) {
    guard !state.deliveries.isEmpty else { return }
    out += "### Deliveries"
    out += ""
    for message in state.outgoing {
      let records = state.deliveries(of: message.seq)
      guard !records.isEmpty else { continue }
      out += "- \(message.type.rawValue) of \(UTCTime.dateTime(message.at)) (#\(message.seq)):"
      for record in records {
        out += "  - \(t(DeliveryText.postMortem(record)))"
      }
    }
    out += ""
  }

  /// What the probes saw beside what people typed, in order: each proof of recovery and
  /// each time it was lost again, so a relapse between two proofs is never hidden.
  private static func recovery(_ state: IncidentState, into out: inout Lines) {
    guard !state.probes.isEmpty else { return }
    out += "### Recovery"
    out += ""
    out += "| probe | checks | first failed | passing since | now |"
    out += "|---|---|---|---|---|"
    for probe in state.probes {
      var target = MarkdownText.code(probe.spec.target, cell: true)
      if probe.spec.kind == .prometheus, let query = probe.spec.query {
        target += " " + MarkdownText.code(query, cell: true)
      }
      let failed = probe.firstFailedAt.map(UTCTime.dateTime) ?? "not seen failing"
      let passing = probe.passingSince.map(UTCTime.dateTime) ?? "—"
      let now = probe.removed ? "removed" : probe.stateWord
      out +=
        "| \(c(probe.spec.name)) | \(probe.spec.kind.rawValue) \(target) | \(failed) | \(passing) | \(now) |"
    }
    out += ""
    var story: [(Date, String)] = state.recoveries.map {
      ($0.at, "- Recovery proven \(UTCTime.dateTime($0.at)).")
    }
    story += state.relapses.map {
      ($0.at, "- Recovery lost \(UTCTime.dateTime($0.at)): \(t($0.text ?? "")).")
    }
    story += state.mitigations.map {
      ($0.at, "- Announced mitigated (typed) \(UTCTime.dateTime($0.at)).")
    }
    story += state.reopenings.map { ($0.at, "- Reopened \(UTCTime.dateTime($0.at)).") }
    if state.recoveries.isEmpty { out += "Recovery was not proven by the probes." }
    for line in PostMortem.chronological(story) { out += line }
    if let forced = state.forcedResolution {
      out += "- Green was forced: \(t(forced))."
    }
    out += ""
  }

  private static func whys(_ state: IncidentState, into out: inout Lines) {
    out += "### Five whys"
    out += ""
    if state.whyChains.isEmpty { out += "None recorded." }
    for (number, chain) in state.whyChains.enumerated() {
      out += "Chain \(number + 1):"
      out += ""
      for (index, link) in chain.enumerated() {
        out += "\(index + 1). \(t(link.why)) Because: \(t(link.because))"
      }
      out += ""
    }
    if !state.whyChains.isEmpty { out.removeLast() }
    out += ""
  }

  private static func corrections(_ state: IncidentState, into out: inout Lines) {
    out += "### Corrections"
    out += ""
    let corrected = state.log.filter { !$0.corrections.isEmpty || $0.struck != nil }
    if corrected.isEmpty { out += "None: the log stands as it was written." }
    for entry in corrected {
      // Each correction records the text it replaced; the last text is the entry's own.
      let texts = entry.corrections.map { $0.text ?? "" } + [entry.text]
      for (index, correction) in entry.corrections.enumerated() {
        out +=
          "- Log #\(entry.number) corrected \(UTCTime.dateTime(correction.at)) by \(n(correction.by)): \"\(t(texts[index]))\" became \"\(t(texts[index + 1]))\""
      }
      if let struck = entry.struck {
        out +=
          "- Log #\(entry.number) struck \(UTCTime.dateTime(struck.at)) by \(n(struck.by)): \(t(struck.text ?? ""))"
      }
    }
    out += ""
  }

  private static func checklist(_ state: IncidentState, into out: inout Lines) {
    out += "### Checklist"
    out += ""
    for (index, step) in state.runbook.steps.enumerated() {
      let mark = state.stepMark(index)
      let done = mark.map { " (\(n($0.by)), \(UTCTime.dateTime($0.at)))" } ?? ""
      out += "- [\(mark == nil ? " " : "x")] \(index + 1). \(t(step.title))\(done)"
    }
    out += ""
  }
}
