import CNcursesw
import WarroomScreen

/// Turns what `wget_wch` returns into `RawInput`; `InputDecoder` makes keys of them.
enum KeyDecoder {
  /// Key codes of our own for sequences we ask ncurses to recognise (`define_key`):
  /// above every code ncurses hands out.
  static let pasteStart: Int32 = 0x7000
  static let pasteEnd: Int32 = 0x7001
  static let altLeft: Int32 = 0x7002
  static let altRight: Int32 = 0x7003

  static func decode(value: UInt32, isFunctionKey: Bool) -> RawInput {
    guard isFunctionKey else { return .scalar(value) }
    let code = Int32(value)
    switch code {
    case pasteStart: return .pasteStart
    case pasteEnd: return .pasteEnd
    case altLeft: return .key(.altLeft)
    case altRight: return .key(.altRight)
    case KEY_UP: return .key(.up)
    case KEY_DOWN: return .key(.down)
    case KEY_LEFT: return .key(.left)
    case KEY_RIGHT: return .key(.right)
    case KEY_PPAGE: return .key(.pageUp)
    case KEY_NPAGE: return .key(.pageDown)
    case KEY_HOME: return .key(.home)
    case KEY_END: return .key(.end)
    case KEY_BACKSPACE: return .key(.backspace)
    case KEY_DC: return .key(.delete)
    case KEY_BTAB: return .key(.backTab)
    case KEY_ENTER: return .key(.enter)
    case KEY_RESIZE: return .key(.resize)
    case KEY_F0 + 1...KEY_F0 + 12: return .key(.function(Int(code - KEY_F0)))
    default: return .unknownKey
    }
  }
}
