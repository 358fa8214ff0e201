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
    if DisplayWidth.of(tabs) + 3 > rect.width || context.summary != nil {
      tabs = "[\(page.title)] ←→"  // too narrow for every tab: the current one, and how to move
    }
    grid.titleBar(
      rect, tabs, details: context.titleDetails(counts(state, page)), focused: focused)
    let body = rect.belowTitle
    guard body.height > 0, body.width > 2 else { return }
    let scroll = context.model.logScroll

    switch page {
    case .log:
      // Entries waiting for the store follow the stored ones, marked, so the recorder sees
      // that what they typed offline is kept, and in which order it will be sent. Each
      // entry wraps over as many rows as it needs; the newest stay in view.
      let queued = context.connectivity.queue.filter { $0.logEntry != nil }
      let count = state.log.count + queued.count
      let seconds = body.width >= 60
      let metaWidth = seconds ? 19 : 16
      let selected = focused ? state.log.count - 1 - scroll : nil
      wrappedTail(count, scroll: scroll, body: body, selected: selected, into: &grid) { index in
        if index < state.log.count {
          let entry = state.log[index]
          return Row(
            meta: meta(entry.at, entry.by, seconds, context), metaWidth: metaWidth,
            parts: [("#\(entry.number) ", .dim)] + entryParts(entry))
        }
        let waiting = queued[index - state.log.count]
        let (kind, text) = waiting.logEntry ?? (.note, "")
        let (label, role) = style(kind)
        return Row(
          meta: meta(waiting.at, waiting.actor, seconds, context),
          metaWidth: metaWidth,
          parts: [("⧗ queued ", .error)] + (label.isEmpty ? [] : [(label + " ", role)])
            + [(text, .dim)])
      }
    case .timeline:
      let seconds = body.width >= 60
      wrappedTail(state.timeline.count, scroll: scroll, body: body, selected: nil, into: &grid) {
        let entry = state.timeline[$0]
        return Row(
          meta: meta(entry.at, entry.actor, seconds, context),
          metaWidth: seconds ? 19 : 16, parts: [(entry.summary, .text)])
      }
    case .updates:
      // Every message for stakeholders, with where it went: `✓ slack 12:03:05 · ⧗ statuspage
      // retry in 8 s · ✗ email: exit 75`. Wrapped like log entries, so nothing is cut.
      let seconds = body.width >= 60
      let messages = state.outgoing
      let onTime = Dictionary(
        state.updates.map { ($0.seq, $0.onTime) }, uniquingKeysWith: { first, _ in first })
      let selected = focused ? messages.count - 1 - scroll : nil
      // Who delivers now, when the dashboard has looked: a send by anyone else was cut off.
      let running: String?? = context.deliverer.map {
        $0.isRunning(at: context.now) ? $0.lease?.holder : nil
      }
      wrappedTail(messages.count, scroll: scroll, body: body, selected: selected, into: &grid) {
        let message = messages[$0]
        var parts = [messageLabel(message, onTime: onTime[message.seq])]
        if let text = message.text { parts.append((text, .text)) }
        for (number, record) in state.deliveries(of: message.seq).enumerated() {
          let role: StyleRole =
            switch record.phase {
            case .delivered: .dim
            case .failed, .uncertain: .error
            default: .countdownWarning
            }
          parts.append((number == 0 ? "  " : " · ", .dim))
          parts.append(
            (
              DeliveryText.short(
                record, now: context.now, offset: context.model.timeOffset, running: running),
              role
            ))
        }
        return Row(
          meta: meta(message.at, message.by, seconds, context), metaWidth: seconds ? 19 : 16,
          parts: parts)
      }
    case .recovery:
      RecoveryPane.renderBody(context, state: state, into: &grid, body: body)
    case .alerts:
      list(AlertsPage.rows(context, state), selected: nil, body: body, into: &grid)
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

  private static func counts(_ state: IncidentState, _ page: LogPage) -> [String] {
    switch page {
    case .log: ["\(state.log.count) entries", "\(state.manualChangeCount) manual changes"]
    case .timeline: ["\(state.timeline.count) events"]
    case .whys: ["\(state.whyChains.count) chains"]
    case .followups: ["\(state.openFollowups.count) open of \(state.followups.count)"]
    case .updates:
      [
        "\(state.updates.filter(\.onTime).count)/\(state.updates.count) on time",
        state.undeliveredCount > 0 ? "\(state.undeliveredCount) not delivered" : "",
      ]
    case .recovery: RecoveryPane.summaryParts(state)
    case .alerts: AlertsPage.summaryParts(state)
    }
  }

  /// What kind of message a row of the Updates page is, and for updates whether it went
  /// out before the countdown ran out.
  private static func messageLabel(_ message: OutgoingMessage, onTime: Bool?)
    -> (String, StyleRole)
  {
    switch message.type {
    case .declared: ("DECLARED ", .statusRed)
    case .announce: ("ANNOUNCED ", .logDecision)
    case .update: onTime == false ? ("LATE ", .countdownWarning) : ("update ", .dim)
    case .mitigated: ("YELLOW ", .statusYellow)
    case .resolved: ("GREEN ", .statusGreen)
    case .reopened: ("REOPENED ", .statusRed)
    case .overdue: ("OVERDUE: no update posted ", .countdownOverdue)
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

  /// A log entry's text with its kind's label; a struck entry says so first, dimmed.
  static func entryParts(_ entry: LogEntry) -> [(String, StyleRole)] {
    let (label, role) = style(entry.kind)
    var parts: [(String, StyleRole)] = []
    if let struck = entry.struck {
      parts.append(("✗ STRUCK (\(struck.text ?? "")) ", .dim))
    }
    if !label.isEmpty { parts.append((label + " ", entry.struck == nil ? role : .dim)) }
    parts.append((entry.text, entry.struck == nil ? role : .dim))
    if let last = entry.corrections.last {
      parts.append((" (edited \(UTCTime.time(last.at)) by \(SafeText.name(last.by)))", .dim))
    }
    return parts
  }

  /// One entry as rows: the meta column, then its parts wrapped in the rest.
  struct Row {
    var meta: String
    var metaWidth: Int
    var parts: [(String, StyleRole)]
  }

  /// Draws a list that grows at the bottom, each item wrapped over as many rows as it
  /// needs, `scroll` items up from its end. Walks back from the newest only as far as
  /// the pane's height, so a frame costs the same however long the list.
  private static func wrappedTail(
    _ count: Int, scroll: Int, body: Rect, selected: Int?, into grid: inout Grid,
    row: (Int) -> Row
  ) {
    guard count > 0 else {
      grid.writeClipped(" nothing yet", x: body.x, y: body.y, width: body.width, role: .dim)
      return
    }
    let newest = max(0, count - 1 - scroll)
    var top = body.y
    if newest < count - 1 {
      // Scrolled back: the top row says how much is newer, so nobody mistakes old for now.
      grid.writeClipped(
        " ↑ older · ↓ \(count - 1 - newest) newer (Esc or ↓ to return)", x: body.x, y: body.y,
        width: body.width, role: .hint)
      top += 1
    }
    var bottom = body.maxY
    var index = newest
    while index >= 0, bottom > top {
      let item = row(index)
      let textWidth = body.width - item.metaWidth
      guard textWidth > 1 else { return }
      // Most entries fit on one row: written straight away, in the one pass that also
      // finds out whether they fit (a separate measuring pass cost a fifth of a frame).
      let y = bottom - 1
      grid.write(item.meta, x: body.x, y: y, role: .logMeta, limit: item.metaWidth)
      var x = body.x + item.metaWidth
      // An entry of several lines (a pasted trace) always takes the wrapping path below.
      var clipped = item.parts.contains { $0.0.utf8.contains(0x0A) }
      for (part, role) in item.parts where !clipped {
        x += grid.write(part, x: x, y: y, role: role, limit: body.maxX - x, clipped: &clipped)
      }
      if !clipped {
        if index == selected {
          grid.restyle(Rect(x: body.x, y: y, width: body.width, height: 1), role: .selection)
        }
        bottom = y
        index -= 1
        continue
      }
      grid.fill(Rect(x: body.x, y: y, width: body.width, height: 1), role: .text)
      let parts = item.parts.map { (SafeText.inertKeepingLines($0.0), $0.1) }
      // Wrap the parts as one text, keeping each character's style beside it.
      var characters: [Character] = []
      var roles: [StyleRole] = []
      for (part, role) in parts {
        let safe = Array(part)
        characters += safe
        roles += Array(repeating: role, count: safe.count)
      }
      let lines = DisplayWidth.wrapRangesKeepingLines(characters, width: textWidth)
      // Older items are shown whole or not at all; only the newest may be cut (its last
      // rows stay in view).
      if index < newest, lines.count > bottom - top { break }
      let shown = min(lines.count, bottom - top)
      let y0 = bottom - shown
      for (row, range) in lines.suffix(shown).enumerated() {
        let y = y0 + row
        if row == 0 {
          grid.write(item.meta, x: body.x, y: y, role: .logMeta, limit: item.metaWidth)
        }
        // Runs of one style are written whole: a cell at a time cost a third of a frame.
        var x = body.x + item.metaWidth
        var runStart = range.lowerBound
        for position in range
        where position + 1 == range.upperBound || roles[position + 1] != roles[position] {
          x += grid.write(
            String(characters[runStart...position]), x: x, y: y, role: roles[position])
          runStart = position + 1
        }
      }
      if index == selected {
        grid.restyle(Rect(x: body.x, y: y0, width: body.width, height: shown), role: .selection)
      }
      bottom = y0
      index -= 1
    }
  }

  /// ` 03:12:07 name     ` (or ` 03:12 name     ` where the pane is narrow), in the zone
  /// the dashboard shows, the name in a column of nine: exactly the meta column's width.
  private static func meta(_ at: Date, _ who: String, _ seconds: Bool, _ context: RenderContext)
    -> String
  {
    " " + clockTime(at, seconds: seconds, offset: context.model.timeOffset) + " "
      + column(SafeText.name(who), 9)
  }

  private static func drawMeta(
    _ at: Date, _ who: String, y: Int, body: Rect, offset: Int, into grid: inout Grid
  ) {
    grid.write(
      " " + clockTime(at, offset: offset) + " " + column(SafeText.name(who), 9), x: body.x, y: y,
      role: .logMeta,
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
