/// People's words inside the post-mortem's markdown: made inert, then escaped so that no
/// field can open an HTML comment, a tag, a link, a heading, a list, emphasis or a table
/// cell. The document's structure is the program's alone, whatever the record holds.
public enum MarkdownText {
  /// Free text (a title, a log entry) for any place in a line, a table cell included.
  public static func text(_ text: String) -> String {
    escape(SafeText.inert(text))
  }

  /// A person's name: as `text`, with invisible characters shown (`SafeText.name`).
  public static func name(_ text: String) -> String {
    escape(SafeText.name(text))
  }

  private static func escape(_ inert: String) -> String {
    let trimmed = inert.trimmed
    var out = ""
    out.reserveCapacity(trimmed.utf8.count)
    for (index, character) in trimmed.enumerated() {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\\", "`", "*", "_", "[", "]", "|", "~":
        out += "\\" + String(character)
      // At the start of a line these open a heading, a list or a heading underline.
      case "#" where index == 0, "-" where index == 0, "+" where index == 0,
        "=" where index == 0:
        out += "\\" + String(character)
      case "." where isAfterLeadingDigits(trimmed, index),
        ")" where isAfterLeadingDigits(trimmed, index):
        out += "\\" + String(character)
      default: out.append(character)
      }
    }
    return out
  }

  /// `1.` or `12)` at the very start would open an ordered list.
  private static func isAfterLeadingDigits(_ text: String, _ index: Int) -> Bool {
    index > 0 && text.prefix(index).allSatisfy { $0.isASCII && $0.isNumber }
  }
}
