import WarroomCore

/// What must be confirmed on purpose: anything that changes where the incident stands or
/// reaches people (a status, a stakeholder message, a role, a step, a declaration). A
/// person who believes they are typing can press Enter, or a letter, by accident; nobody
/// types `yes` and Enter by accident. Decided here, once, for pane keys, the input line and
/// `:` commands alike.
public enum Deliberate {
  /// The word that confirms.
  public static let word = "yes"

  /// Whether writing `command` must be confirmed by typing the word.
  public static func isNeeded(for command: Command) -> Bool {
    switch command {
    case .announce, .postUpdate, .mitigate, .resolve, .reopen, .assignRole, .releaseRole,
      .completeStep, .undoStep, .undo, .resendDelivery, .verify:
      true
    default: false
    }
  }

  /// Whether a pane key's action must be confirmed by typing the word.
  public static func isNeeded(for action: Action) -> Bool {
    switch action {
    case .toggleStep, .mitigate, .resolve, .reopen, .takeRole, .releaseRole, .undo,
      .resendDelivery:
      true
    default: false
    }
  }

  /// The stakeholder message a submission queues, and the words it carries.
  public static func message(of action: Submission.Action) -> (MessageType, String?)? {
    switch action {
    case .declare: return (.declared, nil)
    case .command(.announce(let text)): return (.announce, text)
    case .command(.postUpdate(let text)): return (.update, text)
    case .command(.mitigate): return (.mitigated, nil)
    case .command(.resolve(let force)): return (.resolved, force)
    case .command(.reopen(let reason)): return (.reopened, reason)
    default: return nil
    }
  }

  /// What will happen, in a few plain lines.
  public static func details(of action: Submission.Action, in state: IncidentState?) -> [String] {
    let id = state?.id.rawValue ?? "the incident"
    var lines: [String]
    switch action {
    case .declare(let declared):
      lines = ["Declare a new P1: \"\(declared.title)\"."]
    case .command(let command):
      switch command {
      case .announce(let text): lines = ["Announce the outage for \(id): \"\(text)\"."]
      case .postUpdate(let text):
        lines = ["Post a stakeholder update for \(id): \"\(text)\".", "The countdown restarts."]
      case .mitigate:
        lines = ["\(id) turns YELLOW: customers are no longer affected."]
        if let state, !state.probesNotPassing.isEmpty {
          let names = state.probesNotPassing.map(\.spec.name).joined(separator: ", ")
          lines.append("Careful: probe \(names) does not pass yet.")
        }
      case .resolve(let force):
        lines = ["\(id) turns GREEN: resolved" + (force.map { " (forced: \($0))" } ?? "") + "."]
      case .reopen(let reason):
        lines = ["\(id) turns RED again" + (reason.map { ": \($0)" } ?? "") + "."]
      case .assignRole(let role, let person):
        lines = ["\(person) becomes \(role.title) of \(id)."]
      case .releaseRole(let role, let person):
        lines = ["\(person) is no longer \(role.title) of \(id)."]
      case .completeStep(let step): lines = [stepLine("Tick", step, state)]
      case .undoStep(let step): lines = [stepLine("Untick", step, state)]
      case .verify(let text): lines = ["Record that the customer verified the fix: \"\(text)\"."]
      case .resendDelivery(let delivery, _):
        lines = ["Send \(delivery) again: the receiver may get it twice."]
      case .undo(let by, _):
        let last = state.flatMap { state in
          Rules.lastChange(by: by, in: state).flatMap { change in
            state.timeline.line(of: change.seq)?.summary
          }
        }
        lines = ["Take back your last change" + (last.map { ": \($0)" } ?? "") + "."]
      default:
        lines = [Submission(action: action, actor: "", at: .distantPast).label]
      }
    }
    if let (type, _) = message(of: action) {
      lines.append("Stakeholders get a \(type.rawValue) message.")
    }
    return lines.map { SafeText.inert($0) }
  }

  /// The command a pane key's action writes, for describing it before it happens.
  static func command(for action: Action, _ model: DashboardModel, _ state: IncidentState?)
    -> Command?
  {
    let role = Role.allCases[model.selected(.roles) % Role.allCases.count]
    switch action {
    case .toggleStep:
      let index = model.selected(.checklist)
      return state?.isStepDone(index) == true ? .undoStep(index + 1) : .completeStep(index + 1)
    case .mitigate: return .mitigate()
    case .resolve: return .resolve(force: nil)
    case .reopen: return .reopen(reason: nil)
    case .takeRole: return .assignRole(role, model.me)
    case .releaseRole:
      let holders = state?.roles.holders(of: role) ?? []
      return .releaseRole(role, holders.contains(model.me) ? model.me : holders.first ?? model.me)
    case .undo: return .undo(by: model.me, at: .distantPast)
    default: return nil
    }
  }

  private static func stepLine(_ verb: String, _ step: Int, _ state: IncidentState?) -> String {
    let title =
      state.flatMap {
        $0.runbook.steps.indices.contains(step - 1) ? $0.runbook.steps[step - 1].title : nil
      }
      ?? "?"
    return "\(verb) step \(step) (\(title))."
  }

  /// The hint line while a deliberate confirmation waits.
  public static func prompt(typed: String, remind: Bool) -> String {
    (remind ? "Not yet: " : "")
      + "type \(word) and press Enter to do it · Esc cancels · \(word.count) letters: \(typed)"
  }
}
