import WarroomCore

/// One terminal cell: the character a person sees and what it means. A wide character
/// fills its own cell and marks the next one as its continuation.
public struct Cell: Equatable, Sendable {
  /// The grapheme's UTF-8 bytes, held inline: a cell is plain data, so the 12,000 cells
  /// of a frame are made, compared, copied and freed without reference counting, which
  /// was a third of a frame while each cell held a `String`. A grapheme longer than
  /// `capacity` bytes keeps the whole scalars that fit (the terminal paints at most five).
  private var bytes: (UInt64, UInt64, UInt32) = (0, 0, 0)
  private var length: UInt8 = 0
  public var role: StyleRole

  public static let capacity = 20
  public static let blank = Cell(character: " ", role: .text)

  public init(character: String, role: StyleRole) {
    self.role = role
    store(character.unicodeScalars)
  }

  /// A cell of one ASCII character.
  init(ascii: UInt8, role: StyleRole) {
    self.role = role
    bytes.0 = UInt64(ascii)
    length = 1
  }

  public init(_ character: Character, role: StyleRole) {
    self.role = role
    store(character.unicodeScalars)
  }

  private mutating func store(_ scalars: some Sequence<Unicode.Scalar>) {
    var count = 0
    withUnsafeMutableBytes(of: &bytes) { buffer in
      for scalar in scalars {
        guard count + scalar.utf8.count <= Self.capacity else { break }
        for byte in scalar.utf8 {
          buffer[count] = byte
          count += 1
        }
      }
    }
    length = UInt8(count)
  }

  /// A single grapheme cluster; empty for the right half of a wide character.
  public var character: String {
    withUnsafeBytes(of: bytes) { buffer in
      String(decoding: buffer.prefix(Int(length)), as: UTF8.self)
    }
  }

  public var isContinuation: Bool { length == 0 }

  public static func == (lhs: Cell, rhs: Cell) -> Bool {
    lhs.length == rhs.length && lhs.role == rhs.role && lhs.bytes == rhs.bytes
  }
}

