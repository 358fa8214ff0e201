import Foundation
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

  /// What would be written (a confirmation's preview of a message writes nothing).
  func writes(_ effects: [Effect]) -> [Effect] {
    effects.filter { if case .preview = $0 { false } else { true } }
  }

  /// Types the word that confirms, then Enter.
  mutating func confirm() -> [Effect] {
    writes(type(Deliberate.word) + press(.enter))
  }

  @Test mutating func qAndQuestionMarksAreTextInTheInputLine() {
    _ = type("queue depth on payments-worker is 9000")
    #expect(model.input.text == "queue depth on payments-worker is 9000")
    #expect(press(.enter) == [.write(.log(.note, "queue depth on payments-worker is 9000"))])
    _ = type("?? is the CDN also affected")
    #expect(!model.showHelp)
    #expect(model.input.text == "?? is the CDN also affected")
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
    // An update reaches people: Enter asks, and only the word sends it.
    #expect(press(.enter) == [.preview(.update, text: "all good")])
    #expect(model.confirmation?.details.first?.contains("\"all good\"") == true)
    #expect(confirm() == [.submit(.command(.postUpdate("all good")))])
  }

  @Test mutating func theCommunicatorTypesStakeholderUpdates() {
    model = DashboardModel(me: "bob", view: .communicator)
    _ = type("Still investigating")
    #expect(writes(press(.enter)).isEmpty)
    #expect(writes(press(.enter)).isEmpty, "a second Enter does not send either")
    #expect(model.confirmation?.prompt.hasPrefix("Not yet") == true)
    #expect(confirm() == [.submit(.command(.postUpdate("Still investigating")))])
    // Esc puts the text back, and nothing was written.
    _ = type("Mitigated, we think")
    _ = press(.enter)
    #expect(press(.escape).isEmpty)
    #expect(model.confirmation == nil)
    #expect(model.input.text == "Mitigated, we think")
  }

  @Test mutating func colonOpensTheCommandLine() {
    _ = type(":role assign lead bob")
    #expect(model.isCommandLine)
    #expect(press(.enter) == [.commandLine("role assign lead bob")])
  }

  @Test mutating func withNoIncidentEnterDeclares() {
    var empty = DashboardModel(me: "alice")
    for c in "Checkout down" { _ = DashboardUpdate.update(&empty, key: .character(c), state: nil) }
    // A declaration is announced by the relay: it is confirmed on purpose too.
    #expect(
      DashboardUpdate.update(&empty, key: .enter, state: nil) == [.preview(.declared, text: nil)])
    var effects: [Effect] = []
    for key in [Key.character("y"), .character("e"), .character("s"), .enter] {
      effects += DashboardUpdate.update(&empty, key: key, state: nil)
    }
    #expect(effects == [.submit(.declare(Declared(title: "Checkout down")))])
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
    _ = press(.escape)  // never discards what is typed
    #expect(model.input.text == ">hell")
    _ = press(.control("u"))
    #expect(model.input.isEmpty)
    _ = press(.control("y"))  // what Ctrl-U took comes back
    #expect(model.input.text == ">hell")
    _ = press(.control("a"), .alt("f"))
    #expect(model.input.cursor == 5)
    _ = type(" o")
    _ = press(.altLeft, .control("k"))
    #expect(model.input.text == ">hell ")
    _ = press(.altRight, .altLeft)
    #expect(model.input.cursor == 0)
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

  @Test mutating func checklistSpaceTogglesTheSelectedStepAfterAsking() {
    _ = press(.tab)
    #expect(press(.character(" ")).isEmpty)
    #expect(model.confirmation?.details.first == "Untick step 1 (Confirm it is a P1).")
    #expect(press(.enter).isEmpty, "a lone Enter never confirms")
    #expect(confirm() == [.write(.undoStep(1))])  // step 1 is done in the fixture
    _ = press(.down, .down, .down)
    _ = press(.enter)  // the focused pane's Enter is its own key here, and asks
    #expect(confirm() == [.write(.completeStep(4))])
  }

  @Test mutating func checklistPaneChangesStatusOnlyWhenConfirmed() {
    _ = press(.tab)
    // The report's two keys: y, Enter. Nothing is written.
    #expect(writes(press(.character("y"), .enter)).isEmpty)
    #expect(
      model.confirmation?.details.first == "INC-7 turns YELLOW: customers are no longer affected.")
    #expect(confirm() == [.write(.mitigate())])
    #expect(model.focus == .pane(.checklist), "the pane keeps its focus")
    #expect(writes(press(.character("g"))).isEmpty)
    #expect(confirm() == [.write(.resolve(force: nil))])
    #expect(press(.character("o")) == [.preview(.reopened, text: nil)])
    #expect(model.confirmation?.details.first == "INC-7 turns RED again.")
    #expect(press(.escape).isEmpty)
    #expect(model.confirmation == nil)
    #expect(model.focus == .input)
  }

  @Test mutating func aSentenceTypedIntoAFocusedPaneIsText() {
    _ = press(.tab)
    #expect(writes(type("ok thanks")).isEmpty)  // o asks to reopen; k says "typing"
    #expect(model.input.text == "ok thanks")
    #expect(model.focus == .input)
    _ = press(.tab, .tab, .tab, .tab)  // experiments: every letter there is bound or text
    #expect(type("scan x").isEmpty)
    #expect(model.input.text == "ok thanksscan x")
  }

  @Test mutating func rolesPaneKeys() {
    _ = press(.tab, .tab)
    _ = press(.character("m"))
    #expect(confirm() == [.write(.assignRole(.lead, "alice"))])
    _ = press(.character("r"))
    #expect(confirm() == [.write(.releaseRole(.lead, "alice"))])
    _ = press(.down)
    #expect(press(.character("a"), .enter).isEmpty)
    #expect(model.input.text == ":role assign communicator ")
    #expect(model.focus == .input)
  }

  @Test mutating func aPrefillNeverReplacesTypedText() {
    _ = type("half a thought")
    _ = press(.tab, .tab)
    _ = press(.character("a"), .enter)
    #expect(model.input.text == "half a thought")
    #expect(model.message?.isError == true)
  }

  @Test mutating func experimentsPaneActsOnTheSelectedExperiment() {
    _ = press(.tab, .tab, .tab, .tab)
    #expect(model.focus == .pane(.experiments))
    // Listed running first, newest first: #2, #1, then #3 concluded.
    #expect(press(.character("x"), .enter) == [.write(.abandonExperiment(2, reason: nil))])
    _ = press(.down)
    _ = press(.character("c"), .enter)
    #expect(model.input.text == ":experiment conclude 1 --refuted \"\"")
    #expect(model.input.cursor == model.input.characters.count - 1)
  }

  @Test mutating func aPasteIsTextAndSeveralLinesAreOneEntry() {
    _ = press(.paste("curl \u{1B}[2J -H 'x'\tnow"))
    #expect(model.input.text == "curl ^[[2J -H 'x'       now")
    model = DashboardModel(me: "alice")
    #expect(press(.paste("first\r\nq second\n:resolve --force x\n\n")).isEmpty)
    #expect(model.input.text == "first\nq second\n:resolve --force x")
    #expect(model.confirmation?.prompt.hasPrefix("3 lines pasted as one entry") == true)
    // Enter sends it whole, as one entry, its lines kept.
    #expect(press(.enter) == [.write(.log(.note, "first\nq second\n:resolve --force x"))])
    // Splitting is the explicit choice.
    _ = press(.paste("a\nb"))
    #expect(press(.control("s")) == [.write(.log(.note, "a")), .write(.log(.note, "b"))])
    #expect(model.input.isEmpty)
    // Typing after a paste edits it.
    _ = press(.paste("a\nb"))
    _ = type("c")
    #expect(model.input.text == "a\nbc")
  }

  @Test mutating func aPastedTraceWithTabsLosesNoCharacter() {
    let trace = (1...30).map { "\tat frame\($0) (checkout/api.swift:\($0 * 7))" }
      .joined(separator: "\n")
    _ = press(.paste("Traceback:\n" + trace))
    let expected = "Traceback:\n" + trace.replacingOccurrences(of: "\t", with: "        ")
    #expect(model.input.text == expected)
    #expect(press(.enter) == [.write(.log(.note, expected))])
  }

  @Test mutating func ctrlZAsksThenTakesBackMyLastChange() {
    model = DashboardModel(me: "dan")
    _ = type("keep this")
    #expect(press(.control("z")).isEmpty)
    #expect(model.confirmation?.details.first?.hasPrefix("Take back your last change: ") == true)
    #expect(press(.enter).isEmpty)
    #expect(confirm() == [.undoLast])
    #expect(model.input.text == "keep this")
  }

  @Test mutating func ctrlCNeverQuitsWhileSomethingWouldBeLostAndAsksOnAnEmptyLine() {
    let now = Date(timeIntervalSince1970: 1_798_000_000)
    func ctrlC(at seconds: TimeInterval, queued: Int = 0) -> [Effect] {
      DashboardUpdate.update(
        &model, key: .control("c"), state: state, queued: queued,
        now: now.addingTimeInterval(seconds))
    }
    _ = type("half a sentence")
    #expect(ctrlC(at: 0).isEmpty)
    #expect(model.message?.text.contains("text on the line") == true)
    #expect(ctrlC(at: 1).isEmpty, "never quits while text is typed")
    #expect(model.input.text == "half a sentence")
    _ = press(.control("u"))
    // An empty line: the first asks, a second within a few seconds quits.
    #expect(ctrlC(at: 2).isEmpty)
    #expect(model.message?.text.hasPrefix("Ctrl-C again to quit") == true)
    #expect(ctrlC(at: 10).isEmpty, "too late: it asks again")
    #expect(ctrlC(at: 11) == [.quit])
    // A key between the two starts over.
    model = DashboardModel(me: "alice")
    _ = ctrlC(at: 0)
    _ = press(.tab)
    #expect(ctrlC(at: 1).isEmpty)
    // Entries waiting to be sent: Ctrl-C never quits; :quit does, after asking once.
    model = DashboardModel(me: "alice")
    #expect(ctrlC(at: 0, queued: 2).isEmpty)
    #expect(ctrlC(at: 1, queued: 2).isEmpty)
    #expect(model.message?.text.contains("2 entries wait") == true)
    _ = type(":quit")
    #expect(DashboardUpdate.update(&model, key: .enter, state: state, queued: 2).isEmpty)
    _ = type(":quit")
    #expect(DashboardUpdate.update(&model, key: .enter, state: state, queued: 2) == [.quit])
    model = DashboardModel(me: "alice")
    _ = type(":quit")
    #expect(press(.enter) == [.quit])
  }

  @Test mutating func upAndDownRecallTheLinesOfThisSessionSentOrNot() {
    _ = type("first note")
    _ = press(.enter)
    _ = type("a line I cleared")
    _ = press(.control("u"))
    _ = type(":role asign lead ann")
    _ = press(.enter)
    _ = type("half")
    _ = press(.up)
    #expect(model.input.text == ":role asign lead ann")
    _ = press(.up, .up)
    #expect(model.input.text == "first note")
    _ = press(.up)
    #expect(model.input.text == "first note", "the oldest stays")
    _ = press(.down, .down, .down)
    #expect(model.input.text == "half", "past the newest: what was being typed")
  }

  @Test mutating func unboundLettersInAPaneStartTyping() {
    _ = press(.tab)
    _ = type("z")
    #expect(model.focus == .input)
    #expect(model.input.text == "z")
  }

  @Test mutating func logPaneScrollsAndPages() {
    _ = press(.backTab)
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
    #expect(press(.character("d"), .enter) == [.write(.closeFollowup(1))])
  }

  @Test mutating func helpOpensPagesAndCloses() {
    _ = press(.function(1))
    #expect(model.showHelp)
    _ = press(.down)
    #expect(model.helpPage == 1)
    #expect(press(.character("q")).isEmpty)  // q closes help, it does not quit
    #expect(!model.showHelp)
  }

  @Test mutating func ctrlCQuitsFromAnywhere() {
    #expect(press(.control("c")).isEmpty)
    #expect(press(.control("c")) == [.quit])
    model = DashboardModel(me: "alice")
    _ = press(.tab, .character("?"))
    #expect(model.showHelp)
    #expect(press(.control("c")).isEmpty)
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
    if layout.onePage {
      // One pane at a time (the recorder at 80 columns): the log, or the one Tab chose.
      #expect(view == .recorder && size.0 < Layout.recorderColumnsWidth)
      #expect(layout.panes.map(\.0) == [.log])
      for pane in Layout.focusablePanes(view) {
        let focused = Layout.compute(
          width: size.0, height: size.1, view: view, focus: .pane(pane))
        #expect(focused.panes.map(\.0) == [pane])
      }
    } else {
      #expect(Set(layout.panes.map(\.0)) == Set(Layout.focusablePanes(view)))
    }
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

@Suite("Terminal input decoding")
struct InputDecoderTests {
  func scalars(_ text: String) -> [RawInput] { text.unicodeScalars.map { .scalar($0.value) } }

  @Test func unknownEscapeSequencesAreDroppedWhole() {
    var decoder = InputDecoder()
    let keys = decoder.decode(scalars("a\u{1B}[4~b\u{1B}OPc\u{1B}[1;5Zd"))
    #expect(keys == [.character("a"), .character("b"), .character("c"), .character("d")])
  }

  @Test func escapeAloneIsEscAndEscapeLetterIsAlt() {
    var decoder = InputDecoder()
    #expect(decoder.decode(scalars("\u{1B}")) == [.escape])
    #expect(decoder.decode(scalars("\u{1B}b")) == [.alt("b")])
    #expect(decoder.decode(scalars("\u{1B}:q")) == [.escape, .character(":"), .character("q")])
  }

  @Test func aPasteIsOneKeyEvenAcrossReads() {
    var decoder = InputDecoder()
    let first = decoder.decode([.pasteStart] + scalars("q\u{1B}[2J\r"))
    #expect(first.isEmpty)
    let second = decoder.decode([.key(.up)] + scalars("x") + [.pasteEnd] + scalars("z"))
    #expect(second == [.paste("q\u{1B}[2J\r^[↑x"), .character("z")])
  }

  @Test func aSequenceCutBetweenReadsIsStillDropped() {
    var decoder = InputDecoder()
    #expect(decoder.decode(scalars("\u{1B}[4")) == [])
    #expect(decoder.decode(scalars("~ok")) == [.character("o"), .character("k")])
  }
}

@Suite("Dashboard: reading and correcting the log")
struct LogCorrectionKeysTests {
  var model = DashboardModel(me: "alice")
  let state = Fixtures.busy().state

  mutating func press(_ keys: Key...) -> [Effect] {
    keys.flatMap { DashboardUpdate.update(&model, key: $0, state: state) }
  }

  @Test mutating func theSelectedEntryOpensWholeAndCanBeEditedOrStruck() {
    _ = press(.backTab)  // the log pane
    #expect(model.focus == .pane(.log))
    _ = press(.up)  // one older than the newest
    #expect(press(.enter).isEmpty)
    #expect(model.openEntry == 499)
    _ = press(.character("z"))  // any key closes it, and does nothing else
    #expect(model.openEntry == nil)
    #expect(model.input.isEmpty)
    #expect(press(.character("e")).isEmpty)
    #expect(model.confirmation?.prompt.hasPrefix("Correct log #499?") == true)
    _ = press(.enter)
    #expect(model.input.text.hasPrefix(":log edit 499 \"entry 499"))
    #expect(model.input.text.hasSuffix("\""))
    model = DashboardModel(me: "alice")
    _ = press(.backTab, .character("x"), .enter)
    #expect(model.input.text == ":log strike 500 \"\"")
  }
}

@Suite("Dashboard: news from the store")
struct StoreNewsTests {
  @Test func aDeclarationIsAnnouncedOrFollowed() {
    var model = DashboardModel(me: "alice")
    let open = Fixtures.freshP1().state
    let news = StoreNews.declared(IncidentID(number: 8), title: "Second", by: "bob")
    #expect(DashboardUpdate.receive(news, &model, state: open).isEmpty)
    #expect(model.notice?.contains("INC-8 declared by bob") == true)
    var resolved = open
    resolved.status = .resolved
    #expect(
      DashboardUpdate.receive(news, &model, state: resolved) == [
        .showIncident(IncidentID(number: 8))
      ])
    model.followsLive = false  // opened with --incident: it stays
    #expect(DashboardUpdate.receive(news, &model, state: resolved).isEmpty)
    _ = DashboardUpdate.update(&model, key: .escape, state: resolved)
    #expect(model.notice == nil)
  }
}

@Suite("The README's keys")
struct ReadmeKeysTests {
  /// The README's key tables are the key table the dashboard runs on, word for word
  /// (`WARROOM_RECORD_SNAPSHOTS=1` writes them into the README).
  @Test func theReadmeShowsTheKeyTable() throws {
    let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../README.md").standardizedFileURL
    var text = try String(contentsOf: readme, encoding: .utf8)
    let start = "<!-- keys: generated from KeyTable; do not edit by hand -->"
    guard let from = text.range(of: start),
      let to = text.range(of: "<!-- keys end -->", range: from.upperBound..<text.endIndex)
    else {
      Issue.record("the README has no generated keys section")
      return
    }
    let current = String(text[from.upperBound..<to.lowerBound])
    let expected = "\n" + KeyTable.markdown + "\n"
    if ProcessInfo.processInfo.environment["WARROOM_RECORD_SNAPSHOTS"] == "1" {
      text.replaceSubrange(from.upperBound..<to.lowerBound, with: expected)
      try text.write(to: readme, atomically: true, encoding: .utf8)
    }
    #expect(current == expected)
  }
}
