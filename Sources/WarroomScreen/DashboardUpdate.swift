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
  /// Show another incident: by its id, or the next (+1) or previous (-1) open one.
  case showIncident(IncidentID)
  case cycleIncident(Int)
  /// Take back this person's last change (the clock, which the rules need, is the loop's).
  case undoLast
  /// Write what a deliberate confirmation was about.
  case submit(Submission.Action)
  /// Render the stakeholder message a confirmation is about, as each destination would
  /// receive it (answered into the confirmation's previews).
  case preview(MessageType, text: String?)
  case quit
}

/// What reaches the dashboard besides keys: news from the store that the view state
/// answers to.
public enum StoreNews: Equatable, Sendable {
  /// Another incident was declared while this dashboard shows one.
  case declared(IncidentID, title: String, by: String)
  /// The dashboard now shows this incident, for this reason.
  case switched(to: IncidentID, reason: String)
}

/// Folds a key into the dashboard's view state, given the incident as it is now.
///
/// Typing is always safe: in the input line every printable key is text; a key in a
/// focused pane that would change the incident asks first on the hint line; a paste is
/// text; quitting with something typed or waiting asks first.
public enum DashboardUpdate {
  /// - Parameter queued: entries waiting to be sent (offline), which a quit would drop.
  public static func update(
    _ model: inout DashboardModel, key: Key, state: IncidentState?, queued: Int = 0,
    now: Date? = nil
  ) -> [Effect] {
    if key != .control("c") { model.quitArmedAt = nil }
    return handle(&model, key: key, state: state, queued: queued, now: now)
  }

  private static func handle(
    _ model: inout DashboardModel, key: Key, state: IncidentState?, queued: Int, now: Date?
  ) -> [Effect] {
    if model.showHelp {
      // Arrows and Space page through help; any other key closes it; Ctrl-C still quits.
      switch key {
      case .down, .pageDown, .character(" "), .right: model.helpPage += 1
      case .up, .pageUp, .left: model.helpPage = max(0, model.helpPage - 1)
      default:
        model.showHelp = false
        model.helpPage = 0
      }
      return key == .control("c") ? quit(&model, queued: queued, now: now) : []
    }
    if model.openEntry != nil {
      // Any key closes the entry being read; Ctrl-C still quits.
      model.openEntry = nil
      return key == .control("c") ? quit(&model, queued: queued, now: now) : []
    }
    if let confirmation = model.confirmation {
      return answer(confirmation, key: key, &model, state, queued: queued)
    }
    // Ctrl-C is answered with the clock: a second one quits only within a few seconds.
    if key == .control("c") { return quit(&model, queued: queued, now: now) }
    if case .paste(let text) = key {
      paste(text, &model, state)
      return []
    }
    if let binding = KeyTable.binding(for: key, in: model) {
      // Yellow while a probe says otherwise needs a reason the message will carry: the
      // key puts the command on the line to be completed, and it is confirmed from there.
      if binding.action == .mitigate, let doubting = state?.probesNotPassing, !doubting.isEmpty {
        let names = doubting.map(\.spec.name).joined(separator: ", ")
        prefill(&model, ":mitigate --reason \"\"", cursorBack: 1)
        if model.isCommandLine {
          model.message = Message(
            "probe \(names) does not pass yet: say why it is mitigated anyway (stakeholders read it)"
          )
        }
        return []
      }
      // What changes where the incident stands or reaches people is confirmed on purpose:
      // typing the word, then Enter.
      if Deliberate.isNeeded(for: binding.action) {
        let command = Deliberate.command(for: binding.action, model, state)
        let action = command.map { Submission.Action.command($0) }
        model.confirmation = Confirmation(
          subject: .action(binding.action),
          prompt: Deliberate.prompt(typed: "", remind: false), trigger: key.typedCharacter,
          deliberate: true,
          details: action.map { Deliberate.details(of: $0, in: state) }
            ?? [prompt(for: binding.action, model, state, withKeys: false)])
        model.message = nil
        if let action, let (type, text) = Deliberate.message(of: action) {
          return [.preview(type, text: text)]
        }
        return []
      }
      // A key that changes the incident asks first, wherever it is pressed; so does a
      // letter bound in a pane, which may just be the first letter of a sentence.
      let inPane = model.focus != .input
      if binding.action.changesIncident
        || (inPane && binding.scope != .panes && key.typedCharacter != nil)
      {
        model.confirmation = Confirmation(
          subject: .action(binding.action),
          prompt: prompt(for: binding.action, model, state), trigger: key.typedCharacter)
        model.message = nil
        return []
      }
      return perform(binding.action, &model, state, queued: queued)
    }
    // Esc and a letter in quick succession read as Alt with the letter: where that means
    // nothing, it is Esc, then the letter typed.
    if case .alt(let character) = key {
      _ = perform(.cancel, &model, state, queued: queued)
      model.input.insert(character)
      return []
    }
    // Unbound printable keys always type: from a pane they move focus to the input line,
    // so nothing a person types at 3 a.m. is silently lost.
    if let character = key.typedCharacter {
      model.focus = .input
      model.input.insert(character)
      model.message = nil
    }
    return []
  }

