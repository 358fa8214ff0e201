import Testing
import WarroomCore
import WarroomTestSupport

@testable import WarroomScreen

/// `Grid.write` takes ASCII a byte at a time and the rest a character at a time; these
/// tests hold it to the plain rule, one `Character` at a time, on text of every kind.
@Suite("Writing text into the grid")
struct GridWriteTests {
  /// The plain rule: each character of the inert text takes its display width (marks with
  /// no base are dropped, a wide one leaves its second cell empty); what does not fit is
  /// cut, a wide character that does not fit leaving blanks.
  static func expected(_ text: String, width: Int) -> (cells: [Cell], columns: Int) {
    var cells = Array(repeating: Cell.blank, count: width)
    var column = 0
    for character in SafeText.inert(text) {
      let cellWidth = DisplayWidth.of(character)
      if cellWidth == 0 { continue }
      if column + cellWidth > width {
        while column < width {
          cells[column] = Cell(character: " ", role: .dim)
          column += 1
        }
        break
      }
      cells[column] = Cell(character, role: .dim)
      if cellWidth == 2 { cells[column + 1] = Cell(character: "", role: .dim) }
      column += cellWidth
    }
    return (cells, column)
  }

  static func written(_ text: String, width: Int) -> (cells: [Cell], columns: Int) {
    var grid = Grid(width: width, height: 1)
    let columns = grid.write(text, x: 0, y: 0, role: .dim)
    return ((0..<width).map { grid[$0, 0] }, columns)
  }

  @Test(arguments: [
    "plain ascii", "a\u{301}b", "e\u{301}", "x👨‍👩‍👧y", "日本語 text", "tab\there", "\r\nline",
    "\u{301}leading mark", "ab\u{200B}cd", "…·✓ ▶ │", "🇫🇷 flag", "wide at the edge 日",
    "a\u{1B}[31mred", "",
  ])
  func knownTextsFollowThePlainRule(text: String) {
    for width in [1, 2, 5, 12, 40] {
      let ours = Self.written(text, width: width)
      let rule = Self.expected(text, width: width)
      #expect(ours.cells == rule.cells, "\(text.debugDescription) at \(width)")
      #expect(ours.columns == rule.columns, "\(text.debugDescription) at \(width)")
    }
  }

  @Test func randomTextsFollowThePlainRule() {
    var random = SplitMix(0x5EED)
    for round in 0..<2000 {
      var text = ""
      for _ in 0..<random.below(30) {
        text.unicodeScalars.append(random.scalar(ascii: random.below(3) != 0))
      }
      let width = 1 + random.below(40)
      let ours = Self.written(text, width: width)
      let rule = Self.expected(text, width: width)
      #expect(ours.cells == rule.cells, "round \(round): \(text.debugDescription) at \(width)")
      #expect(ours.columns == rule.columns, "round \(round)")
    }
  }

  /// The ranges measured without properties take the width the properties give.
  @Test func knownNarrowScalarsMeasureAsTheirPropertiesSay() {
    for range in DisplayWidth.narrowRanges {
      for value in range {
        let scalar = Unicode.Scalar(value)!
        #expect(DisplayWidth.byProperties(scalar) == 1, "U+\(String(value, radix: 16))")
      }
    }
  }

  @Test func aCellKeepsTheWholeScalarsThatFit() {
    let family = "👨‍👩‍👧‍👦"  // 7 scalars, 25 bytes
    let cell = Cell(Character(family), role: .text)
    #expect(cell.character == "👨‍👩‍👧")
    #expect(cell.character.utf8.count <= Cell.capacity)
    #expect(Cell(character: "é", role: .text).character == "é")
    #expect(Cell(character: "", role: .text).isContinuation)
    #expect(Cell(character: "a", role: .text) != Cell(character: "a", role: .dim))
    #expect(Cell(character: "a", role: .text) == Cell(ascii: 0x61, role: .text))
  }
}

/// Writing over a row that already holds text: what is overwritten, and half of a wide
/// character left behind, follow the same plain rule for ASCII runs and for the rest.
@Suite("Writing over text already in the grid")
struct GridOverwriteTests {
  /// The plain rule, a character at a time: a cell written over half of a wide character
  /// blanks the other half (keeping that half's role).
  static func expected(
    _ start: [Cell], _ text: String, x: Int, limit: Int
  ) -> (cells: [Cell], cut: Bool) {
    var cells = start
    var cut = false
    let end = min(cells.count, x + limit)
    var column = x
    func clearNeighbour(_ c: Int) {
      if cells[c].isContinuation, c > 0 {
        cells[c - 1] = Cell(character: " ", role: cells[c - 1].role)
      } else if c + 1 < cells.count, cells[c + 1].isContinuation {
        cells[c + 1] = Cell(character: " ", role: cells[c].role)
      }
    }
    let characters = Array(SafeText.inert(text))
    for (index, character) in characters.enumerated() {
      let cellWidth = DisplayWidth.of(character)
      if cellWidth == 0 { continue }
      if column + cellWidth > end {
        cut = characters[index...].contains { !$0.isWhitespace }
        while column < end {
          cells[column] = Cell(character: " ", role: .dim)
          column += 1
        }
        break
      }
      clearNeighbour(column)
      cells[column] = Cell(character, role: .dim)
      if cellWidth == 2 {
        clearNeighbour(column + 1)
        cells[column + 1] = Cell(character: "", role: .dim)
      }
      column += cellWidth
    }
    return (cells, cut)
  }

  @Test func randomOverwritesFollowThePlainRule() {
    var random = SplitMix(0x0BE7)
    for round in 0..<3000 {
      let width = 1 + random.below(24)
      var grid = Grid(width: width, height: 1)
      // A row of wide and narrow text in another role, then a write over part of it.
      var background = ""
      for _ in 0..<random.below(20) {
        background.unicodeScalars.append(
          random.below(2) == 0 ? "日" : random.scalar(ascii: random.below(4) != 0))
      }
      grid.write(background, x: random.below(width), y: 0, role: .statusRed)
      let start = (0..<width).map { grid[$0, 0] }
      var text = ""
      // Half of them printable ASCII, the run written straight from its bytes.
      let printable = random.below(2) == 0
      for _ in 0..<random.below(12) {
        text.unicodeScalars.append(
          printable
            ? Unicode.Scalar(UInt8(0x20 + random.below(95)))
            : random.scalar(ascii: random.below(3) != 0))
      }
      let x = random.below(width)
      let limit = 1 + random.below(width)
      let cutsBefore = grid.cuts
      grid.write(text, x: x, y: 0, role: .dim, limit: limit)
      let ours = (0..<width).map { grid[$0, 0] }
      let rule = Self.expected(start, text, x: x, limit: limit)
      let what = "round \(round): \(background.debugDescription) then \(text.debugDescription)"
      #expect(ours == rule.cells, "\(what) at \(x)")
      #expect((grid.cuts > cutsBefore) == rule.cut, "\(what) at \(x), limit \(limit)")
    }
  }
}
