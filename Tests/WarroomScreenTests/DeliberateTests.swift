import Foundation
import Testing
import WarroomCore

@testable import WarroomScreen

/// Nothing that changes where the incident stands or reaches people happens without the
/// word: not from a pane key, not from the input line, not from a `:` command; and typed
/// text survives every question.
@Suite("Deliberate confirmation and typed text that survives")
struct DeliberateTests {
  var state = DashboardState(model: DashboardModel(me: "alice"), incident: Fixtures.busy().state)
  let now = Fixtures.start
  var ids = 0

  mutating func key(_ key: Key) -> [LoopEffect] {
    ids += 1
    return DashboardLoop.update(
      &state, .key(key, now: now, request: RequestID(rawValue: "r\(ids)")))
  }

  mutating func type(_ text: String) -> [LoopEffect] { text.flatMap { key(.character($0)) } }

  /// Sends of something that changes the incident or queues a message.
  static func consequential(_ effects: [LoopEffect]) -> [Submission] {
    effects.compactMap {
      guard case .send(let submission) = $0 else { return nil }
      switch submission.action {
      case .declare: return submission
      case .command(let command): return Deliberate.isNeeded(for: command) ? submission : nil
      }
    }
  }

  @Test mutating func everyPaneKeyFollowedByLettersAndEnterChangesNothing() {
    let keys = KeyTable.bindings.flatMap(\.keys)
    let views: [ViewMode] = [.lead, .recorder, .communicator]
    var tried = 0
    for view in views {
      let panes = [Focus.input] + Layout.focusablePanes(view).map { Focus.pane($0) }
      for focus in panes {
        for pressed in keys where pressed != .control("c") {
          for after in ["", "ok", "y", "ye", "no", "yess"] {
            state = DashboardState(
              model: DashboardModel(me: "alice", view: view), incident: Fixtures.busy().state)
            state.model.focus = focus
            var effects = key(pressed)
            effects += type(after)
            effects += key(.enter)
            effects += key(.enter)
            #expect(
              Self.consequential(effects).isEmpty,
              "\(view) \(focus) \(pressed) then \"\(after)\" Enter Enter: \(effects)")
            tried += 1
          }
        }
      }
    }
    #expect(tried > 500)
  }

  @Test mutating func theWordAndEnterCarryItOut() {
    state.model.focus = .pane(.checklist)
    _ = key(.character("y"))
    _ = type("yes")
    let sent = Self.consequential(key(.enter))
    #expect(sent.map(\.action) == [.command(.mitigate())])
  }

  @Test mutating func aWordThatMerelyStartsLikeItIsText() {
    state.model.focus = .pane(.checklist)
    _ = key(.character("y"))
    _ = type("yesterday")
    #expect(state.model.confirmation == nil)
    #expect(state.model.input.text == "yyesterday")
    #expect(Self.consequential(key(.enter)).isEmpty)
  }

  @Test mutating func aColonCommandThatChangesTheIncidentAsksForTheWord() {
    _ = type(":mitigate")
    #expect(key(.enter) == [.parse("mitigate")])
    let effects = DashboardLoop.update(
      &state, .parsed(.command(.mitigate()), now: now, request: RequestID(rawValue: "p")))
    #expect(Self.consequential(effects).isEmpty)
    #expect(effects == [.previewMessage(.mitigated, text: nil)])
    #expect(state.model.confirmation?.deliberate == true)
    _ = DashboardLoop.update(&state, .previewed(["→ slack: 🟡 Mitigated"]))
    #expect(state.model.confirmation?.previews == ["→ slack: 🟡 Mitigated"])
    _ = key(.escape)
    #expect(state.model.input.text == ":mitigate", "Esc puts the command back")
    _ = key(.enter)
    _ = DashboardLoop.update(
      &state, .parsed(.command(.mitigate()), now: now, request: RequestID(rawValue: "p2")))
    _ = type("yes")
    #expect(Self.consequential(key(.enter)).map(\.action) == [.command(.mitigate())])
  }

  @Test mutating func aColonLineThatDoesNotParseStaysWithTheError() {
    _ = type(":role asign communicator carl")
    #expect(key(.enter) == [.parse("role asign communicator carl")])
    #expect(state.model.input.isEmpty)
    _ = DashboardLoop.update(&state, .failed("unknown subcommand 'asign'"))
    #expect(state.model.input.text == ":role asign communicator carl")
    #expect(state.model.message?.text == "unknown subcommand 'asign'")
  }

  @Test mutating func twoColonsLogALineThatStartsWithOne() {
    _ = type(":: ( customers tweeting about checkout")
    #expect(!state.model.isCommandLine)
    let effects = key(.enter)
    guard case .send(let submission) = effects.first else {
      Issue.record("nothing sent: \(effects)")
      return
    }
    #expect(submission.action == .command(.log(.note, ": ( customers tweeting about checkout")))
  }
}
