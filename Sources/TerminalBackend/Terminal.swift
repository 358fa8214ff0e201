import CNcursesw
import Foundation
import WarroomScreen

/// The only code that talks to ncurses: it paints frames and reads keys, nothing more.
/// Every call happens on the event loop's thread.
public final class Terminal {
  public enum StartError: Error, CustomStringConvertible {
    case notATerminal
    case unknownTerminalType(String)

    public var description: String {
      switch self {
      case .notATerminal:
        "the dashboard needs a terminal (stdin and stdout must be a tty); use `warroom status` in scripts"
      case .unknownTerminalType(let term):
        "cannot drive this terminal (TERM=\(term.isEmpty ? "unset" : term)); set TERM, e.g. TERM=xterm-256color"
      }
    }
  }

  private let screen: OpaquePointer
  private let palette: Palette
  private var previous: Grid?
  private var stopped = false
  private var decoder = InputDecoder()

  /// Takes over the terminal. Call `stop()` to give it back.
  public init(theme: Theme) throws {
    guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
      throw StartError.notATerminal
    }
    let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
    guard !term.isEmpty, term != "dumb" else { throw StartError.unknownTerminalType(term) }
    setlocale(LC_ALL, "")
    // newterm, unlike initscr, returns NULL for an unknown TERM instead of exiting.
    guard let screen = warroom_newterm() else {
      throw StartError.unknownTerminalType(term)
    }
    self.screen = screen
    set_term(screen)
    raw()  // Ctrl-C and Ctrl-Z arrive as keys, handled by the loop
    noecho()
    nonl()
    keypad(warroom_stdscr(), true)
    nodelay(warroom_stdscr(), true)
    set_escdelay(25)
    // Sequences some terminals send that their descriptions may not name: the paste
    // markers, and Alt with the arrows (word moves).
    define_key("\u{1B}[200~", KeyDecoder.pasteStart)
    define_key("\u{1B}[201~", KeyDecoder.pasteEnd)
    define_key("\u{1B}[1;3D", KeyDecoder.altLeft)
    define_key("\u{1B}[1;3C", KeyDecoder.altRight)
    palette = Palette(theme: theme)
    // Bracketed paste: a paste arrives between markers, as text, never as keys.
    Self.send("\u{1B}[?2004h")
  }

  private static func send(_ sequence: String) {
    fflush(nil)  // every stream: `stdout` itself is not reachable in Swift 6
    _ = sequence.utf8CString.withUnsafeBufferPointer {
      write(STDOUT_FILENO, $0.baseAddress, $0.count - 1)
    }
  }

  deinit { stop() }

  /// Restores the terminal. Safe to call more than once.
  public func stop() {
    guard !stopped else { return }
    stopped = true
    Self.send("\u{1B}[?2004l")
    curs_set(1)
    endwin()
    delscreen(screen)
  }

  /// The terminal's size in cells.
  public var size: (width: Int, height: Int) {
    (Int(warroom_cols()), Int(warroom_lines()))
  }

  /// Sends the cells that differ from the last frame, then places the cursor.
  public func paint(_ frame: Frame) {
    let grid = frame.grid
    let full = previous.map { $0.width != grid.width || $0.height != grid.height } ?? true
    if full { erase() }
    var text = [wchar_t](repeating: 0, count: 8)
    for y in 0..<grid.height {
      for x in 0..<grid.width {
        let cell = grid[x, y]
        if cell.isContinuation { continue }
        if !full, let previous, previous[x, y] == cell { continue }
        var count = 0
        for scalar in cell.character.unicodeScalars.prefix(5) {
          text[count] = wchar_t(bitPattern: scalar.value)
          count += 1
        }
        text[count] = 0
        let style = palette.style(for: cell.role)
        // The bottom-right cell scrolls some terminals when written; ncurses reports ERR
        // there but paints it, so the result is ignored.
        _ = warroom_put_cell(Int32(y), Int32(x), text, style.attributes, style.pair)
      }
    }
    previous = grid
    if let cursor = frame.cursor {
      curs_set(1)
      move(Int32(cursor.y), Int32(cursor.x))
    } else {
      curs_set(0)
    }
    refresh()
  }

  /// Forgets the last frame so the next paint redraws every cell (after a resize).
  public func invalidate() {
    previous = nil
    clearok(warroom_stdscr(), true)
  }

  /// Every key waiting on the input, without blocking.
  public func readKeys() -> [Key] {
    var batch: [RawInput] = []
    var value: wint_t = 0
    while true {
      let result = wget_wch(warroom_stdscr(), &value)
      if result == ERR { break }
      batch.append(KeyDecoder.decode(value: UInt32(value), isFunctionKey: result == KEY_CODE_YES))
    }
    return decoder.decode(batch)
  }

  public func bell() { beep() }
}
