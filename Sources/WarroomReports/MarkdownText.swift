import WarroomCore

/// People's words inside the post-mortem's markdown: made inert, then escaped only where
/// a character would shape the document in that place, so nothing a person typed opens a
/// comment, a tag, a link, a heading, a list, emphasis or a table cell, and the raw
/// markdown still reads as they wrote it (`~30%` and `->` stay as typed). The document's
/// structure is the program's alone, whatever the record holds.
public enum MarkdownText {
  /// Free text (a title, a log entry) inside a line, after the program's own words.
  public static func text(_ text: String) -> String {
    escape(SafeText.inert(text), cell: false)
  }

  /// Free text in a table cell: as `text`, and a `|` cannot end the cell.
  public static func cell(_ text: String) -> String {
    escape(SafeText.inert(text), cell: true)
  }

  /// Free text that starts a line of its own (the impact): as `text`, and it cannot open
  /// a heading, a list or a quote there.
  public static func paragraph(_ text: String) -> String {
    let escaped = escape(SafeText.inert(text), cell: false)
    guard let first = escaped.first else { return escaped }
    if "#-+=*>[".contains(first) { return "\\" + escaped }
    // `1.` or `12)` would open an ordered list.
    let digits = escaped.prefix { $0.isASCII && $0.isNumber }
    if !digits.isEmpty, let after = escaped.dropFirst(digits.count).first,
      after == "." || after == ")"
    {
      return digits + "\\" + escaped.dropFirst(digits.count)
    }
    return escaped
  }

  /// A person's name: as `cell`, with invisible characters shown (`SafeText.name`).
  public static func name(_ text: String) -> String {
    escape(SafeText.name(text), cell: true)
  }

  /// Literal text (a ticket key, a channel, a probe's query) as a code span: shown
  /// exactly, nothing inside it is markdown. The fence is one backtick longer than any
  /// run inside, as CommonMark allows.
  public static func code(_ text: String, cell: Bool = false) -> String {
    var inert = SafeText.inert(text).trimmed
    if inert.isEmpty { return "" }
    // Inside a table a `|` still ends the cell, code span or not (GFM).
    if cell { inert = inert.replacingOccurrences(of: "|", with: "\\|") }
    var longest = 0
    var run = 0
    for character in inert {
      run = character == "`" ? run + 1 : 0
      longest = max(longest, run)
    }
    let fence = String(repeating: "`", count: longest + 1)
    let pad = inert.first == "`" || inert.last == "`" ? " " : ""
    return fence + pad + inert + pad + fence
  }

  /// Text of several lines (a pasted stack trace) as a fenced code block: every line,
  /// indentation kept, nothing in it markdown. The fence is longer than any run of
  /// backticks inside, so no line of the text can close it.
  public static func fencedBlock(_ text: String) -> [String] {
    let inert = SafeText.inertKeepingLines(text)
    var longest = 0
    var run = 0
    for character in inert {
      run = character == "`" ? run + 1 : 0
      longest = max(longest, run)
    }
    let fence = String(repeating: "`", count: max(3, longest + 1))
    return [fence] + inert.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      + [fence]
  }

  private static func escape(_ inert: String, cell: Bool) -> String {
    let characters = Array(inert.trimmed)
    // Pairs make emphasis, strike-through and links: a lone one is just a character.
    // Backticks pass: a code span shows its text literally, which is what was typed.
    func count(_ c: Character) -> Int { characters.reduce(0) { $1 == c ? $0 + 1 : $0 } }
    // Brackets make a link only when followed by `(` or `[` (the document defines no
    // references, and a definition needs a line of its own: see `paragraph`).
    // Looked for by hand: `String.contains` went through Foundation's search, a third of
    // writing the post-mortem of a large incident.
    let linked = zip(characters, characters.dropFirst()).contains { pair in
      pair.0 == "]" && (pair.1 == "(" || pair.1 == "[")
    }
    let paired: Set<Character> = Set(
      ["*", "_", "~"].filter { count($0) >= 2 } + (linked ? ["[", "]"] : []))
    var out = ""
    out.reserveCapacity(characters.count)
    for (index, character) in characters.enumerated() {
      let next = index + 1 < characters.count ? characters[index + 1] : nil
      switch character {
      // `<` before a letter, `/`, `!` or `?` opens a tag, a comment or an autolink.
      case "<" where next.map { $0.isLetter || "/!?".contains($0) } ?? false:
        out += "&lt;"
      // `&` that starts an entity (`&amp;`, `&#60;`) would be read as one.
      case "&" where startsEntity(characters, at: index):
        out += "&amp;"
      // A backslash before punctuation escapes it; at the end it breaks the line.
      case "\\"
      where next.map { $0.isASCII && $0.isPunctuation || $0.isASCII && $0.isSymbol } ?? true:
        out += "\\\\"
      case "|" where cell:
        out += "\\|"
      // Inside a word `_` never opens emphasis (`snake_case` stays as typed).
      case "_"
      where index > 0 && characters[index - 1].isLetterOrDigit
        && (next?.isLetterOrDigit ?? false):
        out.append(character)
      case _ where paired.contains(character):
        out += "\\" + String(character)
      default: out.append(character)
      }
    }
    return out
  }

  private static func startsEntity(_ characters: [Character], at index: Int) -> Bool {
    var position = index + 1
    var length = 0
    while position < characters.count, length <= 32 {
      let c = characters[position]
      if c == ";" { return length > 0 }
      guard c.isASCII, c.isLetter || c.isNumber || c == "#" else { return false }
      position += 1
      length += 1
    }
    return false
  }
}

extension Character {
  fileprivate var isLetterOrDigit: Bool { isLetter || isNumber }
}
