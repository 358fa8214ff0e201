/// The text being typed and where the cursor is: a single line, edited by grapheme.
public struct LineEditor: Equatable, Sendable {
  public private(set) var characters: [Character] = []
  public private(set) var cursor = 0

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

  public mutating func deleteBackward() {
    guard cursor > 0 else { return }
    cursor -= 1
    characters.remove(at: cursor)
  }

  public mutating func deleteForward() {
    guard cursor < characters.count else { return }
    characters.remove(at: cursor)
  }

  /// Deletes the word before the cursor, as Ctrl-W does in a shell.
  public mutating func deleteWord() {
    while cursor > 0, characters[cursor - 1] == " " { deleteBackward() }
    while cursor > 0, characters[cursor - 1] != " " { deleteBackward() }
  }

  public mutating func moveLeft() { cursor = max(0, cursor - 1) }
  public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
  public mutating func moveHome() { cursor = 0 }
  public mutating func moveEnd() { cursor = characters.count }
  public mutating func clear() { self = LineEditor() }
}
