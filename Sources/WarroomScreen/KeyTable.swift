/// What a key does. Every binding lives in `KeyTable.bindings`, with its help text: the
/// update function dispatches through it and the help screen and hint line are made from
/// it, so they cannot disagree.
public enum Action: Equatable, Sendable {
  case quit, help, cancel, focusNext, focusPrevious, commandLine
  case submit, cycleKind, deleteBackward, deleteForward, deleteWord, clearLine, killToEnd, yank
  case cursorLeft, cursorRight, cursorHome, cursorEnd, wordLeft, wordRight
  case selectUp, selectDown, pageUp, pageDown, previousPage, nextPage
  case historyPrevious, historyNext
  case toggleStep, mitigate, resolve, reopen
  case assignRole, takeRole, releaseRole
  case proposeExperiment, startExperiment, concludeExperiment, abandonExperiment
  case composeUpdate
  case addWhy, addFollowup, closeFollowup
  case openEntry, editEntry, strikeEntry
  case previousIncident, nextIncident
  case undo
  case resendDelivery, confirmDelivery

  /// Whether the action changes the incident, or may: a pane key bound to one asks first.
  public var changesIncident: Bool {
    switch self {
    case .toggleStep, .mitigate, .resolve, .reopen, .assignRole, .takeRole, .releaseRole,
      .startExperiment, .concludeExperiment, .abandonExperiment, .closeFollowup, .editEntry,
      .strikeEntry, .undo, .resendDelivery, .confirmDelivery:
      true
    default: false
    }
  }
}

/// Where a binding applies.
public enum Scope: Equatable, Sendable {
  /// Anywhere.
  case global
  /// While the input line has focus: every printable key is text there.
  case input
  /// While any pane has focus.
  case panes
  /// While this pane has focus.
  case pane(PaneID)
  /// While the log pane shows this page.
  case page(LogPage)
}

public struct KeyBinding: Sendable {
  public var keys: [Key]
  public var scope: Scope
  public var action: Action
  public var help: String
  /// Shown in the one-line hint at the bottom of the screen.
  public var hint: String?
}

