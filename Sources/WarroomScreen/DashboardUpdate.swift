import Foundation
import WarroomCore

/// What the event loop must do after a key: the update function itself does no I/O.
public enum Effect: Equatable, Sendable {
  /// Run a command of the process against the incident.
  case write(Command)
  /// Declare a new P1 with this title.
  case declare(String)
  /// Run a `:` command line (the same verbs as the `warroom` command).
  case commandLine(String)
  case quit
}

/// Folds a key into the dashboard's view state, given the incident as it is now.
public enum DashboardUpdate {
  public static func update(_ model: inout DashboardModel, key: Key, state: IncidentState?)
    -> [Effect]
  {
    if model.showHelp {
      // Arrows and Space page through help; any other key closes it; Ctrl-C still quits.
      switch key {
      case .down, .pageDown, .character(" "), .right: model.helpPage += 1
      case .up, .pageUp, .left: model.helpPage = max(0, model.helpPage - 1)
      default:
        model.showHelp = false
        model.helpPage = 0
      }
      return key == .control("c") ? [.quit] : []
    }
    if let binding = KeyTable.binding(for: key, in: model) {
      return perform(binding.action, &model, state)
    }
    // Unbound printable keys always type: from a pane they move focus to the input line,
    // so nothing a person types at 3 a.m. is silently lost.
    if case .character(let character) = key {
      model.focus = .input
      model.input.insert(character)
      model.message = nil
    }
    return []
  }

  private static func perform(
    _ action: Action, _ model: inout DashboardModel, _ state: IncidentState?
  )
    -> [Effect]
  {
    let incident = state.flatMap { $0.isDeclared ? $0 : nil }
    switch action {
    case .quit:
      return [.quit]
    case .help:
      model.showHelp = true
    case .cancel:
      model.input.clear()
      model.inputKind = defaultKind(model.view)
      model.focus = .input
      model.message = nil
      model.logScroll = 0
    case .focusNext, .focusPrevious:
      let order: [Focus] = [.input] + Layout.focusablePanes(model.view).map { .pane($0) }
      let index = order.firstIndex(of: model.focus) ?? 0
      let step = action == .focusNext ? 1 : order.count - 1
      model.focus = order[(index + step) % order.count]
    case .commandLine:
      model.focus = .input
      model.input = LineEditor(":")
    case .submit:
      return submit(&model, incident)
    case .cycleKind:
      model.inputKind = model.inputKind.next
    case .deleteBackward: model.input.deleteBackward()
    case .deleteForward: model.input.deleteForward()
    case .deleteWord: model.input.deleteWord()
    case .clearLine: model.input.clear()
    case .cursorLeft: model.input.moveLeft()
    case .cursorRight: model.input.moveRight()
    case .cursorHome: model.input.moveHome()
    case .cursorEnd: model.input.moveEnd()
    case .selectUp, .selectDown, .pageUp, .pageDown:
      move(action, &model, incident)
    case .previousPage, .nextPage:
      let pages = LogPage.allCases
      let index = pages.firstIndex(of: model.logPage) ?? 0
      let step = action == .nextPage ? 1 : pages.count - 1
      model.logPage = pages[(index + step) % pages.count]
      model.logScroll = 0
      model.selection[.log] = 0
    case .toggleStep:
      guard let incident, incident.runbook.steps.indices.contains(model.selected(.checklist))
      else { break }
      let index = model.selected(.checklist)
      return [.write(incident.isStepDone(index) ? .undoStep(index + 1) : .completeStep(index + 1))]
    case .mitigate:
      return [.write(.mitigate)]
    case .resolve:
      // Green is gated; the refusal says what is missing. Forcing takes a reason: the :line.
      return [.write(.resolve(force: nil))]
    case .reopen:
      return [.write(.reopen(reason: nil))]
    case .takeRole:
      let role = Role.allCases[model.selected(.roles) % Role.allCases.count]
      return [.write(.assignRole(role, model.me))]
    case .assignRole:
      let role = Role.allCases[model.selected(.roles) % Role.allCases.count]
      prefill(&model, ":role assign \(role.rawValue) ")
    case .releaseRole:
      let role = Role.allCases[model.selected(.roles) % Role.allCases.count]
      let holders = incident?.roles.holders(of: role) ?? []
      if holders.count == 1 { return [.write(.releaseRole(role, holders[0]))] }
      prefill(&model, ":role release \(role.rawValue) ")
    case .composeUpdate:
      model.focus = .input
      model.inputKind = .update
    case .proposeExperiment:
      prefill(&model, ":experiment add \"\" --target ", cursorBack: 11)
    case .startExperiment, .concludeExperiment, .abandonExperiment:
      guard let incident else { break }
      let ordered = incident.experimentsForDisplay
      guard ordered.indices.contains(model.selected(.experiments)) else { break }
      let id = ordered[model.selected(.experiments)].id
      switch action {
      case .startExperiment: return [.write(.startExperiment(id))]
      case .abandonExperiment: return [.write(.abandonExperiment(id, reason: nil))]
      default: prefill(&model, ":experiment conclude \(id) --refuted \"\"", cursorBack: 1)
      }
    case .addWhy:
      prefill(&model, ":why \"\" \"\"", cursorBack: 4)
    case .addFollowup:
      prefill(&model, ":followup add \"\"", cursorBack: 1)
    case .closeFollowup:
      guard let incident else { break }
      let ordered = incident.followupsForDisplay
      guard ordered.indices.contains(model.selected(.log)) else { break }
      return [.write(.closeFollowup(ordered[model.selected(.log)].id))]
    }
    return []
  }

