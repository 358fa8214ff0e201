import CNcursesw
import WarroomScreen

/// The theme turned into ncurses attributes and colour pairs for this terminal.
struct Palette {
  struct Resolved {
    var attributes: attr_t
    var pair: Int16
  }

  private var styles: [StyleRole: Resolved] = [:]

  init(theme: Theme) {
    let colours = has_colors() && theme.usesColour
    if colours {
      start_color()
      use_default_colors()
    }
    let available = Int(warroom_colors())
    var pairs: [String: Int16] = [:]
    for role in StyleRole.allCases {
      let style = theme.style(for: role)
      var attributes: attr_t = 0
      if style.bold { attributes |= warroom_a_bold() }
      if style.dim { attributes |= warroom_a_dim() }
      if style.reverse { attributes |= warroom_a_reverse() }
      if style.underline { attributes |= warroom_a_underline() }
      var pair: Int16 = 0
      if colours {
        let fg = Palette.number(style.foreground, available: available)
        let bg = Palette.number(style.background, available: available)
        let key = "\(fg)/\(bg)"
        if let existing = pairs[key] {
          pair = existing
        } else if fg != -1 || bg != -1, pairs.count + 1 < Int(warroom_color_pairs()) {
          pair = Int16(pairs.count + 1)
          init_pair(pair, Int16(fg), Int16(bg))
          pairs[key] = pair
        }
      }
      styles[role] = Resolved(attributes: attributes, pair: pair)
    }
  }

  func style(for role: StyleRole) -> Resolved {
    styles[role] ?? Resolved(attributes: 0, pair: 0)
  }

  /// The nearest colour number this terminal has: -1 is the terminal's own default.
  static func number(_ colour: ThemeColour, available: Int) -> Int {
    switch colour {
    case .terminalDefault: return -1
    case .indexed(let n): return n < available ? n : ThemeColour.basic(of: n, limit: available)
    case .rgb(let r, let g, let b):
      let n = ThemeColour.xterm256(r: r, g: g, b: b)
      return available >= 256 ? n : ThemeColour.basic(of: n, limit: available)
    }
  }
}
