import Foundation
import WarroomCore

/// Which job the screen is laid out for.
public enum ViewMode: String, CaseIterable, Sendable {
  /// Everything: checklist, roles, countdown, experiments, log.
  case lead
  /// The log large, with the input line ready for notes.
  case recorder
  /// The countdown large, the update history, the input line ready for updates.
  case communicator
}

/// The panes that can take focus.
public enum PaneID: String, CaseIterable, Sendable {
  case checklist, roles, countdown, experiments, log
  /// The probes: a pane in the lead's view while the incident has any (not focusable).
  case recovery

  public var title: String {
    switch self {
    case .recovery: "Recovery"
    case .checklist: "Checklist"
    case .roles: "Roles"
    case .countdown: "Stakeholder update"
    case .experiments: "Experiments"
    case .log: "Log"
    }
  }
}

public enum Focus: Equatable, Sendable {
  case input
  case pane(PaneID)
}

/// The pages of the log pane.
public enum LogPage: String, CaseIterable, Sendable {
  case log, timeline, whys, followups, updates, recovery, alerts

  public var title: String {
    switch self {
    case .alerts: "Alerts"
    case .recovery: "Recovery"
    case .log: "Log"
    case .timeline: "Timeline"
    case .whys: "Five whys"
    case .followups: "Follow-ups"
    case .updates: "Updates"
    }
  }
}

/// What Enter does with the input line's text.
public enum InputKind: Equatable, Sendable, CaseIterable {
  case note, finding, decision, manualChange, update

  public var label: String {
    switch self {
    case .note: "note"
    case .finding: "finding"
    case .decision: "decision"
    case .manualChange: "MANUAL CHANGE"
    case .update: "stakeholder update"
    }
  }

  var next: InputKind {
    let all = Self.allCases
    return all[(all.firstIndex(of: self)! + 1) % all.count]
  }
}

/// A line for the person after an action: what happened, or why it was refused.
public struct Message: Equatable, Sendable {
  public var text: String
  public var isError: Bool
  public init(_ text: String, isError: Bool = false) {
    self.text = text
    self.isError = isError
  }
}

/// A question waiting for Enter (yes) or Esc (no). Any other key means "I was typing":
/// the question goes, and the key that asked is given back to the input line as text, so
/// a sentence typed into a focused pane lands in the line whole.
public struct Confirmation: Equatable, Sendable {
  public enum Subject: Equatable, Sendable {
    /// A pane key's action, carried out on Enter.
    case action(Action)
    /// A paste of several lines: Enter sends each as an entry, Esc puts them on one line.
    case pastedLines([String])
    /// Something typed (an update, a `:` command, a title that declares) that changes the
    /// incident or reaches people: written once the person types the word.
    case submission(Submission.Action)
  }

  public var subject: Subject
  public var prompt: String
  /// The printable key that asked, if one did.
  public var trigger: Character?
  /// Set for what changes the incident or reaches people: only typing `Deliberate.word`
  /// and Enter carries it out, never a lone Enter or a letter.
  public var deliberate = false
  /// What has been typed towards the word.
  public var typed = ""
  /// What will happen, in a few lines, shown above the input line.
  public var details: [String] = []
  /// The text each destination will receive, once the loop has rendered it.
  public var previews: [String]?
  /// What the input line held: Esc puts it back.
  public var restore: String?

  public init(
    subject: Subject, prompt: String, trigger: Character? = nil, deliberate: Bool = false,
    details: [String] = [], restore: String? = nil
  ) {
    self.subject = subject
    self.prompt = prompt
    self.trigger = trigger
    self.deliberate = deliberate
    self.details = details
    self.restore = restore
  }
}

/// The dashboard's own state, apart from the incident: focus, selection, scroll, what is
/// being typed. Changed only by `DashboardUpdate`; the incident changing underneath (another
/// terminal writing) never touches it, so typing is never disturbed.
public struct DashboardModel: Equatable, Sendable {
  public var me: String
  public var view: ViewMode
  public var focus: Focus = .input
  public var input = LineEditor()
  public var inputKind: InputKind
  public var selection: [PaneID: Int] = [:]
  public var logPage = LogPage.log
  /// How many entries up from the newest the log pane is scrolled.
  public var logScroll = 0
  public var showHelp = false
  /// Which page of the help screen is shown, when it does not fit on one.
  public var helpPage = 0
  public var message: Message?
  /// A `:` line sent to be parsed: put back in the input line if it does not parse, and
  /// the text Esc restores if it asks to be confirmed.
  public var pendingCommandLine: String?
  /// A question on the hint line that Enter answers: a pane key's change to the incident,
  /// or what to do with a paste of several lines.
  public var confirmation: Confirmation?
  /// Set by a quit that asked first (text typed, entries waiting): the next quit quits.
  public var quitArmed = false
  /// When the first Ctrl-C on an empty line asked; a second within `quitWithin` quits.
  public var quitArmedAt: Date?
  /// Lines of this session, sent or cleared, oldest first: Up and Down bring them back.
  public var history: [String] = []
  /// Where Up has got to in `history`, and what was on the line before it started.
  public var historyIndex: Int?
  public var historyDraft = ""
  /// Seconds east of UTC the times are shown in: 0 (UTC) unless `--local-time`.
  public var timeOffset = 0
  /// The log entry shown whole in an overlay (its number), if one is open.
  public var openEntry: Int?
  /// Without `--incident`, the dashboard moves to a new incident when its own is resolved.
  public var followsLive = true
  /// Sparklines in ASCII (the mono theme, or a terminal without UTF-8).
  public var asciiOnly = false
  /// Standing notices, oldest first: another incident declared, the dashboard moved to
  /// another one, a probe failing, an update not delivered, the deliverer stopped. They
  /// stay, in every role's view, until Esc dismisses them: a keystroke never hides news.
  public var notices: [String] = []

  /// The newest notice; setting one adds it (once), setting nil dismisses them all.
  public var notice: String? {
    get { notices.last }
    set {
      guard let newValue else {
        notices.removeAll()
        return
      }
      notices.removeAll { $0 == newValue }
      notices.append(newValue)
      if notices.count > 20 { notices.removeFirst(notices.count - 20) }
    }
  }

  public init(me: String, view: ViewMode = .lead) {
    self.me = me
    self.view = view
    inputKind = view == .communicator ? .update : .note
    // The communicator's log pane opens on the update history.
    logPage = view == .communicator ? .updates : .log
  }

  public func selected(_ pane: PaneID) -> Int { selection[pane] ?? 0 }

  /// The input line holds a `:` command.
  /// The input line holds a `:` command (`::` starts a line that is text and begins with
  /// one colon).
  public var isCommandLine: Bool {
    input.characters.first == ":" && (input.characters.count < 2 || input.characters[1] != ":")
  }
}
