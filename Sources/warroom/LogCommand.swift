import ArgumentParser
import WarroomCore

struct Log: IncidentCommand {
  static let configuration = CommandConfiguration(
    abstract: "Add an entry to the incident log (a note unless a kind is given).")

  enum Kind: String, EnumerableFlag {
    case note, finding, decision, manualChange

    var logKind: LogKind {
      switch self {
      case .note: .note
      case .finding: .finding
      case .decision: .decision
      case .manualChange: .manualChange
      }
    }

    static func help(for value: Kind) -> ArgumentHelp? {
      switch value {
      case .note: "A plain note (the default)."
      case .finding: "Something learned from data."
      case .decision: "A decision taken by the war room."
      case .manualChange: "A change made by hand to production (gets its own post-mortem section)."
      }
    }
  }

  @OptionGroup var global: GlobalOptions
  @Argument(help: "The entry.") var text: String
  @Flag var kind: Kind = .note

  func validate() throws { try requireText(text, "the log entry") }

  func command() throws -> Command { .log(kind.logKind, text) }
}
