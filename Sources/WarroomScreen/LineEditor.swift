/// The text being typed and where the cursor is: a single line, edited by grapheme, with
/// readline's keys. What Ctrl-U, Ctrl-K and Ctrl-W remove is kept and Ctrl-Y puts it
/// back, so no key throws typed text away for good.
public struct LineEditor: Equatable, Sendable {
  public private(set) var characters: [Character] = []
  public private(set) var cursor = 0
  /// The text last removed by a kill key, for Ctrl-Y.
  public private(set) var killed: [Character] = []

  public init(_ text: String = "", cursor: Int? = nil) {
    characters = Array(text)
    self.cursor = min(max(0, cursor ?? characters.count), characters.count)
  }

  public var text: String { String(characters) }
  public var isEmpty: Bool { characters.isEmpty }

  public mutating func insert(_ character: Character) {
    characters.insert(character, at: cursor)
    cursor += 1
  }

  public mutating func insert(_ text: String) {
    let new = Array(text)
    characters.insert(contentsOf: new, at: cursor)
    cursor += new.count
  }

  public mutating func deleteBackward() {
    guard cursor > 0 else { return }
    cursor -= 1
    characters.remove(at: cursor)
  }

  public mutating func deleteForward() {
    guard cursor < characters.count else { return }
    characters.remove(at: cursor)
  }

  /// Removes the word before the cursor, as Ctrl-W does in a shell.
  public mutating func deleteWord() {
    let start = wordStart(before: cursor)
    kill(start..<cursor)
  }

  /// Empties the line after it was sent (the kill buffer keeps what it had).
  public mutating func reset() {
    characters = []
    cursor = 0
  }

  /// Removes the whole line (Ctrl-U); Ctrl-Y brings it back.
  public mutating func clear() { kill(0..<characters.count) }

  /// Removes from the cursor to the end (Ctrl-K).
  public mutating func killToEnd() { kill(cursor..<characters.count) }

  /// Puts back what the last kill removed (Ctrl-Y).
  public mutating func yank() {
    characters.insert(contentsOf: killed, at: cursor)
    cursor += killed.count
  }

  public mutating func moveLeft() { cursor = max(0, cursor - 1) }
  public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
  public mutating func moveHome() { cursor = 0 }
  public mutating func moveEnd() { cursor = characters.count }
  public mutating func moveWordLeft() { cursor = wordStart(before: cursor) }

  public mutating func moveWordRight() {
    while cursor < characters.count, characters[cursor] == " " { cursor += 1 }
    while cursor < characters.count, characters[cursor] != " " { cursor += 1 }
  }

  private func wordStart(before index: Int) -> Int {
    var start = index
    while start > 0, characters[start - 1] == " " { start -= 1 }
    while start > 0, characters[start - 1] != " " { start -= 1 }
    return start
  }

  private mutating func kill(_ range: Range<Int>) {
    guard !range.isEmpty else { return }
    killed = Array(characters[range])
    characters.removeSubrange(range)
    cursor = range.lowerBound
  }
}
