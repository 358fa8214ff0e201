import Testing
import WarroomCore

@testable import WarroomScreen

@Suite("Dashboard update: keys fold into view state and effects")
struct DashboardUpdateTests {
  var model = DashboardModel(me: "alice")
  let state = Fixtures.busy().state

  mutating func type(_ text: String) -> [Effect] {
    text.flatMap { DashboardUpdate.update(&model, key: .character($0), state: state) }
  }

  mutating func press(_ keys: Key...) -> [Effect] {
    keys.flatMap { DashboardUpdate.update(&model, key: $0, state: state) }
  }

  @Test mutating func qQuitsOnlyWhenTheInputLineIsEmpty() {
    #expect(press(.character("q")) == [.quit])
    model = DashboardModel(me: "alice")
    _ = type("restart")
    #expect(press(.character("q")).isEmpty)
    #expect(model.input.text == "restartq")
  }

  @Test mutating func enterLogsTheLineAndClearsIt() {
    _ = type("users see 502s")
    #expect(press(.enter) == [.write(.log(.note, "users see 502s"))])
    #expect(model.input.isEmpty)
    #expect(press(.enter).isEmpty)  // nothing typed, nothing logged
  }

  @Test mutating func prefixesAndCtrlTChooseTheKind() {
    _ = type("mc: restarted db-1")
    #expect(press(.enter) == [.write(.log(.manualChange, "restarted db-1"))])
    _ = press(.control("t"))
    #expect(model.inputKind == .finding)
    _ = type("pool at 40%")
    #expect(press(.enter) == [.write(.log(.finding, "pool at 40%"))])
    #expect(model.inputKind == .note)  // back to the view's default after each entry
    _ = type("update: all good")
    #expect(press(.enter) == [.write(.postUpdate("all good"))])
  }

  @Test mutating func theCommunicatorTypesStakeholderUpdates() {
    model = DashboardModel(me: "bob", view: .communicator)
    _ = type("Still investigating")
    #expect(press(.enter) == [.write(.postUpdate("Still investigating"))])
  }

  @Test mutating func colonOpensTheCommandLine() {
    _ = type(":role assign lead bob")
    #expect(model.isCommandLine)
    #expect(press(.enter) == [.commandLine("role assign lead bob")])
  }

  @Test mutating func withNoIncidentEnterDeclares() {
    var empty = DashboardModel(me: "alice")
    for c in "Checkout down" { _ = DashboardUpdate.update(&empty, key: .character(c), state: nil) }
    #expect(DashboardUpdate.update(&empty, key: .enter, state: nil) == [.declare("Checkout down")])
  }

  @Test mutating func editingKeys() {
    _ = type("hello world")
    _ = press(.control("w"))
    #expect(model.input.text == "hello ")
    _ = press(.home)
    _ = type(">")
    #expect(model.input.text == ">hello ")
    _ = press(.end, .backspace, .backspace)
    #expect(model.input.text == ">hell")
    _ = press(.escape)
    #expect(model.input.isEmpty)
  }

  @Test mutating func tabCyclesThroughThePanesOfTheView() {
    var visited: [Focus] = []
    for _ in 0..<6 {
      _ = press(.tab)
      visited.append(model.focus)
    }
    #expect(
      visited == [
        .pane(.checklist), .pane(.roles), .pane(.countdown), .pane(.experiments), .pane(.log),
        .input,
      ])
    _ = press(.backTab)
    #expect(model.focus == .pane(.log))
  }

  @Test mutating func checklistSpaceTogglesTheSelectedStep() {
    _ = press(.tab)
    #expect(press(.character(" ")) == [.write(.undoStep(1))])  // step 1 is done in the fixture
    _ = press(.down, .down, .down)
    #expect(press(.character(" ")) == [.write(.completeStep(4))])
  }

  @Test mutating func checklistPaneChangesStatus() {
    _ = press(.tab)
    #expect(press(.character("y")) == [.write(.mitigate)])
    #expect(press(.character("g")) == [.write(.resolve(force: nil))])
    #expect(press(.character("o")) == [.write(.reopen(reason: nil))])
  }

  @Test mutating func rolesPaneKeys() {
    _ = press(.tab, .tab)
    #expect(press(.character("m")) == [.write(.assignRole(.lead, "alice"))])
    #expect(press(.character("r")) == [.write(.releaseRole(.lead, "alice"))])
    _ = press(.down)
    #expect(press(.character("a")).isEmpty)
    #expect(model.input.text == ":role assign communicator ")
    #expect(model.focus == .input)
  }

  @Test mutating func experimentsPaneActsOnTheSelectedExperiment() {
    _ = press(.tab, .tab, .tab, .tab)
    #expect(model.focus == .pane(.experiments))
    // Listed running first, newest first: #2, #1, then #3 concluded.
    #expect(press(.character("x")) == [.write(.abandonExperiment(2, reason: nil))])
    _ = press(.down)
    _ = press(.character("c"))
    #expect(model.input.text == ":experiment conclude 1 --refuted \"\"")
    #expect(model.input.cursor == model.input.characters.count - 1)
  }

  @Test mutating func unboundLettersInAPaneStartTyping() {
    _ = press(.tab)
    _ = type("z")
    #expect(model.focus == .input)
    #expect(model.input.text == "z")
  }

  @Test mutating func logPaneScrollsAndPages() {
    _ = press(.up, .up)
    #expect(model.logScroll == 2)
    _ = press(.escape)
    #expect(model.logScroll == 0)
    _ = press(.backTab)
    #expect(model.focus == .pane(.log))
    _ = press(.right)
    #expect(model.logPage == .timeline)
    _ = press(.right, .right)
    #expect(model.logPage == .followups)
    #expect(press(.character("d")) == [.write(.closeFollowup(1))])
  }

  @Test mutating func helpOpensPagesAndCloses() {
    _ = press(.character("?"))
    #expect(model.showHelp)
    _ = press(.down)
    #expect(model.helpPage == 1)
    #expect(press(.character("q")).isEmpty)  // q closes help, it does not quit
    #expect(!model.showHelp)
  }

  @Test mutating func ctrlCQuitsFromAnywhere() {
    _ = type("half a sentence")
    #expect(press(.control("c")) == [.quit])
  }
}

