import ArgumentParser
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
