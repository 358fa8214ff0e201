import Foundation
import Testing
import WarroomCore
import WarroomReports

/// The post-mortem's structure is the program's alone: nothing a person typed opens a
/// comment, a tag, a link, a heading or a list, and no name hides an invisible character.
@Suite("Post-mortem markdown is safe")
struct MarkdownSafetyTests {
  @Test func peoplesTextCannotShapeTheDocument() throws {
    var story = Story(Declared(title: "<details><summary>x", impact: "<!-- x"))
    try story.send(.addWhy(chain: nil, why: "# heading", because: "<script>alert(1)</script>"))
    try story.send(.log(.note, "<img src=x onerror=alert(1)>"))
    try story.send(.log(.note, "[click](javascript:alert(1))"))
    try story.send(.log(.finding, "- not a list\n1. nor this\n> nor a quote"))
    let markdown = PostMortem.markdown(story.state, now: story.now)
    for forbidden in ["<!--", "<script", "<img", "<details", "[click](", "\n# heading"] {
      #expect(!markdown.contains(forbidden), "\(forbidden)")
    }
    #expect(markdown.contains("\\[click\\](javascript:alert(1))"))  // text, not a link
    // Everything after Impact is still there.
    #expect(markdown.contains("**Follow-ups:**"))
    #expect(markdown.contains("### Checklist"))
    #expect(markdown.contains("&lt;!-- x"))
    // Only the program's own headings start a line with '#'.
    let headings = markdown.split(separator: "\n").filter { $0.hasPrefix("#") }
    #expect(
      headings.allSatisfy {
        $0.hasPrefix("# Post-mortem") || $0.hasPrefix("## ") || $0.hasPrefix("### ")
      })
  }

  @Test func invisibleCharactersInNamesAreShown() throws {
    var story = Story(Declared(title: "x"), by: "al\u{200B}ice")
    try story.send(.assignRole(.lead, "bob\u{202E}"), by: "\u{2066}carol")
    let markdown = PostMortem.markdown(story.state, now: story.now)
    // Shown as `<U+200B>` once rendered; the `<` that would open a tag is escaped.
    #expect(markdown.contains("al&lt;U+200B>ice"))
    #expect(markdown.contains("bob&lt;U+202E>"))
    #expect(!markdown.unicodeScalars.contains { $0.value == 0x200B || $0.value == 0x202E })
    #expect(SafeText.name("alice") == "alice")
    #expect(SafeText.name("a\u{200D}b\u{E0041}") == "a<U+200D>b<U+E0041>")
    // Free text keeps a joiner: it builds emoji.
    #expect(SafeText.inert("👩‍💻") == "👩‍💻")
    #expect(SafeText.inert("a\u{2028}b") == "a↵b")
  }

  @Test func jsonIsEscapedForTerminals() throws {
    let text = try JSONText.encode(["k": "\u{9B}2J\u{7F}\u{202E}\u{1B}"])
    #expect(text.contains("\\u009b2J\\u007f\\u202e\\u001b"))
    #expect(!text.unicodeScalars.contains { (0x7F...0x9F).contains($0.value) })
  }

  @Test func durationsStopAtAYear() {
    #expect(DurationText.parse("153722867280912931") == nil)
    #expect(DurationText.parse("2562047788015215h") == nil)
    #expect(DurationText.parse("9223372036854775807s") == nil)
    #expect(DurationText.parse("366d") == nil)
    #expect(DurationText.parse("8784h") == 8784 * 3600)
    #expect(DurationText.parse("8785h") == nil)
    #expect(!DurationText.clock(Int.min).isEmpty)  // no trap on the magnitude
  }

  @Test func rowsOutOfRangeAreUnreadableNotFolded() {
    let cases: [(String, String)] = [
      ("step-completed", #"{"step":-9223372036854775808}"#),
      ("why-added", #"{"chain":9223372036854775807,"why":"a","because":"b"}"#),
      ("cadence-changed", #"{"seconds":0}"#),
      ("followup-done", #"{"id":0}"#),
      ("role-assigned", #"{"role":"overlord","person":"x"}"#),
      ("logged", "{"),
    ]
    for (type, payload) in cases {
      guard case .unreadable = Event.stored(type: type, payload: payload) else {
        Issue.record("\(type) \(payload) was accepted")
        continue
      }
    }
    let late = EventEnvelope.stored(
      seq: 9, incident: "INC-1", atMilliseconds: .max, actor: "a", type: "mitigated",
      payload: "{}")
    guard case .unreadable(_, _, let reason) = late.event else {
      Issue.record("a time out of range was accepted")
      return
    }
    #expect(reason.contains("out of range"))
  }
}

/// The record can be corrected, and the correction is part of the record.
@Suite("Corrections to the log")
struct CorrectionTests {
  @Test func anEditKeepsTheEarlierTextAndAStrikeKeepsTheEntry() throws {
    var story = Story()
    try story.send(.log(.note, "db-2 is the primary"), by: "carol")
    try story.send(.log(.manualChange, "restarted db-3"), by: "dan")
    #expect(story.state.log.map(\.number) == [1, 2])
    story.advance(minutes: 2)
    try story.send(.editLog(1, "db-1 is the primary"), by: "carol")
    try story.send(.strikeLog(2, reason: "wrong host: nothing was restarted"), by: "alice")
    let state = story.state
    #expect(state.log[0].text == "db-1 is the primary")
    #expect(state.log[0].corrections.map(\.text) == ["db-2 is the primary"])
    #expect(state.log[1].struck?.text == "wrong host: nothing was restarted")
    #expect(state.manualChangeCount == 0)
    #expect(state.timeline.contains { $0.summary.hasPrefix("db-1 is the primary (edited ") })
    #expect(state.timeline.contains { $0.summary.hasPrefix("STRUCK (wrong host") })
    let markdown = PostMortem.markdown(state, now: story.now)
    #expect(markdown.contains("\"db-2 is the primary\" became \"db-1 is the primary\""))
    #expect(markdown.contains("Log #2 struck"))
    let json = try JSONText.encode(
      JSONExport(state: state, events: story.envelopes, now: story.now))
    #expect(json.contains("\"replacedBy\" : \"carol\""))
    #expect(json.contains("db-2 is the primary"))
  }

  @Test func correctionsAreRefusedWhereTheyCannotApply() throws {
    var story = Story()
    #expect(throws: Refusal.self) { try story.send(.editLog(1, "x")) }
    try story.send(.log(.note, "a"))
    #expect(throws: Refusal.self) { try story.send(.editLog(1, "a")) }
    #expect(throws: Refusal.self) { try story.send(.editLog(Int.max, "b")) }
    #expect(throws: Refusal.self) { try story.send(.editLog(Int.min, "b")) }
    try story.send(.strikeLog(1, reason: "dup"))
    #expect(throws: Refusal.self) { try story.send(.editLog(1, "b")) }
    #expect(throws: Refusal.self) { try story.send(.strikeLog(1, reason: "again")) }
  }
}

@Suite("Times people type")
struct TimeTextTests {
  let now = Date(timeIntervalSince1970: 1_798_000_000)  // 2026-12-23 04:26:40 UTC

  @Test func datesTimesAndOffsets() {
    #expect(
      TimeText.parse("2026-12-23 02:58", now: now) == Date(timeIntervalSince1970: 1_797_994_680))
    #expect(
      TimeText.parse("2026-12-23T02:58:30Z", now: now) == Date(timeIntervalSince1970: 1_797_994_710)
    )
    #expect(
      TimeText.parse("2026-12-23T03:58+01:00", now: now)
        == Date(timeIntervalSince1970: 1_797_994_680))
    // A time alone is the most recent such time: 05:00 said at 04:26 was yesterday.
    #expect(TimeText.parse("02:58", now: now) == Date(timeIntervalSince1970: 1_797_994_680))
    #expect(TimeText.parse("05:00", now: now) == Date(timeIntervalSince1970: 1_797_915_600))
    for bad in ["", "99:99", "2026-02-30 01:00", "0000-01-01 00:00", "02:58+25:00", "2:58", "x"] {
      #expect(TimeText.parse(bad, now: now) == nil, "\(bad)")
    }
  }
}

@Suite("Taking back one's own last change")
struct UndoTests {
  @Test func theLastChangeIsTakenBackAndBothStayInTheRecord() throws {
    var story = Story()
    try story.send(.completeStep(1), by: "bob")
    try story.send(.log(.note, "wrong incident"), by: "carol")
    try story.send(.undo(by: "bob", at: story.now), by: "bob")
    #expect(!story.state.isStepDone(0))
    #expect(story.state.timeline.contains { $0.summary.hasPrefix("Took back: Ticked step 1") })
    #expect(story.state.timeline.contains { $0.summary.contains("(undone ") })
    // Undo never redoes: bob has nothing left to take back.
    #expect(story.refusal(.undo(by: "bob", at: story.now))?.contains("no change") == true)
    try story.send(.undo(by: "carol", at: story.now), by: "carol")
    #expect(story.state.log[0].struck != nil)
  }

  @Test func oldChangesAndThingsThatWentOutAreCorrectedInstead() throws {
    var story = Story()
    try story.send(.postUpdate("investigating"), by: "bob")
    // Still queued (nothing delivered it): taking it back cancels it.
    try story.send(.undo(by: "bob", at: story.now), by: "bob")
    #expect(story.state.undone.count == 1)
    try story.send(.mitigate(), by: "alice")
    story.advance(minutes: 11)
    #expect(story.refusal(.undo(by: "alice", at: story.now))?.contains("older than 10m") == true)
  }
}

/// Escapes only where a character would shape the document there: the raw markdown of
/// a post-mortem reads as people typed it.
@Suite("Post-mortem markdown reads as typed")
struct MarkdownReadsAsTypedTests {
  @Test func ordinaryPunctuationIsLeftAlone() {
    for plain in [
      "~30% of checkouts", "a -> b", "x > y and y < 2", "AT&T", "5 * 3", "snake_case_name",
      "[MANUAL CHANGE] done", "see `kubectl get pods`", "a [b] c", "1.5x the load",
    ] {
      #expect(MarkdownText.text(plain) == plain, "\(plain)")
    }
  }

  @Test func whatWouldShapeTheDocumentIsEscaped() {
    #expect(MarkdownText.text("<b>x</b>") == "&lt;b>x&lt;/b>")
    #expect(MarkdownText.text("&amp; &#60;") == "&amp;amp; &amp;#60;")
    #expect(MarkdownText.text("[x](http://e.vil)") == "\\[x\\](http://e.vil)")
    #expect(MarkdownText.text("*bold* ~~gone~~") == "\\*bold\\* \\~\\~gone\\~\\~")
    #expect(MarkdownText.text("trailing\\") == "trailing\\\\")
    #expect(MarkdownText.cell("a|b") == "a\\|b")
    #expect(MarkdownText.text("a|b") == "a|b")
    for start in ["# h", "- l", "+ l", "> q", "[r]: http://x", "12. item", "3) item", "* l"] {
      let escaped = MarkdownText.paragraph(start)
      #expect(escaped != start && escaped.contains("\\"), "\(start) → \(escaped)")
    }
  }

  @Test func literalTextIsACodeSpanThatHoldsAnyBackticks() {
    #expect(MarkdownText.code("#inc-checkout") == "`#inc-checkout`")
    #expect(MarkdownText.code("a`b") == "``a`b``")
    #expect(MarkdownText.code("`x`") == "`` `x` ``")
    #expect(MarkdownText.code("a|b", cell: true) == "`a\\|b`")
    #expect(MarkdownText.code("") == "")
  }
}

extension MarkdownReadsAsTypedTests {
  /// A pasted trace keeps its lines and indentation in a fenced block no line of it can
  /// close, even one made of backticks.
  @Test func anEntryOfSeveralLinesIsAFencedBlock() throws {
    var story = Story(Declared(title: "x"))
    let trace = "Traceback:\n\tat Pool.acquire(Pool.java:12)\n```\n````\n<script>x</script>"
    try story.send(.log(.finding, trace), by: "carol")
    let markdown = PostMortem.markdown(story.state, now: story.now)
    let block = [
      "`````", "Traceback:", "        at Pool.acquire(Pool.java:12)", "```", "````",
      "<script>x</script>", "`````",
    ].joined(separator: "\n")
    #expect(markdown.contains("### Entries of several lines\n\nLog #1, "), "\(markdown)")
    #expect(markdown.contains(block), "\(markdown)")
    // Elsewhere (the timeline's cell) it is one inert line.
    #expect(markdown.contains("Traceback:↵"))
  }
}
