/// Text from people, made safe to show on a terminal: every control character, escape
/// sequence introducer and bidirectional override becomes visible and inert, so a pasted
/// log line can never move the cursor, retitle the window or ring the bell.
public enum SafeText {
  /// `ESC[2J` becomes `^[[2J`, BEL `^G`, DEL `^?`, C1 controls `<9B>`, a line break `↵`,
  /// a tab a space. Everything else is kept as it is.
  public static func inert(_ text: String) -> String {
    visible(text, isSpecial)
  }

  /// Text of several lines (a pasted stack trace), inert but for its line breaks, which
  /// stay, and its tabs, which become spaces to the next multiple of eight in the line,
  /// so indentation survives. Carriage returns become line breaks.
  public static func inertKeepingLines(_ text: String) -> String {
    let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
      .replacingOccurrences(of: "\r", with: "\n")
    guard normalized.unicodeScalars.contains(where: { $0 == "\t" || ($0 != "\n" && isSpecial($0)) })
    else { return normalized }
    var result = UTF8Builder(capacity: normalized.utf8.count + 64)
    var column = 0
    for scalar in normalized.unicodeScalars {
      switch scalar {
      case "\n":
        result.append(scalar)
        column = 0
      case "\t":
        let spaces = 8 - column % 8
        result.append(String(repeating: " ", count: spaces))
        column += spaces
      default:
        let shown = isSpecial(scalar) ? inert(String(scalar)) : String(scalar)
        result.append(shown)
        column += shown.unicodeScalars.count
      }
    }
    return result.string
  }

  /// A person's name, made unmistakable as well as inert: characters that take no room
  /// or reorder text (zero-width spaces and joiners, direction marks, tag characters)
  /// show as `<U+200B>`, so "al\u{200B}ice" can never pass as "alice". Kept out of
  /// `inert` because free text needs them (a joiner builds an emoji).
  public static func name(_ text: String) -> String {
    visible(text, isHidden)
  }

  /// Control characters (C0, DEL, C1), line and paragraph separators, and the invisible
  /// characters that reorder text (bidirectional overrides and isolates).
  public static func isSpecial(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00..<0x20, 0x7F..<0xA0: true
    case 0x2028, 0x2029: true
    case 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
  }

  /// `isSpecial`, and every character that is invisible or changes how its neighbours
  /// read: what must not hide inside a name.
  public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
    if isSpecial(scalar) { return true }
    switch scalar.value {
    case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E: return true
    case 0x200B...0x200F, 0x2060...0x2064, 0x206A...0x206F: return true
    case 0x3164, 0xFEFF, 0xFFA0, 0xFFF9...0xFFFB: return true
    case 0xE0000...0xE0FFF: return true
    default: return false
    }
  }

  private static func visible(_ text: String, _ flagged: (Unicode.Scalar) -> Bool) -> String {
    // Printable ASCII is never flagged (a scalar at a time was a tenth of drawing a frame).
    if text.isPrintableASCII { return text }
    guard text.unicodeScalars.contains(where: flagged) else { return text }
    var result = UTF8Builder(capacity: text.utf8.count + 16)
    for scalar in text.unicodeScalars {
      guard flagged(scalar) else {
        result.append(scalar)
        continue
      }
      switch scalar.value {
      case 0x09: result.append(" ")
      case 0x0A, 0x0D, 0x2028, 0x2029: result.append("↵")
      case 0x00..<0x20:
        result.append("^")
        result.append(Unicode.Scalar(UInt8(scalar.value + 0x40)))
      case 0x7F:
        result.append("^?")
      default:
        let hex = String(scalar.value, radix: 16, uppercase: true)
        result.append(scalar.value < 0x100 ? "<\(hex)>" : "<U+\(hex)>")
      }
    }
    return result.string
  }
}