  /// Folds news from the store into the view state: a new declaration is announced under
  /// the header, or followed at once when this dashboard's incident is resolved.
  public static func receive(
    _ news: StoreNews, _ model: inout DashboardModel, state: IncidentState?
  )
    -> [Effect]
  {
    switch news {
    case .declared(let id, let title, let by):
      if model.followsLive, state == nil || state?.status == .resolved {
        return [.showIncident(id)]
      }
      model.notice = SafeText.inert(
        "⚑ \(id) declared by \(SafeText.name(by)): \(title) — ] from a pane, or :incident \(id), to switch"
      )
    case .switched(let id, let reason):
      model.notice = SafeText.inert("⚑ now on \(id): \(reason)")
      // What was said about the other incident must not read as this one's.
      model.message = nil
      model.logScroll = 0
      model.selection = [:]
      model.openEntry = nil
      model.confirmation = nil
    }
    return []
  }

  /// Opens the deliberate confirmation of something typed: it is written only once the
  /// person types the word; Esc puts the text back in the input line.
  static func confirm(
    _ action: Submission.Action, restore: String, _ model: inout DashboardModel,
    _ state: IncidentState?
  ) -> [Effect] {
    model.confirmation = Confirmation(
      subject: .submission(action), prompt: Deliberate.prompt(typed: "", remind: false),
      deliberate: true, details: Deliberate.details(of: action, in: state), restore: restore)
    model.message = nil
    if let (type, text) = Deliberate.message(of: action) { return [.preview(type, text: text)] }
    return []
  }

  /// The answer to a deliberate confirmation: only the word and Enter carry it out.
  private static func answerDeliberately(
    _ confirmation: Confirmation, key: Key, _ model: inout DashboardModel,
    _ state: IncidentState?, queued: Int
  ) -> [Effect] {
    var confirmation = confirmation
    switch key {
    case .enter:
      guard confirmation.typed.lowercased() == Deliberate.word else {
        // A lone Enter never confirms, and does not silently cancel either.
        confirmation.prompt = Deliberate.prompt(typed: confirmation.typed, remind: true)
        model.confirmation = confirmation
        return []
      }
      model.confirmation = nil
      switch confirmation.subject {
      case .action(let action): return perform(action, &model, state, queued: queued)
      case .submission(let action): return [.submit(action)]
      case .pastedLines: return []
      }
    case .escape:
      model.confirmation = nil
      model.message = Message("cancelled: nothing was written")
      model.focus = .input
      if let restore = confirmation.restore, model.input.isEmpty {
        model.input = LineEditor(restore)
      }
      return []
    case .backspace where !confirmation.typed.isEmpty:
      confirmation.typed.removeLast()
      confirmation.prompt = Deliberate.prompt(typed: confirmation.typed, remind: false)
      model.confirmation = confirmation
      return []
    case .control("c"):
      model.confirmation = nil
      return quit(&model, queued: queued, now: nil)
    default:
      if let character = key.typedCharacter,
        Deliberate.word.hasPrefix((confirmation.typed + String(character)).lowercased())
      {
        confirmation.typed.append(character)
        confirmation.prompt = Deliberate.prompt(typed: confirmation.typed, remind: false)
        model.confirmation = confirmation
        return []
      }
      // Not the word: the person was typing. Nothing is carried out; what they typed goes
      // back to the input line (with the text it held) and the key is handled as usual.
      model.confirmation = nil
      model.focus = .input
      if let restore = confirmation.restore, model.input.isEmpty {
        model.input = LineEditor(restore)
      }
      if let trigger = confirmation.trigger { model.input.insert(trigger) }
      for character in confirmation.typed { model.input.insert(character) }
      if key == .backspace, confirmation.trigger != nil, confirmation.typed.isEmpty {
        model.input.deleteBackward()
        return []
      }
      return update(&model, key: key, state: state, queued: queued)
    }
  }

