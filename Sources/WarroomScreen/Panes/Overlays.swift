import WarroomCore

/// Whole-screen states: help, no incident, a terminal too small.
enum Overlays {
  /// The keys, generated from `KeyTable`, in columns that fill the screen.
  static func help(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    grid.fill(rect, role: .text)
    grid.titleBar(
      rect, "Keys",
      detail:
        "typing is always text; what changes the incident or reaches people waits for: yes, Enter",
      focused: true)
    let body = rect.belowTitle
    var lines: [(String, StyleRole)] = []
    for section in KeyTable.helpSections {
      if !lines.isEmpty { lines.append(("", .text)) }
      lines.append((section.title, .paneTitle))
      for line in section.lines { lines.append(("\(column(line.keys, 14)) \(line.help)", .text)) }
    }
    lines.append(("", .text))
    lines.append(("Input prefixes: mc: finding: decision: update: note:", .paneTitle))
    let rows = max(1, body.height - 1)  // the last row says how to page
    // As many columns as the text needs and the width allows (40 cells at least each).
    let needed = (lines.count + rows - 1) / rows
    let columns = max(1, min(body.width / 40, needed))
    let columnWidth = body.width / columns
    let perPage = rows * columns
    let pages = max(1, (lines.count + perPage - 1) / perPage)
    let page = min(context.model.helpPage, pages - 1)
    let shown = lines.dropFirst(page * perPage).prefix(perPage)
    for (index, line) in shown.enumerated() {
      grid.writeClipped(
        " " + line.0, x: body.x + (index / rows) * columnWidth, y: body.y + index % rows,
        width: columnWidth - 1, role: line.1)
    }
    if pages > 1 {
      grid.writeClipped(
        " page \(page + 1) of \(pages) · ↓ or Space: next page · ↑: previous · any other key closes",
        x: body.x, y: body.maxY - 1, width: body.width, role: .hint)
    }
  }

  /// A deliberate confirmation, over the bottom of the panes: what will happen and, for a
  /// stakeholder message, what each destination will show people. Nothing happens until
  /// the word is typed.
  static func confirmation(_ confirmation: Confirmation, into grid: inout Grid, rect: Rect) {
    let width = rect.width - 2
    guard width > 10, rect.height > 3 else { return }
    var lines: [(String, StyleRole)] = []
    for detail in confirmation.details {
      lines += DisplayWidth.wrap(detail, width: width, maximumLines: 6).map { ($0, .text) }
    }
    if let previews = confirmation.previews {
      lines.append(("", .text))
      lines.append(("What people will read:", .paneTitle))
      for preview in previews {
        lines += DisplayWidth.wrap(SafeText.inert(preview), width: width, maximumLines: 4).map {
          ($0, .dim)
        }
      }
    }
    let height = min(rect.height, lines.count + 2)
    let box = Rect(x: rect.x, y: rect.maxY - height, width: rect.width, height: height)
    grid.fill(box, role: .text)
    grid.titleBar(
      box, "Confirm",
      detail: "type \(Deliberate.word) and press Enter to do it · Esc cancels, nothing is written",
      focused: true)
    let body = box.belowTitle
    for (index, line) in lines.prefix(max(0, body.height - 1)).enumerated() {
      grid.writeClipped(" " + line.0, x: body.x, y: body.y + index, width: body.width, role: line.1)
    }
    if lines.count > body.height - 1 {
      grid.writeClipped(
        " … and more (a taller terminal shows it all)", x: body.x, y: body.maxY - 1,
        width: body.width, role: .dim)
    }
  }

  /// One log entry, whole: every line of it, who wrote it when, and each correction.
  static func entry(
    _ entry: LogEntry, _ context: RenderContext, into grid: inout Grid, rect: Rect
  ) {
    grid.fill(rect, role: .text)
    let offset = context.model.timeOffset
    let when = clockTime(entry.at, seconds: true, offset: offset) + " " + zoneName(offset: offset)
    grid.titleBar(
      rect, "Log #\(entry.number)",
      detail: "\(entry.kind.label) by \(SafeText.name(entry.by)) at \(when) · any key closes",
      focused: true)
    let body = rect.belowTitle
    let width = body.width - 2
    let characters = Array(SafeText.inertKeepingLines(entry.text))
    var lines: [(String, StyleRole)] = DisplayWidth.wrapRangesKeepingLines(
      characters, width: width, maximumLines: 1000
    ).map { (String(characters[$0]), .text) }
    if let struck = entry.struck {
      lines.append(("", .text))
      lines.append(
        (
          "✗ Struck by \(SafeText.name(struck.by)) at "
            + "\(clockTime(struck.at, seconds: true, offset: offset)): \(struck.text ?? "")", .error
        ))
    }
    for (index, correction) in entry.corrections.enumerated().reversed() {
      if index == entry.corrections.count - 1 { lines.append(("", .text)) }
      let header =
        "Before \(SafeText.name(correction.by))'s correction at "
        + clockTime(correction.at, seconds: true, offset: offset) + ":"
      lines.append((header, .dim))
      for line in DisplayWidth.wrap(SafeText.inert(correction.text ?? ""), width: width - 2) {
        lines.append(("  " + line, .dim))
      }
    }
    for (row, line) in lines.prefix(body.height).enumerated() {
      grid.writeClipped(" " + line.0, x: body.x, y: body.y + row, width: body.width, role: line.1)
    }
  }

  static func empty(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    let lines = [
      ("No open incident", StyleRole.paneTitle),
      ("in \(context.storeName)", .dim),
      ("", .text),
      ("Type what is broken below and press Enter to declare a P1.", .text),
      ("Or from a shell: warroom declare \"TITLE\" --ticket KEY --channel NAME", .dim),
    ]
    let top = rect.y + max(0, (rect.height - lines.count) / 2)
    for (row, line) in lines.enumerated() {
      let width = min(rect.width, DisplayWidth.of(SafeText.inert(line.0)))
      grid.writeClipped(
        line.0, x: rect.x + max(0, (rect.width - width) / 2), y: top + row, width: rect.width,
        role: line.1)
    }
  }

  static func tooSmall(width: Int, height: Int, into grid: inout Grid) {
    let need = "need \(Layout.minimumWidth)×\(Layout.minimumHeight), have \(width)×\(height)"
    let lines =
      width >= 50
      ? ["terminal too small: " + need, "enlarge the window · Ctrl-C quits"]
      : ["terminal too small:", need, "enlarge it · Ctrl-C quits"]
    let top = max(0, (height - lines.count) / 2)
    for (row, line) in lines.enumerated() where top + row < height {
      let lineWidth = DisplayWidth.of(line)
      let x = max(0, (width - lineWidth) / 2)
      grid.write(line, x: x, y: top + row, role: row == 0 ? .error : .dim, limit: width - x)
    }
  }
}
