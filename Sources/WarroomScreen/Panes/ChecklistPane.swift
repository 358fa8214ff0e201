import WarroomCore

/// The runbook's steps with done marks, who and when, progress, and the next step to do.
enum ChecklistPane {
  static func render(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    guard let state = context.state, rect.height > 0 else { return }
    let total = state.runbook.steps.count
    let done = state.completedStepCount
    let barWidth = min(total, max(0, rect.width - 24))
    let filled = total == 0 ? 0 : done * barWidth / total
    let bar =
      String(repeating: "■", count: filled) + String(repeating: "□", count: barWidth - filled)
    let focused = context.isFocused(.checklist)
    grid.titleBar(
      rect, "Checklist \(done)/\(total)", details: context.titleDetails([bar]), focused: focused)

    let body = rect.belowTitle
    guard body.height > 0 else { return }
    let selected = min(context.model.selected(.checklist), max(0, total - 1))
    let next = state.nextStepIndex
    // Keep the step that matters in view: the selection when focused, else the next step.
    let anchor = focused ? selected : (next ?? 0)
    let first = max(0, min(anchor - body.height / 2, total - body.height))
    for row in 0..<min(body.height, total - first) {
      let index = first + row
      let y = body.y + row
      let step = state.runbook.steps[index]
      let isDone = state.isStepDone(index)
      let role: StyleRole = isDone ? .stepDone : (index == next ? .stepNext : .stepOpen)
      let mark = isDone ? "✓" : (index == next ? "▶" : "·")
      let number = index + 1 < 10 ? "  \(index + 1)" : " \(index + 1)"
      // Who and when for done steps: the name too where there is room, the time always.
      let wide = rect.width >= 44
      var who = ""
      if let stamp = state.stepMark(index) {
        who =
          wide
          ? " \(stamp.by) \(clockTime(stamp.at, offset: context.model.timeOffset))"
          : " " + clockTime(stamp.at, offset: context.model.timeOffset)
      } else if step.auto != nil, wide {
        who = " auto"
      }
      // A title comes before who did it: a row too narrow for both keeps the title whole.
      if DisplayWidth.of(step.title) + DisplayWidth.of(SafeText.inert(who)) > body.width - 6 {
        who = ""
      }
      let whoWidth = min(DisplayWidth.of(SafeText.inert(who)), rect.width / 3)
      let titleWidth = body.width - 6 - whoWidth
      grid.write("\(mark)\(number) ", x: body.x, y: y, role: role)
      grid.writeClipped(step.title, x: body.x + 5, y: y, width: titleWidth, role: role)
      if whoWidth > 0 {
        grid.writeClipped(
          who, x: body.maxX - whoWidth, y: y, width: whoWidth, role: .dim)
      }
      if focused, index == selected {
        grid.restyle(Rect(x: body.x, y: y, width: body.width, height: 1), role: .selection)
      }
    }
  }
}
