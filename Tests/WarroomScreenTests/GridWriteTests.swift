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
