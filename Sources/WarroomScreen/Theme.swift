/// A colour as a theme file names it.
public enum ThemeColour: Equatable, Sendable {
  /// The terminal's own foreground or background.
  case terminalDefault
  /// One of the 256 xterm colours (0–7 basic, 8–15 bright).
  case indexed(Int)
  case rgb(Int, Int, Int)

  static let names = [
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
  ]

  /// Parses `default`, `red`, `bright-red`, `0`–`255` or `#rrggbb`.
  public init?(parsing word: String) {
    let lower = word.lowercased()
    if lower == "default" {
      self = .terminalDefault
    } else if let index = Self.names.firstIndex(of: lower) {
      self = .indexed(index)
    } else if lower.hasPrefix("bright-"),
      let index = Self.names.firstIndex(of: String(lower.dropFirst(7)))
    {
      self = .indexed(index + 8)
    } else if let number = Int(lower), (0...255).contains(number) {
      self = .indexed(number)
    } else if lower.hasPrefix("#"), lower.count == 7, let value = Int(lower.dropFirst(), radix: 16)
    {
      self = .rgb(value >> 16, (value >> 8) & 0xFF, value & 0xFF)
    } else {
      return nil
    }
  }

  /// The nearest colour of xterm's 6×6×6 cube or grey ramp.
  public static func xterm256(r: Int, g: Int, b: Int) -> Int {
    func level(_ v: Int) -> Int { v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40 }
    let cube = 16 + 36 * level(r) + 6 * level(g) + level(b)
    let grey = (r + g + b) / 3
    if abs(r - grey) < 10, abs(g - grey) < 10, abs(b - grey) < 10 {
      return grey < 8 ? 16 : grey > 238 ? 231 : 232 + (grey - 8) / 10
    }
    return cube
  }

  /// The nearest of the first `limit` colours (8 or 16) for an xterm colour number.
  public static func basic(of index: Int, limit: Int) -> Int {
    if index < 16 { return limit >= 16 ? index : index % 8 }
    let (r, g, b): (Int, Int, Int)
    if index >= 232 {
      let v = 8 + (index - 232) * 10
      (r, g, b) = (v, v, v)
    } else {
      let n = index - 16
      let steps = [0, 95, 135, 175, 215, 255]
      (r, g, b) = (steps[n / 36], steps[(n / 6) % 6], steps[n % 6])
    }
    let bit = { (v: Int) in v > 127 ? 1 : 0 }
    let basic = bit(r) | bit(g) << 1 | bit(b) << 2
    let bright = max(r, g, b) > 200 && limit >= 16 ? 8 : 0
    return basic + bright
  }
}

/// How one role looks.
public struct TextStyle: Equatable, Sendable {
  public var foreground = ThemeColour.terminalDefault
  public var background = ThemeColour.terminalDefault
  public var bold = false
  public var dim = false
  public var reverse = false
  public var underline = false

  public init() {}
}

/// A named set of looks for every `StyleRole`.
public struct Theme: Equatable, Sendable {
  public var name: String
  public var styles: [StyleRole: TextStyle]

  public func style(for role: StyleRole) -> TextStyle {
    styles[role] ?? styles[.text] ?? TextStyle()
  }

  /// False for themes that only use attributes (monochrome), so no colour is started.
  public var usesColour: Bool {
    styles.values.contains {
      $0.foreground != .terminalDefault || $0.background != .terminalDefault
    }
  }
}

public struct ThemeError: Error, Equatable, CustomStringConvertible {
  public var source: String
  public var line: Int
  public var reason: String
  public var description: String { "bad theme file \(source) line \(line): \(reason)" }
}

extension Theme {
  /// Reads a theme file: `role = FOREGROUND [on BACKGROUND] [bold] [dim] [reverse] [underline]`,
  /// one role a line, `#` comments. Roles left out look like `text`.
  public static func parse(_ text: String, name: String, source: String) throws(ThemeError) -> Theme
  {
    var styles: [StyleRole: TextStyle] = [:]
    for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated()
    {
      let number = offset + 1
      let line = stripComment(String(rawLine)).trimmingCharacters(in: .whitespaces)
      if line.isEmpty { continue }
      let parts = line.split(separator: "=", maxSplits: 1).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard parts.count == 2, !parts[0].isEmpty else {
        throw ThemeError(source: source, line: number, reason: "expected `role = colour`")
      }
      guard let role = StyleRole(rawValue: parts[0]) else {
        throw ThemeError(source: source, line: number, reason: "unknown role '\(parts[0])'")
      }
      guard styles[role] == nil else {
        throw ThemeError(source: source, line: number, reason: "'\(parts[0])' is set twice")
      }
      var style = TextStyle()
      var words = parts[1].split(separator: " ").map(String.init)[...]
      var sawForeground = false
      while let word = words.popFirst() {
        switch word.lowercased() {
        case "bold": style.bold = true
        case "dim": style.dim = true
        case "reverse": style.reverse = true
        case "underline": style.underline = true
        case "on":
          guard let next = words.popFirst(), let colour = ThemeColour(parsing: next) else {
            throw ThemeError(source: source, line: number, reason: "`on` needs a background colour")
          }
          style.background = colour
        default:
          guard !sawForeground, let colour = ThemeColour(parsing: word) else {
            throw ThemeError(
              source: source, line: number,
              reason:
                "'\(word)' is not a colour (default, red, bright-red, 0-255, #rrggbb) or an attribute"
            )
          }
          style.foreground = colour
          sawForeground = true
        }
      }
      styles[role] = style
    }
    return Theme(name: name, styles: styles)
  }
}

/// A `#` starts a comment at the start of a line or after a space, unless a colour
/// follows it (`#ff0000`).
private func stripComment(_ line: String) -> String {
  var previous: Character = " "
  var index = line.startIndex
  while index < line.endIndex {
    let character = line[index]
    if character == "#", previous == " " || previous == "\t" {
      let rest = line[line.index(after: index)...]
      let hex = rest.prefix(6)
      let isColour =
        hex.count == 6 && hex.allSatisfy(\.isHexDigit)
        && (rest.count == 6 || rest.dropFirst(6).first == " ")
      if !isColour { return String(line[..<index]) }
    }
    previous = character
    index = line.index(after: index)
  }
  return line
}

extension Theme {
  /// The names of the themes built in: dark (the default), light, high-contrast, mono.
  public static var builtInNames: [String] { BuiltInThemes.all.map(\.name) }

  /// A built-in theme by name. The embedded texts are tested to parse.
  public static func builtIn(_ name: String) -> Theme? {
    guard let entry = BuiltInThemes.all.first(where: { $0.name == name }) else { return nil }
    return try? parse(entry.text, name: name, source: "built-in \(name)")
  }

  /// The embedded text of a built-in theme, for tests and `--theme` listings.
  public static func builtInText(_ name: String) -> String? {
    BuiltInThemes.all.first { $0.name == name }?.text
  }
}