  private static func submit(_ model: inout DashboardModel, _ incident: IncidentState?) -> [Effect]
  {
    let text = model.input.text.trimmingCharacters(in: .whitespaces)
    guard !text.isEmpty else { return [] }
    defer {
      model.input.clear()
      model.inputKind = defaultKind(model.view)
      model.logScroll = 0
    }
    if model.isCommandLine { return [.commandLine(String(text.dropFirst()))] }
    guard incident != nil else { return [.declare(text)] }
    let (kind, body) = InputPrefix.split(text, default: model.inputKind)
    guard !body.isEmpty else { return [] }
    switch kind {
    case .update: return [.write(.postUpdate(body))]
    case .note: return [.write(.log(.note, body))]
    case .finding: return [.write(.log(.finding, body))]
    case .decision: return [.write(.log(.decision, body))]
    case .manualChange: return [.write(.log(.manualChange, body))]
    }
  }

  private static func move(
    _ action: Action, _ model: inout DashboardModel, _ incident: IncidentState?
  ) {
    let pane: PaneID
    if case .pane(let focused) = model.focus { pane = focused } else { pane = .log }
    let step: Int
    switch action {
    case .selectUp: step = -1
    case .selectDown: step = 1
    case .pageUp: step = -10
    default: step = 10
    }
    if pane == .log,
      model.logPage == .log || model.logPage == .timeline
        || model.logPage == .updates
    {
      // Scrolling runs back in time: up shows older entries.
      model.logScroll = max(0, model.logScroll - step)
      return
    }
    let count = itemCount(pane, model, incident)
    guard count > 0 else { return }
    model.selection[pane] = min(max(0, model.selected(pane) + step), count - 1)
  }

  private static func itemCount(_ pane: PaneID, _ model: DashboardModel, _ incident: IncidentState?)
    -> Int
  {
    guard let incident else { return 0 }
    switch pane {
    case .checklist: return incident.runbook.steps.count
    case .roles: return Role.allCases.count
    case .experiments: return incident.experiments.count
    case .countdown: return 0
    case .log:
      return model.logPage == .followups
        ? incident.followups.count : incident.whyChains.reduce(0) { $0 + $1.count }
    }
  }

  /// Puts a `:` command in the input line for the person to finish.
  private static func prefill(_ model: inout DashboardModel, _ text: String, cursorBack: Int = 0) {
    model.focus = .input
    model.input = LineEditor(text, cursor: text.count - cursorBack)
  }

  static func defaultKind(_ view: ViewMode) -> InputKind {
    view == .communicator ? .update : .note
  }
}

/// Prefixes that choose an entry's kind as it is typed: `mc: restarted db-1`.
public enum InputPrefix {
  static let prefixes: [(String, InputKind)] = [
    ("mc:", .manualChange), ("manual:", .manualChange), ("finding:", .finding),
    ("decision:", .decision), ("note:", .note), ("update:", .update),
  ]

  public static func split(_ text: String, default kind: InputKind) -> (InputKind, String) {
    let lower = text.lowercased()
    for (prefix, prefixKind) in prefixes where lower.hasPrefix(prefix) {
      return (prefixKind, String(text.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces))
    }
    return (kind, text)
  }
}

extension IncidentState {
  /// Experiments in the order the pane lists them: running, then proposed, then closed,
  /// newest first within each.
  public var experimentsForDisplay: [Experiment] {
    func rank(_ state: ExperimentState) -> Int {
      switch state {
      case .running: 0
      case .proposed: 1
      case .concluded, .abandoned: 2
      }
    }
    return experiments.sorted { (rank($0.state), -$0.id) < (rank($1.state), -$1.id) }
  }

  /// Follow-ups open first, then done, each in the order they were added.
  public var followupsForDisplay: [Followup] {
    followups.filter { $0.done == nil } + followups.filter { $0.done != nil }
  }
}