  /// The answer to a question on the hint line.
  private static func answer(
    _ confirmation: Confirmation, key: Key, _ model: inout DashboardModel,
    _ state: IncidentState?, queued: Int
  ) -> [Effect] {
    if confirmation.deliberate {
      return answerDeliberately(confirmation, key: key, &model, state, queued: queued)
    }
    model.confirmation = nil
    switch (key, confirmation.subject) {
    case (.enter, .action(let action)):
      return perform(action, &model, state, queued: queued)
    case (.control("s"), .pastedLines(let lines)):
      // The explicit choice: each line its own entry (the line held them as one).
      model.input.reset()
      model.message = Message("sending \(lines.count) entries")
      return lines.compactMap { entryEffect($0, kind: model.inputKind) }
    case (.escape, .pastedLines):
      model.focus = .input
    case (.escape, .action):
      model.focus = .input
      model.message = nil
    case (.control("c"), _):
      return quit(&model, queued: queued, now: nil)
    case (.enter, .submission(let action)):
      return [.submit(action)]
    default:
      // Not an answer: the person was typing. The key that asked goes back as text (or,
      // for a Backspace right after it, is gone as typed-and-erased).
      if confirmation.trigger != nil, key == .backspace {
        model.focus = .input
        return []
      }
      if let trigger = confirmation.trigger, key.typedCharacter != nil {
        model.focus = .input
        model.input.insert(trigger)
      }
      return update(&model, key: key, state: state, queued: queued)
    }
    return []
  }

  /// A paste is text, and a paste of several lines (a stack trace) is one entry: it goes on
  /// the input line with its line breaks and indentation (tabs expanded; control
  /// characters inert), for Enter to send whole. Sending each line as its own entry is the
  /// explicit choice, offered once on the hint line.
  private static func paste(_ text: String, _ model: inout DashboardModel, _ state: IncidentState?)
  {
    model.focus = .input
    model.message = nil
    var lines = SafeText.inertKeepingLines(text).split(
      separator: "\n", omittingEmptySubsequences: false
    )
    .map(String.init)
    while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty {
      lines.removeLast()
    }
    while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty {
      lines.removeFirst()
    }
    model.input.insert(lines.joined(separator: "\n"))
    let entries = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    guard entries.count > 1, state?.isDeclared == true, !model.isCommandLine else { return }
    model.confirmation = Confirmation(
      subject: .pastedLines(entries),
      prompt: "\(lines.count) lines pasted as one entry: Enter sends it whole · "
        + "Ctrl-S sends the \(entries.count) lines as separate entries · typing edits it")
  }

  /// How soon a second Ctrl-C must follow the first to quit.
  static let quitWithin: TimeInterval = 3

  /// Ctrl-C. It never quits while text is on the line or entries wait to be sent (it says
  /// how); on an empty line it asks once, and a second within a few seconds quits. A lead
  /// who presses it by accident stays in the war room.
  private static func quit(_ model: inout DashboardModel, queued: Int, now: Date?) -> [Effect] {
    if !model.input.isEmpty {
      model.quitArmedAt = nil
      model.message = Message(
        "text on the line: send it, or clear it with Ctrl-U (Ctrl-Y brings it back), to quit",
        isError: true)
      return []
    }
    if queued > 0 {
      model.quitArmedAt = nil
      model.message = Message(
        "\(queued) entr\(queued == 1 ? "y waits" : "ies wait") to be sent: :quit quits anyway "
          + "and prints \(queued == 1 ? "it" : "them")", isError: true)
      return []
    }
    if let armed = model.quitArmedAt, now.map({ $0.timeIntervalSince(armed) <= quitWithin }) ?? true
    {
      return [.quit]
    }
    model.quitArmedAt = now ?? .distantPast
    model.message = Message("Ctrl-C again to quit the war room (Esc stays)")
    return []
  }

