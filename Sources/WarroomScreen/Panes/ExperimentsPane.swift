import WarroomCore

/// Experiments, running first; two running on one target are flagged, since the process
/// says experiments must not interfere.
enum ExperimentsPane {
  static func render(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    guard let state = context.state, rect.height > 0 else { return }
    let running = state.runningExperiments.count
    let conflicts = state.conflictingTargets
    let focused = context.isFocused(.experiments)
    var details = ["\(running) running"]
    if !conflicts.isEmpty {
      // The targets where they fit whole, else the flag alone: a detail that does not fit
      // is left out, and the flag must not be.
      let named = "⚠ CONFLICT on \(conflicts.joined(separator: ", "))"
      let before = (focused ? "▸ " : " ") + "Experiments  \(details[0]) · "
      let room = rect.width - DisplayWidth.of(before)
      details.append(DisplayWidth.of(SafeText.inert(named)) <= room ? named : "⚠ CONFLICT")
    }
    grid.titleBar(
      rect, "Experiments", details: context.titleDetails(details), focused: focused)
    let body = rect.belowTitle
    let ordered = state.experimentsForDisplay
    if ordered.isEmpty {
      if body.height > 0 {
        grid.writeClipped(
          "none yet: Tab here and press n to propose one", x: body.x + 1, y: body.y,
          width: body.width - 1, role: .dim)
      }
      return
    }
    let selected = min(context.model.selected(.experiments), ordered.count - 1)
    let first = focused ? max(0, selected - body.height + 1) : 0
    for row in 0..<min(body.height, ordered.count - first) {
      let experiment = ordered[first + row]
      let y = body.y + row
      let conflict = state.isInConflict(experiment, among: conflicts)
      let role: StyleRole =
        conflict
        ? .experimentConflict
        : experiment.state == .running
          ? .experimentRunning : experiment.state == .proposed ? .text : .experimentClosed
      let label: String
      switch experiment.state {
      case .running: label = conflict ? "⚠RUN" : "RUN "
      case .proposed: label = "PROP"
      case .abandoned: label = "ABAN"
      case .concluded:
        switch experiment.outcome {
        case .supported: label = "SUP "
        case .refuted: label = "REF "
        default: label = "INC "
        }
      }
      // Narrow, the target goes (⚠RUN already says two share one) and the hypothesis
      // keeps its words: a cut `checkout-…` named no service.
      let line =
        body.width < 60
        ? "#\(experiment.id) \(label) \(experiment.owner ?? "—") \(experiment.hypothesis)"
        : "#\(experiment.id) \(label) \(column(experiment.owner ?? "—", 10)) "
          + "\(column(experiment.target ?? "—", 16)) \(experiment.hypothesis)"
      grid.writeClipped(line, x: body.x + 1, y: y, width: body.width - 1, role: role)
      if focused, first + row == selected {
        grid.restyle(Rect(x: body.x, y: y, width: body.width, height: 1), role: .selection)
      }
    }
  }
}
