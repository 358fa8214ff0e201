import ArgumentParser
import WarroomCore

/// The incident log. Entries are numbered per incident (#1, #2 … as logged); a correction
/// or a strike is a new event, so the record keeps what was first written.
struct Log: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "log",
    abstract: "The incident log: add an entry (the default), correct one, or strike one.",
    discussion: """
      warroom log "TEXT" adds an entry. warroom log edit N "TEXT" corrects entry #N and \\
      warroom log strike N "REASON" withdraws it; both keep the earlier text in the record.
      """,
    subcommands: [Add.self, Edit.self, Strike.self], defaultSubcommand: Add.self)

  struct Add: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
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
        case .manualChange:
          "A change made by hand to production (gets its own post-mortem section)."
        }
      }
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The entry.") var text: String
    @Flag var kind: Kind = .note

    func validate() throws { try requireText(text, "the log entry") }

    func command() throws -> Command { .log(kind.logKind, text) }
  }

  struct Edit: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "edit",
      abstract: "Correct log entry #N; the earlier text stays in the record.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The entry's number (#N in the log).") var number: Int
    @Argument(help: "The corrected text.") var text: String

    func validate() throws { try requireText(text, "the corrected text") }

    func command() throws -> Command { .editLog(number, text) }
  }

  struct Strike: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "strike",
      abstract: "Withdraw log entry #N, saying why; it stays in the record, struck.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The entry's number (#N in the log).") var number: Int
    @Argument(help: "Why it is withdrawn.") var reason: String

    func validate() throws { try requireText(reason, "the reason") }

    func command() throws -> Command { .strikeLog(number, reason: reason) }
  }
}