  /// `:quit`, typed on purpose: quits, printing entries that wait, once asked about them.
  private static func quitCommand(_ model: inout DashboardModel, queued: Int) -> [Effect] {
    guard queued > 0, !model.quitArmed else { return [.quit] }
    model.quitArmed = true
    model.message = Message(
      ":quit again to quit: \(queued) entr\(queued == 1 ? "y waits" : "ies wait") to be sent "
        + "(printed on exit)", isError: true)
    return []
  }

  /// Up and Down on the input line: earlier lines of this session, sent or cleared.
  private static func recall(_ step: Int, _ model: inout DashboardModel) {
    guard !model.history.isEmpty else { return }
    if model.historyIndex == nil {
      guard step < 0 else { return }
      model.historyDraft = model.input.text
      model.historyIndex = model.history.count
    }
    let index = (model.historyIndex ?? model.history.count) + step
    if index >= model.history.count {
      model.historyIndex = nil
      model.input = LineEditor(model.historyDraft)
      return
    }
    model.historyIndex = max(0, index)
    model.input = LineEditor(model.history[max(0, index)])
  }

  /// Keeps a line of this session for Up to bring back.
  static func remember(_ text: String, _ model: inout DashboardModel) {
    let line = text.trimmingCharacters(in: .whitespaces)
    guard !line.isEmpty else { return }
    if model.history.last != line { model.history.append(line) }
    if model.history.count > 200 { model.history.removeFirst(model.history.count - 200) }
    model.historyIndex = nil
  }

  /// The question a pane key asks before it acts.
  static func prompt(
    for action: Action, _ model: DashboardModel, _ state: IncidentState?, withKeys: Bool = true
  ) -> String {
    let id = state?.id.rawValue ?? "the incident"
    let role = Role.allCases[model.selected(.roles) % Role.allCases.count]
    let experiment = state?.experimentsForDisplay.dropFirst(model.selected(.experiments)).first
    let question: String
    switch action {
    case .toggleStep:
      let index = model.selected(.checklist)
      let title =
        state?.runbook.steps.indices.contains(index) == true
        ? state!.runbook.steps[index].title : "?"
      let verb = state?.isStepDone(index) == true ? "Untick" : "Tick"
      question = "\(verb) step \(index + 1) (\(title))?"
    case .mitigate: question = "Announce \(id) mitigated (yellow)?"
    case .resolve:
      let open =
        state.map { incident in
          incident.runbook.steps.indices.filter { !incident.isStepDone($0) }
            .filter { $0 < incident.runbook.steps.count - 1 }.map { String($0 + 1) }
        } ?? []
      question =
        "Announce \(id) resolved (green)?"
        + (open.isEmpty ? "" : " Steps still open: \(open.joined(separator: ", ")).")
    case .reopen: question = "Reopen \(id)?"
    case .takeRole: question = "Take the \(role.title) role yourself?"
    case .assignRole: question = "Assign the \(role.title) role? (you type the name)"
    case .releaseRole:
      let holders = state?.roles.holders(of: role) ?? []
      question =
        "Release \(role.title)\(holders.isEmpty ? "" : " (" + holders.joined(separator: ", ") + ")")?"
    case .startExperiment: question = "Start experiment #\(experiment?.id ?? 0)?"
    case .concludeExperiment:
      question = "Conclude experiment #\(experiment?.id ?? 0)? (you type the result)"
    case .abandonExperiment: question = "Abandon experiment #\(experiment?.id ?? 0)?"
    case .closeFollowup:
      let followup = state?.followupsForDisplay.dropFirst(model.selected(.log)).first
      question = "Close follow-up #\(followup?.id ?? 0)?"
    case .composeUpdate: question = "Write a stakeholder update?"
    case .proposeExperiment: question = "Propose an experiment?"
    case .editEntry, .strikeEntry:
      let entry = state.flatMap { selectedEntry(model, $0) }
      let verb = action == .editEntry ? "Correct" : "Strike"
      question =
        "\(verb) log #\(entry?.number ?? 0)? (you type the \(action == .editEntry ? "text" : "reason"))"
    case .undo:
      let last = state.flatMap { state in
        Rules.lastChange(by: model.me, in: state).flatMap { change in
          state.timeline.line(of: change.seq)?.summary
        }
      }
      question = last.map { "Take back your last change: \($0)?" } ?? "Take back your last change?"
    case .resendDelivery:
      let message = state.flatMap { selectedMessage(model, $0) }
      question =
        "Send #\(message?.seq ?? 0) (\(message?.type.rawValue ?? "?")) again where it failed?"
    case .confirmDelivery:
      let message = state.flatMap { selectedMessage(model, $0) }
      question =
        "You saw #\(message?.seq ?? 0) (\(message?.type.rawValue ?? "?")) arrive where it may have been sent?"
    case .addWhy: question = "Add a why?"
    case .addFollowup: question = "Add a follow-up?"
    default: question = "Go on?"
    }
    return SafeText.inert(question)
      + (withKeys ? "  Enter confirm · Esc cancel · typing types" : "")
  }

