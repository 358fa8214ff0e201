import ArgumentParser
import WarroomCore

struct RoleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "role", abstract: "Assign or release a role (lead, communicator, recorder, ic).",
    subcommands: [Assign.self, Release.self])

  struct Assign: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "assign",
      abstract: "Give a role to someone; a single-holder role is handed over.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "lead, communicator, recorder or ic.") var role: Role
    @Argument(help: "Who takes it.") var name: String
    func validate() throws { try requireText(name, "the name") }
    func command() throws -> Command { .assignRole(role, name) }
  }

  struct Release: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "release", abstract: "Take a role from someone.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "lead, communicator, recorder or ic.") var role: Role
    @Argument(help: "Who gives it up.") var name: String
    func validate() throws { try requireText(name, "the name") }
    func command() throws -> Command { .releaseRole(role, name) }
  }
}

struct Step: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "step",
    abstract: "Tick or untick a checklist step.", subcommands: [Done.self, Undo.self])

  struct Done: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "done", abstract: "Mark step N done.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The step's number, from 1.") var number: Int
    func command() throws -> Command { .completeStep(number) }
  }

  struct Undo: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "undo", abstract: "Mark step N not done.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The step's number, from 1.") var number: Int
    func command() throws -> Command { .undoStep(number) }
  }
}
