/// A key press, as the backend decodes it from the terminal.
public enum Key: Hashable, Sendable {
  case character(Character)
  /// Ctrl plus a letter, given as the lowercase letter.
  case control(Character)
  case enter, backspace, delete, tab, backTab, escape
  case up, down, left, right, pageUp, pageDown, home, end
  /// Alt (Meta) with a letter, and Alt with the arrows: word moves in the input line.
  case alt(Character)
  case altLeft, altRight
  /// A function key, F1 to F12.
  case function(Int)
  /// A bracketed paste, whole: text, never keys.
  case paste(String)
  case resize

  /// How the help screen writes the key.
  public var label: String {
    switch self {
    case .character(" "): "Space"
    case .character(let c): String(c)
    case .control(let c): "Ctrl-" + String(c).uppercased()
    case .enter: "Enter"
    case .backspace: "Backspace"
    case .delete: "Delete"
    case .tab: "Tab"
    case .backTab: "Shift-Tab"
    case .escape: "Esc"
    case .up: "↑"
    case .down: "↓"
    case .left: "←"
    case .right: "→"
    case .pageUp: "PgUp"
    case .pageDown: "PgDn"
    case .home: "Home"
    case .end: "End"
    case .alt(let c): "Alt-" + String(c)
    case .altLeft: "Alt-←"
    case .altRight: "Alt-→"
    case .function(let n): "F\(n)"
    case .paste: "paste"
    case .resize: "resize"
    }
  }
}

extension Key {
  /// The character this key types into a line, if it types one.
  public var typedCharacter: Character? {
    if case .character(let character) = self { return character }
    return nil
  }
}
