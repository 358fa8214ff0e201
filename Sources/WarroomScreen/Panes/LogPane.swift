import Foundation
import WarroomCore

/// The incident log and its sibling pages: the timeline of every event, the five-whys
/// chains, the follow-ups and the stakeholder updates. Newest at the bottom, next to the
/// input line where the recorder types. Draws only the rows in view, so a frame costs the
/// same with 100 events or 100,000.
enum LogPane {
  static func render(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    guard let state = context.state, rect.height > 0 else { return }
    let page = context.model.logPage
    let focused = context.isFocused(.log)
    var tabs = LogPage.allCases.map { $0 == page ? "[\($0.title)]" : $0.title }
      .joined(separator: " ")
    if DisplayWidth.of(tabs) + 3 > rect.width {
      tabs = "[\(page.title)] ←→"  // too narrow for every tab: the current one, and how to move
    }
    grid.titleBar(rect, tabs, detail: counts(state, page), focused: focused)
    let body = rect.belowTitle
    guard body.height > 0, body.width > 2 else { return }
    let scroll = context.model.logScroll

    switch page {
    case .log:
      // Entries waiting for the store follow the stored ones, marked, so the recorder sees
      // that what they typed offline is kept, and in which order it will be sent.
      let queued = context.connectivity.queue.filter { $0.logEntry != nil }
      let count = state.log.count + queued.count
      for (index, y) in tail(count, scroll: scroll, body: body, into: &grid) {
        if index < state.log.count {
          let entry = state.log[index]
          drawMeta(entry.at, entry.by, y: y, body: body, into: &grid)
          drawEntry(entry.kind, entry.text, queued: false, y: y, body: body, into: &grid)
        } else {
          let waiting = queued[index - state.log.count]
          guard let (kind, text) = waiting.logEntry else { continue }
          drawMeta(waiting.at, waiting.actor, y: y, body: body, into: &grid)
          drawEntry(kind, text, queued: true, y: y, body: body, into: &grid)
        }
      }
    case .timeline:
      for (index, y) in tail(state.timeline.count, scroll: scroll, body: body, into: &grid) {
        let entry = state.timeline[index]
        drawMeta(entry.at, entry.actor, y: y, body: body, into: &grid)
        grid.writeClipped(entry.summary, x: body.x + 16, y: y, width: body.width - 16, role: .text)
      }
    case .updates:
      for (index, y) in tail(state.updates.count, scroll: scroll, body: body, into: &grid) {
        let update = state.updates[index]
        drawMeta(update.at, update.by, y: y, body: body, into: &grid)
        let mark = update.onTime ? "on time " : "LATE    "
        let used = grid.write(
          mark, x: body.x + 16, y: y, role: update.onTime ? .dim : .countdownWarning)
        grid.writeClipped(
          update.text, x: body.x + 16 + used, y: y, width: body.width - 16 - used, role: .text)
      }
    case .whys:
      var rows: [(String, StyleRole)] = []
      for (number, chain) in state.whyChains.enumerated() {
        rows.append(("Chain \(number + 1)", .paneTitle))
        for (index, link) in chain.enumerated() {
          rows.append(("\(index + 1). \(link.why) → \(link.because)", .text))
        }
      }
      if rows.isEmpty { rows = [("no whys yet: press n here, or :why \"WHY\" \"BECAUSE\"", .dim)] }
      list(rows, selected: focused ? nil : nil, body: body, into: &grid)
    case .followups:
      let ordered = state.followupsForDisplay
      var rows: [(String, StyleRole)] = ordered.map {
        let box = $0.done == nil ? "[ ]" : "[x]"
        let owner = $0.owner.map { " (\($0))" } ?? ""
        return ("\(box) #\($0.id) \($0.text)\(owner)", $0.done == nil ? .text : .dim)
      }
      if rows.isEmpty { rows = [("no follow-ups yet: press n here to add one", .dim)] }
      let selected = ordered.isEmpty ? nil : min(context.model.selected(.log), ordered.count - 1)
      list(rows, selected: focused ? selected : nil, body: body, into: &grid)
    }
  }

  private static func counts(_ state: IncidentState, _ page: LogPage) -> String {
    switch page {
    case .log: "\(state.log.count) entries, \(state.manualChangeCount) manual changes"
    case .timeline: "\(state.timeline.count) events"
    case .whys: "\(state.whyChains.count) chains"
    case .followups: "\(state.openFollowups.count) open of \(state.followups.count)"
    case .updates:
      "\(state.updates.filter(\.onTime).count)/\(state.updates.count) on time"
    }
  }

  private static func style(_ kind: LogKind) -> (String, StyleRole) {
    switch kind {
    case .note: ("", .text)
    case .finding: ("FINDING", .logFinding)
    case .decision: ("DECISION", .logDecision)
    case .manualChange: ("⚠ MANUAL CHANGE", .logManualChange)
    }
  }

  private static func drawEntry(
    _ kind: LogKind, _ text: String, queued: Bool, y: Int, body: Rect, into grid: inout Grid
  ) {
    var (label, role) = style(kind)
    var x = body.x + 16
    if queued {
      role = .dim
      x += grid.write("⧗ queued ", x: x, y: y, role: .error, limit: body.maxX - x)
    }
    if !label.isEmpty {
      x += grid.write(label + " ", x: x, y: y, role: role, limit: body.maxX - x)
    }
    grid.writeClipped(text, x: x, y: y, width: body.maxX - x, role: role)
  }

  private static func drawMeta(_ at: Date, _ who: String, y: Int, body: Rect, into grid: inout Grid)
  {
    grid.write(
      " " + clockTime(at) + " " + column(SafeText.name(who), 9), x: body.x, y: y, role: .logMeta,
      limit: 16)
  }

  /// The rows in view of a list that grows at the bottom, `scroll` rows up from its end,
  /// as (index, y) pairs; notes an empty list or newer rows out of view.
  private static func tail(_ count: Int, scroll: Int, body: Rect, into grid: inout Grid)
    -> [(Int, Int)]
  {
    guard count > 0 else {
      grid.writeClipped(" nothing yet", x: body.x, y: body.y, width: body.width, role: .dim)
      return []
    }
    let end = max(min(count, count - scroll), min(count, body.height))
    guard end < count else {
      let start = max(0, end - body.height)
      return (start..<end).enumerated().map { ($0.element, body.y + $0.offset) }
    }
    // Scrolled back: the top row says how much is newer, so nobody mistakes old for now.
    grid.writeClipped(
      " ↑ older · ↓ \(count - end) newer (Esc or ↓ to return)", x: body.x, y: body.y,
      width: body.width, role: .hint)
    let start = max(0, end - (body.height - 1))
    return (start..<end).enumerated().map { ($0.element, body.y + 1 + $0.offset) }
  }

  private static func list(
    _ rows: [(String, StyleRole)], selected: Int?, body: Rect, into grid: inout Grid
  ) {
    let first = selected.map { max(0, $0 - body.height + 1) } ?? 0
    for (offset, row) in rows.dropFirst(first).prefix(body.height).enumerated() {
      grid.writeClipped(" " + row.0, x: body.x, y: body.y + offset, width: body.width, role: row.1)
    }
    if let selected, selected >= first, selected - first < body.height {
      grid.restyle(
        Rect(x: body.x, y: body.y + selected - first, width: body.width, height: 1),
        role: .selection)
    }
  }
}
