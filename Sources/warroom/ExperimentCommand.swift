import ArgumentParser
import WarroomCore

struct ExperimentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "experiment",
    abstract: "Record experiments: hypothesis, change, data, conclusion.",
    subcommands: [Add.self, Start.self, Conclude.self, Abandon.self])

  struct Add: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Propose an experiment and print its id.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "What you believe and will test.") var hypothesis: String
    @Option(help: "The IC running it.") var owner: String?
    @Option(help: "The component it touches; two running on one target conflict.")
    var target: String?
    @Option(help: "What will be changed or tested.") var change: String?
    func validate() throws { try requireText(hypothesis, "the hypothesis") }
    func command() throws -> Command {
      .proposeExperiment(hypothesis: hypothesis, change: change, owner: owner, target: target)
    }
    func run() throws {
      let (_, written) = try global.perform(command(), receiptsOnStdout: false)
      if case .experimentProposed(let proposed) = written.first?.event {
        try Output.data(String(proposed.id))
      }
    }
  }

  struct Start: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "start", abstract: "Start a proposed experiment.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The experiment's id.") var id: Int
    func command() throws -> Command { .startExperiment(id) }
    func run() throws {
      let (state, _) = try global.perform(command())
      if let experiment = state.experiments.first(where: { $0.id == id }),
        state.isInConflict(experiment)
      {
        Output.warn(
          "experiment #\(id) runs on \(SafeText.inert(experiment.target ?? "")) alongside "
            + "another running experiment: they may interfere")
      }
    }
  }

  struct Conclude: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "conclude", abstract: "Record an experiment's result.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The experiment's id.") var id: Int
    @Flag(help: "Whether the data supported the hypothesis.") var outcome: ExperimentOutcome
    @Argument(help: "What the data showed.") var result: String
    func validate() throws { try requireText(result, "the result") }
    func command() throws -> Command { .concludeExperiment(id, outcome, result) }
  }

  struct Abandon: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "abandon",
      abstract: "Stop an experiment without a result.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The experiment's id.") var id: Int
    @Option(help: "Why it was abandoned.") var reason: String?
    func command() throws -> Command { .abandonExperiment(id, reason: reason) }
  }
}

extension ExperimentOutcome: EnumerableFlag {}