public enum KeyTable {
  public static let bindings: [KeyBinding] = [
    // Anywhere
    KeyBinding(
      keys: [.control("c")], scope: .global, action: .quit,
      help: "quit: twice on an empty line (never while text is typed or entries wait); :quit",
      hint: "^C quit"),
    KeyBinding(
      keys: [.function(1)], scope: .global, action: .help, help: "this help", hint: "F1 help"),
    KeyBinding(
      keys: [.tab], scope: .global, action: .focusNext, help: "focus the next pane",
      hint: "Tab panes"),
    KeyBinding(
      keys: [.backTab], scope: .global, action: .focusPrevious, help: "focus the previous pane"),
    KeyBinding(
      keys: [.control("z")], scope: .global, action: .undo,
      help: "take back your own last change (within 10 minutes; type yes to confirm)",
      hint: "^Z undo"),
    KeyBinding(
      keys: [.escape], scope: .global, action: .cancel,
      help: "back to the input line and the newest entries (what is typed stays)"),
    // The input line
    KeyBinding(
      keys: [.enter], scope: .input, action: .submit,
      help: "send: log the entry, post the update, or run the :command", hint: "Enter send"),
    KeyBinding(
      keys: [.control("t")], scope: .input, action: .cycleKind,
      help: "entry kind: note, finding, decision, manual change, stakeholder update",
      hint: "^T kind"),
    KeyBinding(keys: [.backspace], scope: .input, action: .deleteBackward, help: "delete left"),
    KeyBinding(keys: [.delete], scope: .input, action: .deleteForward, help: "delete right"),
    KeyBinding(keys: [.control("w")], scope: .input, action: .deleteWord, help: "delete a word"),
    KeyBinding(
      keys: [.control("u")], scope: .input, action: .clearLine,
      help: "clear the line (Ctrl-Y brings it back)"),
    KeyBinding(
      keys: [.control("k")], scope: .input, action: .killToEnd, help: "delete to the end"),
    KeyBinding(
      keys: [.control("y")], scope: .input, action: .yank, help: "put back what was deleted"),
    KeyBinding(keys: [.left], scope: .input, action: .cursorLeft, help: "cursor left"),
    KeyBinding(keys: [.right], scope: .input, action: .cursorRight, help: "cursor right"),
    KeyBinding(
      keys: [.altLeft, .alt("b")], scope: .input, action: .wordLeft, help: "a word left"),
    KeyBinding(
      keys: [.altRight, .alt("f")], scope: .input, action: .wordRight, help: "a word right"),
    KeyBinding(
      keys: [.home, .control("a")], scope: .input, action: .cursorHome, help: "line start"),
    KeyBinding(keys: [.end, .control("e")], scope: .input, action: .cursorEnd, help: "line end"),
    KeyBinding(
      keys: [.up], scope: .input, action: .historyPrevious,
      help: "an earlier line of this session, sent or cleared"),
    KeyBinding(
      keys: [.down], scope: .input, action: .historyNext,
      help: "a later line (past the newest: what you were typing)"),
    KeyBinding(keys: [.pageUp], scope: .input, action: .pageUp, help: "page the log up"),
    KeyBinding(keys: [.pageDown], scope: .input, action: .pageDown, help: "page the log down"),
    // Any pane. Other letters typed here go to the input line as text.
    KeyBinding(
      keys: [.character("?")], scope: .panes, action: .help, help: "this help", hint: "? help"),
    KeyBinding(
      keys: [.character(":")], scope: .panes, action: .commandLine,
      help: "command line: any warroom command, e.g. :role assign lead ann; :incident ID"),
    KeyBinding(
      keys: [.character("[")], scope: .panes, action: .previousIncident,
      help: "the previous open incident"),
    KeyBinding(
      keys: [.character("]")], scope: .panes, action: .nextIncident,
      help: "the next open incident (a new declaration says so under the header)"),
    // Checklist
    KeyBinding(
      keys: [.up], scope: .pane(.checklist), action: .selectUp, help: "previous step"),
    KeyBinding(keys: [.down], scope: .pane(.checklist), action: .selectDown, help: "next step"),
    KeyBinding(
      keys: [.character(" "), .enter], scope: .pane(.checklist), action: .toggleStep,
      help: "tick or untick the step", hint: "Space tick"),
    KeyBinding(
      keys: [.character("y")], scope: .pane(.checklist), action: .mitigate,
      help: "announce mitigated (yellow)", hint: "y yellow"),
    KeyBinding(
      keys: [.character("g")], scope: .pane(.checklist), action: .resolve,
      help: "announce resolved (green)", hint: "g green"),
    KeyBinding(
      keys: [.character("o")], scope: .pane(.checklist), action: .reopen,
      help: "reopen (back to red)"),
    // Roles
    KeyBinding(keys: [.up], scope: .pane(.roles), action: .selectUp, help: "previous role"),
    KeyBinding(keys: [.down], scope: .pane(.roles), action: .selectDown, help: "next role"),
    KeyBinding(
      keys: [.character("m")], scope: .pane(.roles), action: .takeRole,
      help: "take the role myself", hint: "m take"),
    KeyBinding(
      keys: [.character("a"), .enter], scope: .pane(.roles), action: .assignRole,
      help: "assign the role to someone (type the name)", hint: "a assign"),
    KeyBinding(
      keys: [.character("r")], scope: .pane(.roles), action: .releaseRole,
      help: "release the role", hint: "r release"),
    // Countdown
    KeyBinding(
      keys: [.character("u"), .enter], scope: .pane(.countdown), action: .composeUpdate,
      help: "write a stakeholder update", hint: "u update"),
    // Experiments
    KeyBinding(
      keys: [.up], scope: .pane(.experiments), action: .selectUp, help: "previous experiment"),
    KeyBinding(
      keys: [.down], scope: .pane(.experiments), action: .selectDown, help: "next experiment"),
    KeyBinding(
      keys: [.character("n")], scope: .pane(.experiments), action: .proposeExperiment,
      help: "propose an experiment", hint: "n new"),
    KeyBinding(
      keys: [.character("s")], scope: .pane(.experiments), action: .startExperiment,
      help: "start the experiment", hint: "s start"),
    KeyBinding(
      keys: [.character("c")], scope: .pane(.experiments), action: .concludeExperiment,
      help: "conclude it with a result", hint: "c conclude"),
    KeyBinding(
      keys: [.character("x")], scope: .pane(.experiments), action: .abandonExperiment,
      help: "abandon it", hint: "x abandon"),
    // Log pages
    KeyBinding(
      keys: [.up], scope: .pane(.log), action: .selectUp, help: "scroll up / previous item"),
    KeyBinding(
      keys: [.down], scope: .pane(.log), action: .selectDown, help: "scroll down / next item"),
    KeyBinding(keys: [.pageUp], scope: .pane(.log), action: .pageUp, help: "page up"),
    KeyBinding(keys: [.pageDown], scope: .pane(.log), action: .pageDown, help: "page down"),
    KeyBinding(
      keys: [.left], scope: .pane(.log), action: .previousPage,
      help: "previous page: log, timeline, whys, follow-ups, updates, recovery, alerts",
      hint: "←→ pages"),
    KeyBinding(keys: [.right], scope: .pane(.log), action: .nextPage, help: "next page"),
    KeyBinding(
      keys: [.enter], scope: .page(.log), action: .openEntry,
      help: "read the selected entry whole", hint: "Enter read"),
    KeyBinding(
      keys: [.character("e")], scope: .page(.log), action: .editEntry,
      help: "correct the selected entry (it goes on the input line)", hint: "e edit"),
    KeyBinding(
      keys: [.character("x")], scope: .page(.log), action: .strikeEntry,
      help: "strike the selected entry, saying why", hint: "x strike"),
    KeyBinding(
      keys: [.character("r")], scope: .page(.updates), action: .resendDelivery,
      help: "send the selected message again where it failed or may not have arrived",
      hint: "r resend"),
    KeyBinding(
      keys: [.character("c")], scope: .page(.updates), action: .confirmDelivery,
      help: "settle the selected message where it may have been sent: you saw it arrive",
      hint: "c it arrived"),
    KeyBinding(
      keys: [.character("n")], scope: .page(.whys), action: .addWhy, help: "add a why",
      hint: "n add"),
    KeyBinding(
      keys: [.character("n")], scope: .page(.followups), action: .addFollowup,
      help: "add a follow-up", hint: "n add"),
    KeyBinding(
      keys: [.character("d")], scope: .page(.followups), action: .closeFollowup,
      help: "close the follow-up", hint: "d done"),
  ]

