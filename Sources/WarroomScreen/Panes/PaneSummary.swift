import WarroomCore

/// What the panes a small terminal has no room for would say, in one line: when the
/// next update is due, which roles nobody holds, what runs, where the checklist stands.
/// The recorder's view at 80 columns gives the log the whole width and puts this in the
/// title bar of whichever pane is on the page; each part is whole or left out, most
/// urgent first.
enum PaneSummary {
  static func parts(_ context: RenderContext, _ state: IncidentState) -> [(String, StyleRole)] {
    var parts: [(String, StyleRole)] = []
    let countdown = Countdown(state: state, now: context.now)
    if countdown.phase == .stopped {
      parts.append(("no update needed", .dim))
    } else {
      let (headline, role) = CountdownPane.headline(countdown)
      parts.append(("update " + headline, role))
    }
    let unfilled = state.roles.unfilledCoreRoles
    if unfilled.isEmpty {
      parts.append(("roles filled", .roleFilled))
    } else {
      let names = unfilled.map { $0.title.lowercased() }.joined(separator: ", ")
      parts.append(("⚠ no \(names)", .roleUnfilled))
    }
    let running = state.runningExperiments.count
    if !state.conflictingTargets.isEmpty {
      parts.append(("⚠ \(running) running, conflicting", .experimentConflict))
    } else {
      parts.append(("\(running) running", running > 0 ? .experimentRunning : .dim))
    }
    let total = state.runbook.steps.count
    parts.append(("checklist \(state.completedStepCount)/\(total)", .dim))
    return parts
  }
}