  private static func perform(
    _ action: Action, _ model: inout DashboardModel, _ state: IncidentState?, queued: Int
  )
    -> [Effect]
  {
    let incident = state.flatMap { $0.isDeclared ? $0 : nil }
    switch action {
    case .quit:
      return quit(&model, queued: queued, now: nil)
    case .help:
      model.showHelp = true
    case .cancel:
      // Back to typing and to the newest entries; what is typed stays (Ctrl-U clears).
      model.quitArmed = false
      model.notice = nil
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
      if model.input.isEmpty { model.input = LineEditor(":") }
    case .submit:
      return submit(&model, incident, queued: queued)
    case .cycleKind:
      model.inputKind = model.inputKind.next
    case .deleteBackward: model.input.deleteBackward()
    case .deleteForward: model.input.deleteForward()
    case .deleteWord: model.input.deleteWord()
    case .clearLine:
      remember(model.input.text, &model)
      model.input.clear()
    case .historyPrevious: recall(-1, &model)
    case .historyNext: recall(1, &model)
    case .killToEnd: model.input.killToEnd()
    case .yank: model.input.yank()
    case .wordLeft: model.input.moveWordLeft()
    case .wordRight: model.input.moveWordRight()
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
      return [.write(.mitigate())]
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
    case .undo: return [.undoLast]
    case .previousIncident: return [.cycleIncident(-1)]
    case .nextIncident: return [.cycleIncident(1)]
    case .openEntry:
      guard let incident, let entry = selectedEntry(model, incident) else { break }
      model.openEntry = entry.number
    case .editEntry:
      guard let incident, let entry = selectedEntry(model, incident) else { break }
      prefill(&model, ":log edit \(entry.number) \"\(Self.quoted(entry.text))\"", cursorBack: 1)
    case .strikeEntry:
      guard let incident, let entry = selectedEntry(model, incident) else { break }
      prefill(&model, ":log strike \(entry.number) \"\"", cursorBack: 1)
    case .resendDelivery:
      guard let incident, let message = selectedMessage(model, incident) else { break }
      let again = incident.deliveries(of: message.seq).filter {
        switch $0.phase {
        case .failed, .uncertain, .retrying: true
        default: false
        }
      }
      guard !again.isEmpty else {
        model.message = Message("#\(message.seq) has nothing to send again")
        break
      }
      return again.map { .write(.resendDelivery($0.id)) }
    case .confirmDelivery:
      guard let incident, let message = selectedMessage(model, incident) else { break }
      let settle = incident.deliveries(of: message.seq).filter {
        switch $0.phase {
        case .uncertain, .failed: true
        default: false
        }
      }
      guard !settle.isEmpty else {
        model.message = Message("#\(message.seq) has nothing that may have been sent")
        break
      }
      return settle.map { .write(.confirmDelivery($0.id)) }
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

  private static func submit(
    _ model: inout DashboardModel, _ incident: IncidentState?, queued: Int
  ) -> [Effect] {
    let text = model.input.text.trimmingCharacters(in: .whitespaces)
    guard !text.isEmpty else { return [] }
    let command = text.dropFirst().trimmingCharacters(in: .whitespaces)
    if model.isCommandLine, ["quit", "q", "exit"].contains(command) {
      model.input.reset()
      return quitCommand(&model, queued: queued)
    }
    remember(text, &model)
    if model.isCommandLine, command.hasPrefix("incident ") {
      let target = command.dropFirst("incident ".count).trimmingCharacters(in: .whitespaces)
      guard let id = IncidentID(parsing: target) else {
        model.message = Message("which incident? :incident INC-2", isError: true)
        return []
      }
      model.input.reset()
      return [.showIncident(id)]
    }
    let kind = model.inputKind
    defer {
      model.input.reset()
      model.inputKind = defaultKind(model.view)
      model.logScroll = 0
      model.quitArmed = false
    }
    if model.isCommandLine {
      // Kept until it parses: a line that does not is put back with the error.
      model.pendingCommandLine = text
      return [.commandLine(String(text.dropFirst()))]
    }
    // `::` is the escape for a line of text that starts with a colon.
    let entry = text.hasPrefix("::") ? String(text.dropFirst()) : text
    guard incident != nil else {
      return confirm(.declare(Declared(title: entry)), restore: text, &model, incident)
    }
    guard let effect = entryEffect(entry, kind: kind) else { return [] }
    if case .write(let command) = effect, Deliberate.isNeeded(for: command) {
      return confirm(.command(command), restore: text, &model, incident)
    }
    return [effect]
  }

  /// The write for one entry of the input line (or one pasted line): its prefix, if any,
  /// chooses the kind.
  private static func entryEffect(_ text: String, kind: InputKind) -> Effect? {
    let (kind, body) = InputPrefix.split(text.trimmingCharacters(in: .whitespaces), default: kind)
    guard !body.isEmpty else { return nil }
    switch kind {
    case .update: return .write(.postUpdate(body))
    case .note: return .write(.log(.note, body))
    case .finding: return .write(.log(.finding, body))
    case .decision: return .write(.log(.decision, body))
    case .manualChange: return .write(.log(.manualChange, body))
    }
  }

  /// The message selected on the Updates page: the newest, or as far back as scrolled.
  static func selectedMessage(_ model: DashboardModel, _ state: IncidentState)
    -> OutgoingMessage?
  {
    let index = state.outgoing.count - 1 - model.logScroll
    return state.outgoing.indices.contains(index) ? state.outgoing[index] : nil
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
    case .countdown, .recovery: return 0
    case .log:
      return model.logPage == .followups
        ? incident.followups.count : incident.whyChains.reduce(0) { $0 + $1.count }
    }
  }

  /// Puts a `:` command in the input line for the person to finish, unless the line
  /// holds text: that is never replaced.
  private static func prefill(_ model: inout DashboardModel, _ text: String, cursorBack: Int = 0) {
    model.focus = .input
    guard model.input.isEmpty else {
      model.message = Message(
        "the input line has text: send it, or clear it with Ctrl-U (Ctrl-Y puts it back)",
        isError: true)
      return
    }
    model.input = LineEditor(text, cursor: text.count - cursorBack)
  }

  /// The log entry the log pane has selected: the newest in view.
  static func selectedEntry(_ model: DashboardModel, _ state: IncidentState) -> LogEntry? {
    let index = state.log.count - 1 - model.logScroll
    return state.log.indices.contains(index) ? state.log[index] : nil
  }

  /// Text inside double quotes on the `:` line: quotes and backslashes escaped, and made
  /// one line (the input line has no line breaks).
  static func quoted(_ text: String) -> String {
    SafeText.inert(text).replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "\"", with: "\\\"")
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