@Suite("Screen building blocks")
struct ScreenBlocksTests {
  @Test func displayWidths() {
    #expect(DisplayWidth.of("abc") == 3)
    #expect(DisplayWidth.of("数据") == 4)
    #expect(DisplayWidth.of("🔥") == 2)
    #expect(DisplayWidth.of("e\u{301}") == 1)
    #expect(DisplayWidth.of("결제") == 4)
    #expect(DisplayWidth.of("❤\u{FE0F}") == 2)
  }

  @Test func aWideCharacterThatDoesNotFitLeavesABlank() {
    var grid = Grid(width: 5, height: 1)
    let used = grid.write("ab数据", x: 0, y: 0, role: .text)
    #expect(used == 5)
    #expect(grid.line(0) == "ab数 ")
    #expect(grid[3, 0].isContinuation)
  }

  @Test func writingOverHalfAWideCharacterBlanksTheOtherHalf() {
    var grid = Grid(width: 4, height: 1)
    grid.write("数据", x: 0, y: 0, role: .text)
    grid.write("x", x: 1, y: 0, role: .text)
    #expect(grid.line(0) == " x据")
  }

  @Test func textIsClippedAtTheLimit() {
    var grid = Grid(width: 10, height: 1)
    grid.write("abcdefgh", x: 2, y: 0, role: .text, limit: 3)
    #expect(grid.line(0) == "  abc     ")
  }

  @Test func controlCharactersNeverReachACell() {
    var grid = Grid(width: 20, height: 1)
    grid.write("\u{1B}[2J\u{07}", x: 0, y: 0, role: .text)
    #expect(grid.line(0).hasPrefix("^[[2J^G"))
  }

  @Test func commandWords() throws {
    #expect(try CommandWords.split(#"log "a b" c"#) == ["log", "a b", "c"])
    #expect(try CommandWords.split(#"why 'say "hi"' "x\"y""#) == ["why", "say \"hi\"", "x\"y"])
    #expect(try CommandWords.split("  a   b ") == ["a", "b"])
    #expect(try CommandWords.split(#"x """#) == ["x", ""])
    #expect(throws: CommandWords.UnclosedQuote.self) { try CommandWords.split(#"log "open"#) }
  }

  @Test(arguments: [(80, 24), (120, 40), (300, 100)], ViewMode.allCases)
  func layoutsTileTheScreen(size: (Int, Int), view: ViewMode) {
    let layout = Layout.compute(width: size.0, height: size.1, view: view)
    var covered = Array(repeating: 0, count: size.0 * size.1)
    for rect in [layout.header, layout.input, layout.hints] + layout.separators
      + layout.panes.map(\.1)
    {
      #expect(rect.height > 0 && rect.width > 0)
      for y in rect.y..<rect.maxY {
        for x in rect.x..<rect.maxX { covered[y * size.0 + x] += 1 }
      }
    }
    #expect(covered.allSatisfy { $0 == 1 })  // every cell belongs to exactly one region
    #expect(Set(layout.panes.map(\.0)) == Set(Layout.focusablePanes(view)))
  }
}

@Suite("The input line")
struct InputLineTests {
  func render(_ model: DashboardModel) -> Frame {
    DashboardRenderer.render(
      RenderContext(
        state: Fixtures.freshP1().state, model: model, now: Fixtures.start, storeName: "s"),
      width: 80, height: 24)
  }

  @Test func aLongLineScrollsToKeepTheCursorInView() {
    var model = DashboardModel(me: "a")
    model.input = LineEditor(String(repeating: "abcdefghij", count: 2000) + "END")
    let frame = render(model)
    let line = frame.grid.line(22)
    #expect(line.contains("hijEND"))
    #expect(frame.cursor?.x == 79)
    #expect(frame.cursor?.y == 22)
  }

  @Test func controlCharactersTypedIntoTheLineShowInert() {
    var model = DashboardModel(me: "a")
    model.input = LineEditor("x\u{1B}[2Jy")
    let frame = render(model)
    #expect(frame.grid.line(22).contains("x^[[2Jy"))
    #expect(frame.cursor?.x == 8 + 7)  // after " note › " (8 columns) and the 7 shown
  }
}
