import WarroomCore

/// Time to the next stakeholder update. Calm, then a warning look in the last five
/// minutes, then an alarm that counts up. Large digits where there is room, because the
/// communicator reads it from across the desk. While calm it counts whole minutes: large
/// seconds changing every second draw the eye away from the work when nothing is due (and
/// a quiet screen sends next to nothing over a slow SSH link); the seconds come with the
/// warning, when they matter.
enum CountdownPane {
  static func render(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    guard let state = context.state, rect.height > 0 else { return }
    let countdown = Countdown(state: state, now: context.now)
    let (headline, role) = Self.headline(countdown)
    grid.titleBar(
      rect, "Next stakeholder update",
      details: context.titleDetails(["every \(DurationText.short(state.cadence))"]),
      focused: context.isFocused(.countdown))
    var body = rect.belowTitle
    guard body.height > 0 else { return }
    // The communicator needs to know that what they post goes out: who delivers it.
    if context.model.view == .communicator, body.height >= 3 {
      let row = body.y + body.height - 1
      body.height -= 1
      if let lease = context.deliverer?.lease, context.deliverer?.isRunning(at: context.now) == true
      {
        grid.writeClipped(
          "deliverer: \(lease.description)", x: body.x + 1, y: row, width: body.width - 1,
          role: .dim)
      } else if context.deliverer != nil {
        grid.writeClipped(
          "⚠ no deliverer running: updates reach nobody (warroom relay)", x: body.x + 1, y: row,
          width: body.width - 1, role: .error)
      }
    }

    let last: String
    if let update = state.lastUpdate {
      last =
        "last \(clockTime(update.at, offset: context.model.timeOffset)) \(update.by): \(update.text)"
    } else {
      last = "no update posted yet"
    }
    let digits: String? =
      switch countdown.phase {
      case .stopped: nil
      case .calm: DurationText.minutesLeft(countdown.remaining).digits
      case .warning, .overdue: DurationText.clock(countdown.remaining)
      }
    if let digits, body.height >= BigDigits.height + 2,
      BigDigits.width(of: digits) + 2 <= body.width
    {
      let label =
        switch countdown.phase {
        case .overdue: "OVERDUE"
        case .warning: "DUE SOON"
        default: digits.contains(":") ? "due in (hours:minutes)" : "due in (minutes)"
        }
      grid.fill(
        Rect(x: body.x, y: body.y, width: body.width, height: BigDigits.height + 1), role: role)
      grid.write(" " + label, x: body.x, y: body.y, role: role, limit: body.width)
      let x = body.x + (body.width - BigDigits.width(of: digits)) / 2
      BigDigits.draw(digits, x: x, y: body.y + 1, role: role, into: &grid)
      grid.writeClipped(
        last, x: body.x + 1, y: body.y + BigDigits.height + 1, width: body.width - 1, role: .dim)
      return
    }
    grid.fill(Rect(x: body.x, y: body.y, width: body.width, height: 1), role: role)
    grid.write(" " + headline, x: body.x, y: body.y, role: role, limit: body.width)
    if body.height > 1 {
      grid.writeClipped(last, x: body.x + 1, y: body.y + 1, width: body.width - 1, role: .dim)
    }
  }
}

extension CountdownPane {
  /// `due in 13m`, `DUE SOON 03:12`, `OVERDUE 04:00`, with the look of each phase: the
  /// pane's headline, and the small terminal's summary.
  static func headline(_ countdown: Countdown) -> (String, StyleRole) {
    switch countdown.phase {
    case .calm: ("due in \(DurationText.minutesLeft(countdown.remaining).text)", .countdownCalm)
    case .warning: ("DUE SOON \(DurationText.clock(countdown.remaining))", .countdownWarning)
    case .overdue: ("OVERDUE \(DurationText.clock(-countdown.remaining))", .countdownOverdue)
    case .stopped: ("none needed: resolved", .dim)
    }
  }
}

/// A five-row block font for the countdown's digits.
enum BigDigits {
  static let height = 5

  private static let glyphs: [Character: [String]] = [
    "0": ["███", "█ █", "█ █", "█ █", "███"],
    "1": [" ██", "  █", "  █", "  █", "  █"],
    "2": ["███", "  █", "███", "█  ", "███"],
    "3": ["███", "  █", " ██", "  █", "███"],
    "4": ["█ █", "█ █", "███", "  █", "  █"],
    "5": ["███", "█  ", "███", "  █", "███"],
    "6": ["███", "█  ", "███", "█ █", "███"],
    "7": ["███", "  █", "  █", "  █", "  █"],
    "8": ["███", "█ █", "███", "█ █", "███"],
    "9": ["███", "█ █", "███", "  █", "███"],
    ":": [" ", "█", " ", "█", " "],
  ]

  static func width(of text: String) -> Int {
    text.reduce(0) { $0 + (glyphs[$1]?[0].count ?? 0) + 1 } - 1
  }

  static func draw(_ text: String, x: Int, y: Int, role: StyleRole, into grid: inout Grid) {
    var column = x
    for character in text {
      guard let glyph = glyphs[character] else { continue }
      for (row, line) in glyph.enumerated() {
        grid.write(line, x: column, y: y + row, role: role)
      }
      column += glyph[0].count + 1
    }
  }
}
