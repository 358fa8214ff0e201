import Foundation
import WarroomCore

/// One thing a person asked the dashboard to write, kept whole until the store has it:
/// what, by whom, when it was asked, and the request id that makes resending it harmless.
public struct Submission: Equatable, Sendable {
  public enum Action: Equatable, Sendable {
    case command(Command)
    case declare(Declared)
  }

  public var request: RequestID
  public var action: Action
  public var actor: String
  /// When the person asked: the time the events carry, however late they reach the store.
  public var at: Date

  public init(request: RequestID = RequestID(), action: Action, actor: String, at: Date) {
    self.request = request
    self.action = action
    self.actor = actor
    self.at = at
  }

  /// A log entry this submission will add, for showing it in the log while it waits.
  public var logEntry: (kind: LogKind, text: String)? {
    guard case .command(.log(let kind, let text)) = action else { return nil }
    return (kind, text)
  }

  /// A few words on what it is, for the queue's messages.
  public var label: String {
    switch action {
    case .declare(let declared): return "declare \"\(declared.title)\""
    case .command(let command): return Self.describe(command)
    }
  }

  private static func describe(_ command: Command) -> String {
    switch command {
    case .edit: "edit the details"
    case .log(let kind, let text): "\(kind.label) \"\(text)\""
    case .editLog(let number, _): "correct log #\(number)"
    case .strikeLog(let number, _): "strike log #\(number)"
    case .assignRole(let role, let name): "\(name) as \(role.title)"
    case .releaseRole(let role, let name): "release \(name) as \(role.title)"
    case .completeStep(let step): "step \(step) done"
    case .undoStep(let step): "step \(step) undone"
    case .proposeExperiment(let hypothesis, _, _, _): "experiment \"\(hypothesis)\""
    case .startExperiment(let number): "start experiment #\(number)"
    case .concludeExperiment(let number, let outcome, _):
      "experiment #\(number) \(outcome.rawValue)"
    case .abandonExperiment(let number, _): "abandon experiment #\(number)"
    case .postUpdate(let text): "update \"\(text)\""
    case .announce(let text): "announce \"\(text)\""
    case .resendDelivery(let id, _): "resend \(id)"
    case .confirmDelivery(let id): "\(id) arrived"
    case .recordDelivery: "delivery record"
    case .addProbe(let spec): "probe \(spec.name)"
    case .removeProbe(let name): "remove probe \(name)"
    case .pauseProbe(let name): "pause probe \(name)"
    case .resumeProbe(let name): "resume probe \(name)"
    case .recordProbe: "probe record"
    case .setCadence(let seconds): "cadence \(DurationText.short(seconds))"
    case .addWhy(_, let why, _): "why \"\(why)\""
    case .addFollowup(let text, _): "follow-up \"\(text)\""
    case .closeFollowup(let number): "close follow-up #\(number)"
    case .mitigate: "mitigated"
    case .verify: "customer verified"
    case .resolve: "resolved"
    case .reopen: "reopen"
    case .undo: "take back the last change"
    case .adoptCreated: "adopt the created ticket or channel"
    }
  }
}
