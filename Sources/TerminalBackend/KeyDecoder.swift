import CNcursesw
import WarroomScreen

/// Turns what `wget_wch` returns into `Key` values.
enum KeyDecoder {
  static func decode(value: UInt32, isFunctionKey: Bool) -> Key? {
    if isFunctionKey {
      switch Int32(value) {
      case KEY_UP: return .up
      case KEY_DOWN: return .down
      case KEY_LEFT: return .left
      case KEY_RIGHT: return .right
      case KEY_PPAGE: return .pageUp
      case KEY_NPAGE: return .pageDown
      case KEY_HOME: return .home
      case KEY_END: return .end
      case KEY_BACKSPACE: return .backspace
      case KEY_DC: return .delete
      case KEY_BTAB: return .backTab
      case KEY_ENTER: return .enter
      case KEY_RESIZE: return .resize
      default: return nil
      }
    }
    switch value {
    case 9: return .tab
    case 10, 13: return .enter  // after nonl(), Enter arrives as 13
    case 27: return .escape
    case 8, 127: return .backspace
    case 1...26: return .control(Character(Unicode.Scalar(value + 96)!))
    case 0..<32: return nil
    default:
      guard let scalar = Unicode.Scalar(value) else { return nil }
      return .character(Character(scalar))
    }
  }
}