/// A rectangle of cells: what a frame looks like before it reaches a terminal.
/// Rendering writes into it; the backend paints it; tests read it as text.
public struct Grid: Equatable, Sendable {
  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]
  /// How many writes cut visible text short at their limit, or cut a word to abbreviate
  /// it: what the layout tests hold at zero at 80×24. Not part of what a frame looks like.
  public var cuts: Int { cutRows.count }
  /// The row of each such cut, for a test to say where.
  public private(set) var cutRows: [Int] = []

  public init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: .blank, count: self.width * self.height)
  }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set { cells[y * width + x] = newValue }
  }

  public static func == (lhs: Grid, rhs: Grid) -> Bool {
    lhs.width == rhs.width && lhs.height == rhs.height && lhs.cells == rhs.cells
  }

  /// Counts a word cut to abbreviate it (see `DisplayWidth.abbreviate`).
  mutating func countCut(row: Int) { cutRows.append(row) }

  public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

  /// Writes text at (x, y), never past `limit` columns (nor the grid's edge). Text from
  /// people is made inert first: nothing written here can reach a terminal as a control.
  /// Returns the number of columns written.
  @discardableResult
  public mutating func write(
    _ text: String, x: Int, y: Int, role: StyleRole, limit: Int? = nil
  ) -> Int {
    var clipped = false
    return write(text, x: x, y: y, role: role, limit: limit, clipped: &clipped, countsCut: true)
  }

  /// `write`, also saying whether the text was cut at the limit: a caller that would
  /// rather wrap learns it from the one pass that writes (and a cut it then redraws is
  /// not counted in `cuts`).
  @discardableResult
  public mutating func write(
    _ text: String, x: Int, y: Int, role: StyleRole, limit: Int?, clipped: inout Bool,
    countsCut: Bool = false
  ) -> Int {
    guard y >= 0, y < height, x >= 0, x < width else {
      clipped = !text.isEmpty
      if countsCut, text.contains(where: { !$0.isWhitespace }) { cutRows.append(y) }
      return 0
    }
    let end = min(width, x + (limit ?? width))
    // Printable ASCII (most of a frame) is already inert and a column a byte: written
    // straight from its bytes (checking it inert, then walking it, was a fifth of a frame).
    let written = text.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
      guard bytes.allSatisfy(\.isPrintableASCII) else { return nil }
      return writePrintableASCII(
        bytes, x: x, y: y, end: end, role: role, clipped: &clipped, countsCut: countsCut)
    }
    if let written = written ?? nil { return written }
    var column = x
    let inert = SafeText.inert(text)
    // An ASCII byte followed by another (or by nothing) is a whole character of one
    // column (no mark can join it; inert text holds no CR LF), written without walking
    // `Character`s, which was a third of drawing a frame; anything else is taken a
    // character at a time.
    let bytes = inert.utf8
    var index = bytes.startIndex
    while index != bytes.endIndex {
      let byte = bytes[index]
      let next = bytes.index(after: index)
      let isWholeASCII = byte < 0x80 && (next == bytes.endIndex || bytes[next] < 0x80)
      let character = isWholeASCII ? nil : inert[index]
      let cellWidth = character.map(DisplayWidth.of) ?? DisplayWidth.of(ascii: byte)
      let after = isWholeASCII ? next : inert.index(after: index)
      if cellWidth == 0 {  // stray marks with no base: dropped
        index = after
        continue
      }
      if column + cellWidth > end {
        clipped = true
        if countsCut, inert[index...].contains(where: { !$0.isWhitespace }) {
          cutRows.append(y)
        }
        // A wide character that does not fit leaves a blank, never half a glyph.
        while column < end {
          self[column, y] = Cell(ascii: 0x20, role: role)
          column += 1
        }
        break
      }
      clearWideNeighbour(column, y)
      self[column, y] = character.map { Cell($0, role: role) } ?? Cell(ascii: byte, role: role)
      if cellWidth == 2 {
        clearWideNeighbour(column + 1, y)
        self[column + 1, y] = Cell(character: "", role: role)
      }
      column += cellWidth
      index = after
    }
    return column - x
  }

  /// A run of printable ASCII from x, cut at `end`. Only the run's two ends can meet half
  /// of a wide character: each cell inside is overwritten whatever it held.
  private mutating func writePrintableASCII(
    _ bytes: UnsafeBufferPointer<UInt8>, x: Int, y: Int, end: Int, role: StyleRole,
    clipped: inout Bool, countsCut: Bool
  ) -> Int {
    let fits = max(0, min(bytes.count, end - x))
    if fits < bytes.count {
      clipped = true
      if countsCut, bytes[fits...].contains(where: { $0 != 0x20 }) { cutRows.append(y) }
    }
    guard fits > 0 else { return 0 }
    clearWideNeighbour(x, y)
    if fits > 1 { clearWideNeighbour(x + fits - 1, y) }
    let start = y * width + x
    cells.withUnsafeMutableBufferPointer { cells in
      for offset in 0..<fits { cells[start + offset] = Cell(ascii: bytes[offset], role: role) }
    }
    return fits
  }

  /// Writing over half of a wide character blanks its other half.
  private mutating func clearWideNeighbour(_ x: Int, _ y: Int) {
    let cell = self[x, y]
    if cell.isContinuation, x > 0 {
      self[x - 1, y] = Cell(character: " ", role: self[x - 1, y].role)
    } else if x + 1 < width, self[x + 1, y].isContinuation {
      self[x + 1, y] = Cell(character: " ", role: cell.role)
    }
  }

  /// Fills a rectangle with one character and role.
  public mutating func fill(_ rect: Rect, with character: String = " ", role: StyleRole) {
    let clipped = rect.intersection(bounds)
    let cell = Cell(character: character, role: role)
    for y in clipped.y..<clipped.maxY {
      for x in clipped.x..<clipped.maxX { self[x, y] = cell }
    }
  }

  /// Sets the role of every cell in a rectangle, keeping the characters.
  public mutating func restyle(_ rect: Rect, role: StyleRole) {
    let clipped = rect.intersection(bounds)
    for y in clipped.y..<clipped.maxY {
      for x in clipped.x..<clipped.maxX { self[x, y].role = role }
    }
  }

  /// The grid as plain text, one line per row, trailing spaces kept: what a snapshot holds.
  public var text: String {
    (0..<height).map { line($0) }.joined(separator: "\n")
  }

  public func line(_ y: Int) -> String {
    var result = ""
    for x in 0..<width where !self[x, y].isContinuation { result += self[x, y].character }
    return result
  }
}

extension Grid {
  /// The style role of every cell, one letter a cell (see `StyleRole.letter`), row by
  /// row: the second layer of a screen snapshot, so colours are tested as well as text.
  public var roleText: String {
    (0..<height).map { y in
      String((0..<width).map { self[$0, y].role.letter })
    }.joined(separator: "\n")
  }
}

extension StyleRole {
  /// One letter per role, for `Grid.roleText`; plain text is a space.
  public var letter: Character {
    switch self {
    case .text: " "
    case .dim: "d"
    case .separator: "|"
    case .paneTitle: "t"
    case .paneTitleFocused: "T"
    case .statusRed: "R"
    case .statusYellow: "Y"
    case .statusGreen: "G"
    case .subheader: "s"
    case .stepDone: "v"
    case .stepNext: ">"
    case .stepOpen: "o"
    case .roleFilled: "f"
    case .roleUnfilled: "U"
    case .countdownCalm: "c"
    case .countdownWarning: "w"
    case .countdownOverdue: "O"
    case .experimentRunning: "x"
    case .experimentConflict: "X"
    case .experimentClosed: "z"
    case .logMeta: "m"
    case .logFinding: "F"
    case .logDecision: "D"
    case .logManualChange: "M"
    case .selection: "S"
    case .inputLabel: "l"
    case .input: "i"
    case .hint: "h"
    case .message: "g"
    case .error: "E"
    case .confirm: "C"
    }
  }

  /// The legend for a snapshot's role layer.
  public static var legend: String {
    allCases.map { "\($0.letter)=\($0.rawValue)" }.joined(separator: " ")
  }
}
