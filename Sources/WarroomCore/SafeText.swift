/// Text from people, made safe to show on a terminal: every control character, escape
/// sequence introducer and bidirectional override becomes visible and inert, so a pasted
/// log line can never move the cursor, retitle the window or ring the bell.
public enum SafeText {
  /// `ESC[2J` becomes `^[[2J`, BEL `^G`, DEL `^?`, C1 controls `<9B>`, a line break `↵`,
  /// a tab a space. Everything else is kept as it is.
  public static func inert(_ text: String) -> String {
    var needsWork = false
    for scalar in text.unicodeScalars where isSpecial(scalar) {
      needsWork = true
      break
    }
    guard needsWork else { return text }
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      guard isSpecial(scalar) else {
        result.append(scalar)
        continue
      }
      switch scalar.value {
      case 0x09: result.append(" ")
      case 0x0A, 0x0D: result.append("↵")
      case 0x00..<0x20:
        result.append("^")
        result.append(Unicode.Scalar(UInt8(scalar.value + 0x40)))
      case 0x7F:
        result.append(contentsOf: "^?".unicodeScalars)
      default:
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let label = scalar.value < 0x100 ? "<\(hex)>" : "<U+\(hex)>"
        result.append(contentsOf: label.unicodeScalars)
      }
    }
    return String(result)
  }

  /// Control characters (C0, DEL, C1) and the invisible characters that reorder or hide
  /// text (bidirectional overrides and isolates).
  static func isSpecial(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00..<0x20, 0x7F..<0xA0: true
    case 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
  }
}
