import Foundation

/// The post-mortem, written from the events alone: every section comes from what people
/// recorded during the war room, so nobody has to reconstruct it afterwards.
public enum PostMortem {
  public static func markdown(_ state: IncidentState, now: Date) -> String {
    var out: [String] = []
    let s = MarkdownText.text
    let n = MarkdownText.name

    out.append("# Post-mortem: \(s(state.title)) (\(s(state.id.rawValue)))")
    out.append("")
    out.append("## Summary")
    out.append("")
    out.append("| | |")
    out.append("|---|---|")
    out.append("| Severity | \(state.severity.rawValue) |")
    out.append("| Status | \(state.status.colourWord) (\(state.status.rawValue)) |")
    if let started = state.impactStartedAt {
      out.append("| Impact started | \(UTCTime.dateTime(started)) |")
    }
    if let detected = state.detectedAt {
      out.append("| Detected | \(UTCTime.dateTime(detected)) |")
    }
    out.append("| Declared | \(UTCTime.dateTime(state.declaredAt)) by \(n(state.declaredBy)) |")
    // Every turn of the colours, in order: a reopened incident shows each mitigation.
    var turns: [(Date, String)] = state.mitigations.map {
      ($0.at, "| Mitigated | \(UTCTime.dateTime($0.at)) by \(n($0.by)) |")
    }
    turns += state.reopenings.map {
      let reason = $0.text.map { ": " + s($0) } ?? ""
      return ($0.at, "| Reopened | \(UTCTime.dateTime($0.at)) by \(n($0.by))\(reason) |")
    }
    for turn in turns.sorted(by: { $0.0 < $1.0 }) { out.append(turn.1) }
    if let resolved = state.resolvedAt {
      out.append("| Resolved | \(UTCTime.dateTime(resolved)) |")
    }
    out.append("| Ticket | \(s(state.ticket ?? "none")) |")
    out.append("| War-room channel | \(s(state.channel ?? "none")) |")
    let open = state.runbook.steps.indices.filter { !state.isStepDone($0) }
    out.append(
      "| Checklist | \(state.completedStepCount)/\(state.runbook.steps.count) steps"
        + (open.isEmpty
          ? ""
          : "; open: "
            + open.map { "\($0 + 1) (\(s(state.runbook.steps[$0].title)))" }
            .joined(separator: ", ")) + " |")
    if !state.openStepsAtGreen.isEmpty {
      out.append(
        "| Green announced with steps open | "
          + state.openStepsAtGreen.map(String.init).joined(separator: ", ") + " |")
    }
    if let forced = state.forcedResolution {
      out.append("| Green forced | \(s(forced)) |")
    }
    if let verification = state.customerVerification {
      out.append(
        "| Customer verification | \(s(verification.text ?? "")) (\(n(verification.by)), \(UTCTime.dateTime(verification.at))) |"
      )
    }
    out.append("")

    out.append("## Impact")
    out.append("")
    out.append(s(state.impact ?? "Not recorded."))
    out.append("")

    out.append("## Metrics")
    out.append("")
    out.append("| Metric | Value |")
    out.append("|---|---|")
    // Measured from when customers were first hurt, where that is known.
    let start = state.impactStartedAt ?? state.declaredAt
    let from = state.impactStartedAt == nil ? "from the declaration" : "from the impact start"
    if let detected = state.detectedAt {
      out.append("| Time to detect | \(span(start, detected)) |")
    }
    out.append(
      "| Time to mitigate (\(from)) | \(state.firstMitigatedAt.map { span(start, $0) } ?? "not mitigated") |"
    )
    out.append(
      "| Time to resolve (\(from)) | \(state.resolvedAt.map { span(start, $0) } ?? "not resolved") |"
    )
    if let proven = state.recoveries.last {
      out.append(
        "| Time to recover, as the probes measured it (\(from)) | \(span(start, proven.at)) |")
    }
    let onTime = state.updates.filter(\.onTime).count
    if state.deliveries.isEmpty {
      out.append("| Stakeholder updates on time | \(onTime)/\(state.updates.count) |")
    } else {
      let reached = state.updates.filter(state.reachedOnTime).count
      out.append(
        "| Stakeholder updates on time | \(reached)/\(state.updates.count) as delivered "
          + "(\(onTime)/\(state.updates.count) as typed) |")
    }
    out.append("| Experiments | \(state.experiments.count) |")
    out.append("| Manual changes | \(state.manualChangeCount) |")
    out.append("| Log entries | \(state.log.count) |")
    out.append("")

    out.append("## Roles")
    out.append("")
    for role in Role.allCases {
      let holders = state.roles.holders(of: role)
      out.append(
        "- \(role.title): \(holders.isEmpty ? "none" : holders.map(n).joined(separator: ", "))")
    }
    if !state.roles.history.isEmpty {
      out.append("")
      out.append("Hand-offs:")
      out.append("")
      for handoff in state.roles.history {
        let verb = handoff.assigned ? "took" : "left"
        out.append(
          "- \(UTCTime.dateTime(handoff.at)): \(n(handoff.person)) \(verb) \(handoff.role.title) (recorded by \(n(handoff.by)))"
        )
      }
    }
    out.append("")

    out.append("## Timeline (UTC)")
    out.append("")
    // Where everyone wrote as one operating-system user (a shared account), naming it on
    // every row tells nothing: it is said once, above the table, instead.
    let osUsers = Set(state.timeline.compactMap(\.osUser))
    let shared = osUsers.count == 1 && Set(state.timeline.map(\.actor)).count > 1
    if shared, let account = osUsers.first {
      out.append(
        "Every event was written by the operating-system user \(MarkdownText.name(account)).")
      out.append("")
    }
    out.append("| Time | Who | What |")
    out.append("|---|---|---|")
    for entry in state.timeline {
      out.append(
        "| \(UTCTime.dateTime(entry.at)) | \(shared ? MarkdownText.name(entry.actor) : who(entry)) | \(s(entry.summary)) |"
      )
    }
    out.append("")

    out.append("## Experiments")
    out.append("")
    if state.experiments.isEmpty {
      out.append("None recorded.")
    } else {
      out.append("| # | Hypothesis | Change | Owner | Target | State | Result |")
      out.append("|---|---|---|---|---|---|---|")
      for e in state.experiments {
        let stateText = e.outcome.map { "concluded: \($0.rawValue)" } ?? e.state.rawValue
        out.append(
          "| \(e.id) | \(s(e.hypothesis)) | \(s(e.change ?? "")) | \(n(e.owner ?? "")) | \(s(e.target ?? "")) | \(stateText) | \(s(e.result ?? "")) |"
        )
      }
    }
    out.append("")

    out.append("## Manual changes")
    out.append("")
    let manual = state.log.filter { $0.kind == .manualChange }
    if manual.isEmpty { out.append("None recorded.") }
    for entry in manual {
      let struck = entry.struck.map { " (withdrawn by \(n($0.by)): \(s($0.text ?? "")))" } ?? ""
      out.append("- \(UTCTime.dateTime(entry.at)), \(n(entry.by)): \(s(entry.text))\(struck)")
    }
    out.append("")

    out.append("## Stakeholder updates")
    out.append("")
    if state.updates.isEmpty { out.append("None posted.") }
    for update in state.updates {
      var late = update.onTime ? "" : " (late)"
      if update.onTime, !state.reachedOnTime(update) { late = " (delivered late)" }
      out.append("- \(UTCTime.dateTime(update.at)), \(n(update.by))\(late): \(s(update.text))")
    }
    out.append("")
    if !state.deliveries.isEmpty {
      out.append("## Deliveries")
      out.append("")
      for message in state.outgoing {
        let records = state.deliveries(of: message.seq)
        guard !records.isEmpty else { continue }
        out.append(
          "- \(message.type.rawValue) of \(UTCTime.dateTime(message.at)) (#\(message.seq)):")
        for record in records {
          out.append("  - \(s(DeliveryText.postMortem(record)))")
        }
      }
      out.append("")
    }

    if !state.probes.isEmpty {
      out.append("## Recovery")
      out.append("")
      out.append("What the probes saw, beside what people typed.")
      out.append("")
      out.append("| probe | checks | first failed | passing since | now |")
      out.append("|---|---|---|---|---|")
      for probe in state.probes {
        let target =
          probe.spec.kind == .prometheus
          ? "\(probe.spec.target) `\(probe.spec.query ?? "")`" : probe.spec.target
        let failed = probe.firstFailedAt.map(UTCTime.dateTime) ?? "not seen failing"
        let passing = probe.passingSince.map(UTCTime.dateTime) ?? "—"
        let now = probe.removed ? "removed" : probe.stateWord
        out.append(
          "| \(s(probe.spec.name)) | \(probe.spec.kind.rawValue) \(s(target)) | \(failed) | \(passing) | \(now) |"
        )
      }
      out.append("")
      if state.recoveries.isEmpty {
        out.append("Recovery was not proven by the probes.")
      } else {
        for proven in state.recoveries {
          out.append("- Recovery proven \(UTCTime.dateTime(proven.at)).")
        }
      }
      if let mitigated = state.firstMitigatedAt {
        out.append("- Announced mitigated (typed) \(UTCTime.dateTime(mitigated)).")
      }
      if let forced = state.forcedResolution {
        out.append("- Green was forced: \(s(forced)).")
      }
      out.append("")
    }

    out.append("## Five whys")
    out.append("")
    if state.whyChains.isEmpty { out.append("None recorded.") }
    for (number, chain) in state.whyChains.enumerated() {
      out.append("Chain \(number + 1):")
      out.append("")
      for (index, link) in chain.enumerated() {
        out.append("\(index + 1). \(s(link.why)) Because: \(s(link.because))")
      }
      out.append("")
    }
    if !state.whyChains.isEmpty { out.removeLast() }
    out.append("")

    out.append("## Corrections")
    out.append("")
    let corrected = state.log.filter { !$0.corrections.isEmpty || $0.struck != nil }
    if corrected.isEmpty { out.append("None: the log stands as it was written.") }
    for entry in corrected {
      // Each correction records the text it replaced; the last text is the entry's own.
      let texts = entry.corrections.map { $0.text ?? "" } + [entry.text]
      for (index, correction) in entry.corrections.enumerated() {
        out.append(
          "- Log #\(entry.number) corrected \(UTCTime.dateTime(correction.at)) by \(n(correction.by)): "
            + "\"\(s(texts[index]))\" became \"\(s(texts[index + 1]))\"")
      }
      if let struck = entry.struck {
        out.append(
          "- Log #\(entry.number) struck \(UTCTime.dateTime(struck.at)) by \(n(struck.by)): "
            + s(struck.text ?? ""))
      }
    }
    out.append("")

    out.append("## Follow-ups")
    out.append("")
    if state.followups.isEmpty { out.append("None recorded.") }
    for followup in state.followups {
      let box = followup.done == nil ? "[ ]" : "[x]"
      let owner = followup.owner.map { " (\(n($0)))" } ?? ""
      out.append("- \(box) #\(followup.id) \(s(followup.text))\(owner)")
    }
    out.append("")
    return out.joined(separator: "\n")
  }

  /// Who did it: the name they acted under, and the operating-system user that wrote the
  /// event when the two differ (anyone can type `--as`; the system user is recorded).
  private static func who(_ entry: TimelineEntry) -> String {
    let actor = MarkdownText.name(entry.actor)
    guard let osUser = entry.osUser, osUser != entry.actor else { return actor }
    return "\(actor) (as OS user \(MarkdownText.name(osUser)))"
  }

  private static func span(_ from: Date, _ to: Date) -> String {
    let seconds = max(0, Int(seconds: to.timeIntervalSince(from)))
    return DurationText.precise(seconds)
  }
}
