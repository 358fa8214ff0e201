import ArgumentParser

/// The `warroom` command: one subcommand per action of the incident process.
struct Warroom: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "warroom",
    abstract: "Run an incident war room from the terminal: one shared, live incident record.",
    discussion: """
      Every change is an event in a shared store (SQLite), attributed and timestamped. \
      Run `warroom` alone to open the live dashboard.
      """,
    version: "0.1.0",
    subcommands: [
      Dashboard.self,
      Declare.self, List.self, Status.self, Edit.self,
      Log.self, RoleCommand.self, Step.self, ExperimentCommand.self,
      Update.self, Announce.self, Cadence.self, Why.self, FollowupCommand.self,
      Mitigate.self, Verify.self, Resolve.self, Reopen.self, Undo.self,
      Export.self, StoreCommand.self, NotifyCommand.self, Relay.self, ProbeCommand.self,
    ],
    defaultSubcommand: Dashboard.self
  )
}
