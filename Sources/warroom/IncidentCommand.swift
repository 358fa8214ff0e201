import ArgumentParser
import Foundation
import WarroomCore

/// A subcommand that is one action of the incident process. The same parsed value serves
/// the shell (`warroom log "x"`) and the dashboard's `:` line (`:log x`), so both take
/// exactly the same verbs and options.
protocol IncidentCommand: ParsableCommand {
  var global: GlobalOptions { get }
  /// The action, for the rules to accept or refuse.
  func command() throws -> Command
}

extension IncidentCommand {
  func run() throws { try global.perform(command()) }
}

struct Undo: IncidentCommand {
  static let configuration = CommandConfiguration(
    commandName: "undo",
    abstract: "Take back your own last change (within 10 minutes), keeping both in the record.",
    discussion: """
      Appends the inverse of your last change: a log entry is struck, a step unticked, a \
      role released, yellow or green reopened. Changes that went out (a stakeholder update) \
      or that others built on are corrected instead.
      """)

  @OptionGroup var global: GlobalOptions

  func command() throws -> Command { .undo(by: global.who, at: Date()) }
}