  /// The scopes active now, most specific first.
  static func scopes(_ model: DashboardModel) -> [Scope] {
    switch model.focus {
    case .input:
      return [.input, .global]
    case .pane(let pane):
      let page: [Scope] = pane == .log ? [.page(model.logPage)] : []
      return page + [.pane(pane), .panes, .global]
    }
  }

  /// The binding a key has now, if any.
  public static func binding(for key: Key, in model: DashboardModel) -> KeyBinding? {
    for scope in scopes(model) {
      if let binding = bindings.first(where: { $0.scope == scope && $0.keys.contains(key) }) {
        return binding
      }
    }
    return nil
  }

  /// The hints for where the person is now, most specific first.
  public static func hints(for model: DashboardModel) -> [String] {
    var seen = Set<String>()
    var result: [String] = []
    for scope in scopes(model) {
      for binding in bindings where binding.scope == scope {
        if let hint = binding.hint, seen.insert(hint).inserted { result.append(hint) }
      }
    }
    return result
  }

  /// The help screen's sections, in table order.
  public static var helpSections: [(title: String, lines: [(keys: String, help: String)])] {
    var sections: [(String, [(String, String)])] = []
    func title(_ scope: Scope) -> String {
      switch scope {
      case .global: "Anywhere"
      case .input: "Typing in the input line (every other key is text, q and ? included)"
      case .panes: "Any pane focused (other letters type into the input line)"
      case .pane(let pane): "\(pane.title) pane"
      case .page(let page): "Log pane, \(page.title) page"
      }
    }
    for binding in bindings {
      let name = title(binding.scope)
      let line = (binding.keys.map(\.label).joined(separator: " "), binding.help)
      if let index = sections.firstIndex(where: { $0.0 == name }) {
        sections[index].1.append(line)
      } else {
        sections.append((name, [line]))
      }
    }
    return sections.map { (title: $0.0, lines: $0.1.map { (keys: $0.0, help: $0.1) }) }
  }

  /// The key table as markdown, one table a section: the README carries exactly this
  /// (a test checks), so the README, the help screen and the loop cannot disagree.
  public static var markdown: String {
    helpSections.map { section in
      "**\(section.title)**\n\n| keys | what they do |\n|---|---|\n"
        + section.lines.map {
          "| \($0.keys) | \($0.help.replacingOccurrences(of: "|", with: "\\|")) |"
        }
        .joined(separator: "\n")
    }.joined(separator: "\n\n")
  }
}
