/// How many terminal columns text takes: 2 for East Asian wide characters and emoji,
/// 0 for combining marks, 1 for the rest. Computed per grapheme cluster, the unit a
/// person sees as one character, so `e` + combining acute stays one column.
public enum DisplayWidth {
  public static func of(_ character: Character) -> Int {
    // Most of a frame is ASCII: its width needs no scalar properties.
    if let ascii = character.asciiValue { return of(ascii: ascii) }
    var width = 0
    for scalar in character.unicodeScalars {
      if scalar.value == 0xFE0F, width == 1 { return 2 }  // emoji presentation selector
      let w = of(scalar)
      if w > width { width = w }
    }
    return width
  }

  public static func of(_ text: some StringProtocol) -> Int {
    // Printable ASCII is a column a byte: measured without walking characters (a quarter
    // of drawing a frame went to measuring text).
    if text.isPrintableASCII { return text.utf8.count }
    return text.reduce(0) { $0 + of($1) }
  }

  /// An ASCII character's width: a column, none for a control.
  static func of(ascii: UInt8) -> Int { ascii.isPrintableASCII ? 1 : 0 }

  static func of(_ scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    if value < 0x300 { return value < 0x20 || (0x7F..<0xA0).contains(value) ? 0 : 1 }
    // Borders, the big countdown's blocks and everyday punctuation, in every frame: a
    // column each, without looking up scalar properties (6% of a frame).
    if narrowRanges.contains(where: { $0.contains(value) }) { return 1 }
    return byProperties(scalar)
  }

  /// Scalars known to take one column: dashes, quotes, bullets and the ellipsis
  /// (U+2010–2027), box drawing and block elements (U+2500–259F).
  static let narrowRanges: [ClosedRange<UInt32>] = [0x2010...0x2027, 0x2500...0x259F]

  /// The width from the scalar's Unicode properties.
  static func byProperties(_ scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if value == 0x200B || (0x1160...0x11FF).contains(value) { return 0 }
    if scalar.properties.isEmojiPresentation { return 2 }
    for range in wideRanges where range.contains(value) { return 2 }
    return 1
  }

  /// East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth W and F).
  private static let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
    0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
    0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
    0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF, 0x1F200...0x1F2FF,
    0x20000...0x2FFFD, 0x30000...0x3FFFD,
  ]
}

extension DisplayWidth {
  /// Breaks inert text into lines at most `width` columns wide, at spaces where it can
  /// and inside a word where it must; at most `maximumLines` (the last one then ends `…`).
  public static func wrap(_ text: String, width: Int, maximumLines: Int = 200) -> [String] {
    let characters = Array(text)
    let ranges = wrapRanges(characters, width: width, maximumLines: maximumLines)
    var lines = ranges.map { String(characters[$0]) }
    if let last = ranges.last, last.upperBound < characters.count, !lines.isEmpty {
      lines[lines.count - 1] = String(lines[lines.count - 1].dropLast()) + "…"
    }
    return lines
  }

  /// The same as ranges of `characters`, so a caller can keep per-character facts (such
  /// as styles) without searching. A line broken at a space leaves that space out.
  /// `wrapRanges`, with each line break in the text starting a new row (the break itself
  /// in no row), so a pasted trace keeps its lines and their indentation.
  public static func wrapRangesKeepingLines(
    _ characters: [Character], width: Int, maximumLines: Int = 200
  ) -> [Range<Int>] {
    guard characters.contains("\n") else {
      return wrapRanges(characters, width: width, maximumLines: maximumLines)
    }
    var ranges: [Range<Int>] = []
    var start = 0
    while start <= characters.count, ranges.count < maximumLines {
      let end = characters[start...].firstIndex(of: "\n") ?? characters.count
      let line = Array(characters[start..<end])
      let wrapped =
        line.isEmpty ? [0..<0] : wrapRanges(line, width: width, maximumLines: maximumLines)
      ranges += wrapped.map { ($0.lowerBound + start)..<($0.upperBound + start) }
      start = end + 1
    }
    return Array(ranges.prefix(maximumLines))
  }

  public static func wrapRanges(_ characters: [Character], width: Int, maximumLines: Int = 200)
    -> [Range<Int>]
  {
    guard width > 1 else { return [] }
    var lines: [Range<Int>] = []
    var start = 0
    var used = 0
    var lastSpace: Int?
    var index = 0
    while index < characters.count {
      let w = of(characters[index])
      if used + w > width, index > start {
        if lines.count == maximumLines - 1 { break }
        if let space = lastSpace, space > start {
          lines.append(start..<space)
          start = space + 1
        } else {
          lines.append(start..<index)
          start = index
        }
        used = characters[start..<index].reduce(0) { $0 + of($1) }
        lastSpace = nil
        continue
      }
      if characters[index] == " " { lastSpace = index }
      used += w
      index += 1
    }
    if lines.count < maximumLines {
      lines.append(start..<(lines.count == maximumLines - 1 ? index : characters.count))
    }
    return lines
  }
}

extension DisplayWidth {
  /// Text shortened to `width` columns the way a person would: whole words, then `…`.
  /// Only a single word longer than the room (a long host name) is cut inside, since
  /// there is no whole word to keep; `Grid.cuts` counts those for the layout tests.
  public static func abbreviate(_ text: String, width: Int) -> (text: String, cutWord: Bool) {
    guard width > 0 else { return ("", !text.isEmpty) }
    if of(text) <= width { return (text, false) }
    let room = width - 1
    var kept = ""
    var used = 0
    var lastBreak: String.Index?
    for index in text.indices {
      let character = text[index]
      let w = of(character)
      if used + w > room { break }
      if character == " " { lastBreak = kept.endIndex }
      kept.append(character)
      used += w
    }
    if let lastBreak {
      var whole = String(kept[..<lastBreak])
      while let last = whole.last, last == " " || last == "·" || last == "," || last == ":" {
        whole.removeLast()
      }
      if !whole.isEmpty { return (whole + "…", false) }
    }
    return (kept + "…", true)
  }
}
