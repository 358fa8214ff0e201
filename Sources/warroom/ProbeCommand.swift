import ArgumentParser
import Foundation
import WarroomCore
import WarroomDelivery

/// `warroom probe`: checks of what customers see, attached to the incident; the store's
/// deliverer (`warroom relay`, or a dashboard with a config) runs them.
struct ProbeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "probe",
    abstract: "Verify recovery with data: checks that watch what customers see.",
    discussion: """
      Probes run in the store's deliverer (warroom relay, or a dashboard with a config). \
      Recovery is proven when every probe has passed without a break for its window; step 11 \
      then ticks itself, and green waits for it.
      """,
    subcommands: [Add.self, List.self, Remove.self, Pause.self, Resume.self])

  struct Add: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Attach a probe: --http URL, --prometheus URL --query Q, or --command CMD.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "A short name: letters, digits, '-', '_' and '.'.") var name: String
    @Option(help: "Check this URL with GET.") var http: String?
    @Option(help: "Query this Prometheus server (its base URL).") var prometheus: String?
    @Option(name: .customLong("command"), help: "Run this shell command; exit 0 is healthy.")
    var shellCommand: String?
    @Option(help: "http: the status that counts as healthy (default 200).") var expectStatus: Int?
    @Option(help: "http: slower than this is failing, such as 500ms or 2s.") var maxLatency: String?
    @Option(help: "http: the answer must contain this text.") var contains: String?
    @Option(help: "prometheus: the PromQL query.") var query: String?
    @Option(help: "prometheus: healthy while the value is below this.") var below: Double?
    @Option(help: "prometheus: healthy while the value is above this.") var above: Double?
    @Option(help: "How often to check (from 1s; default 15s, 30s for prometheus).") var every:
      String?
    @Option(help: "Passing this long without a break proves recovery (default 5m).")
    var window: String?
    @Option(help: "A check is cut after this long (default 5s).") var timeout: String?
    @Option(help: "Send a bearer token read from this environment variable.") var tokenEnv: String?
    @Option(help: "Send a bearer token read from this private file.") var tokenFile: String?

    func validate() throws { _ = try spec() }

    func spec() throws -> ProbeSpec {
      let targets = [http, prometheus, shellCommand].compactMap { $0 }
      guard targets.count == 1 else {
        throw ValidationError("give one of --http URL, --prometheus URL or --command CMD")
      }
      let kind: ProbeSpec.Kind = http != nil ? .http : (prometheus != nil ? .prometheus : .command)
      var spec = ProbeSpec(name: name, kind: kind, target: targets[0])
      if kind != .command {
        if let problem = WebAddress.problem(targets[0]) {
          throw ValidationError("'\(targets[0])' is not usable: \(problem)")
        }
      } else {
        try Self.checkRunnable(targets[0])
      }
      if kind != .http, expectStatus != nil || maxLatency != nil || contains != nil {
        throw ValidationError("--expect-status, --max-latency and --contains are for --http probes")
      }
      if kind != .prometheus, query != nil || below != nil || above != nil {
        throw ValidationError("--query, --below and --above are for --prometheus probes")
      }
      spec.expectStatus = expectStatus
      spec.maxLatencyMs = try maxLatency.map { try Self.milliseconds($0, "--max-latency") }
      spec.contains = contains
      spec.query = query
      spec.below = below
      spec.above = above
      spec.everySeconds =
        try every.map { try Self.seconds($0, "--every") } ?? (kind == .prometheus ? 30 : 15)
      spec.windowSeconds =
        try window.map { try Self.seconds($0, "--window") } ?? ProbeSpec.defaultWindow
      spec.timeoutSeconds = try timeout.map { try Self.seconds($0, "--timeout") } ?? 5
      if let tokenEnv, !tokenEnv.hasPrefix(ProbePolicy.variablePrefix) {
        throw ValidationError(
          "--token-env must name a variable starting with \(ProbePolicy.variablePrefix) "
            + "(the deliverer hands probes no other)")
      }
      spec.tokenEnv = tokenEnv
      spec.tokenFile = tokenFile
      if let problem = spec.problem { throw ValidationError(problem) }
      return spec
    }

    func command() throws -> Command { .addProbe(try spec()) }

    /// Durations as `15s`, `2m`, `1h`: a bare number is seconds here.
    static func seconds(_ text: String, _ option: String) throws -> Int {
      if let plain = Int(text), plain > 0 { return plain }
      guard let seconds = DurationText.parse(text) else {
        throw ValidationError("\(option) '\(text)' is not a duration; write it like 15s, 2m or 1h")
      }
      return seconds
    }

    static func milliseconds(_ text: String, _ option: String) throws -> Int {
      let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
      if trimmed.hasSuffix("ms"), let value = Int(trimmed.dropLast(2)), value > 0 { return value }
      if trimmed.hasSuffix("s"), !trimmed.hasSuffix("ms"), let value = Double(trimmed.dropLast()),
        value > 0, value <= 600
      {
        return Int((value * 1000).rounded())
      }
      throw ValidationError("\(option) '\(text)' is not a duration; write it like 500ms or 2s")
    }

    /// The command's program must exist and be executable, as the shell would find it.
    static func checkRunnable(_ command: String) throws {
      guard let program = command.split(whereSeparator: \.isWhitespace).first.map(String.init),
        !program.isEmpty
      else { throw ValidationError("--command is empty") }
      // Shell syntax (a builtin, a variable, a quote) is the shell's to judge.
      if program.contains(where: { "$'\"`;&|(){}<>=".contains($0) }) { return }
      if ["true", "false", "test", "[", "echo", "exit", "printf", "cd", ":"].contains(program) {
        return
      }
      if program.contains("/") {
        guard FileManager.default.isExecutableFile(atPath: program) else {
          throw ValidationError("--command: \(program) is not an executable file")
        }
        return
      }
      let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
      let found = path.split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/\(program)")
      }
      if !found { throw ValidationError("--command: \(program) is not a program on PATH") }
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list",
      abstract: "One line a probe: its state, its last value or reason, for how long.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
      let store = try global.openStore()
      let state = try global.resolveIncident(in: store, orNewest: true)
      let probes = state.currentProbes
      if probes.isEmpty {
        try Output.data("\(state.id) has no probes; add one with warroom probe add NAME --http URL")
        return
      }
      let now = Date()
      let width = probes.map(\.spec.name.count).max() ?? 0
      for probe in probes {
        let name = probe.spec.name.padding(toLength: width, withPad: " ", startingAt: 0)
        let word = probe.stateWord.padding(toLength: 8, withPad: " ", startingAt: 0)
        let detail = probe.reason ?? probe.value ?? "-"
        let age = DurationText.age(max(0, Int(seconds: now.timeIntervalSince(probe.since))))
        var line = "\(name)  \(word)  \(detail)  for \(age)"
        if let progress = state.recoveryProgress(probe, now: now) {
          line +=
            "  (recovered \(DurationText.clock(Int(seconds: progress))) of "
            + "\(DurationText.clock(probe.spec.windowSeconds)))"
        }
        try Output.data(line)
      }
    }
  }

  struct Remove: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "remove", abstract: "Detach a probe.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The probe's name.") var name: String
    func command() throws -> Command { .removeProbe(name) }
  }

  struct Pause: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "pause",
      abstract: "Stop running a probe for now (it no longer counts toward recovery).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The probe's name.") var name: String
    func command() throws -> Command { .pauseProbe(name) }
  }

  struct Resume: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "resume", abstract: "Run a paused probe again.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The probe's name.") var name: String
    func command() throws -> Command { .resumeProbe(name) }
  }
}
