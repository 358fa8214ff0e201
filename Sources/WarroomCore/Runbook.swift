import Foundation

/// The checklist an incident follows, and the bounds it sets on the stakeholder-update
/// cadence. Stored inside the declaration event, so every terminal agrees on it even if
/// the file it came from changes later.
public struct Runbook: Codable, Sendable, Equatable {
  public var name: String
  public var steps: [Step]
  /// Shortest allowed time between stakeholder updates, in seconds.
  public var minimumCadence: Int
  /// Longest allowed time between stakeholder updates, in seconds.
  public var maximumCadence: Int
  /// The cadence an incident starts with unless declared otherwise, in seconds.
  public var defaultCadence: Int

  public struct Step: Codable, Sendable, Equatable {
    public var title: String
    public var detail: String
    /// When set, the step completes itself as soon as the incident's data proves it done.
    public var auto: AutoCheck?

    public init(title: String, detail: String = "", auto: AutoCheck? = nil) {
      self.title = title
      self.detail = detail
      self.auto = auto
    }

    enum CodingKeys: String, CodingKey { case title, detail, auto }

    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      title = try container.decode(String.self, forKey: .title)
      detail = try container.decodeIfPresent(String.self, forKey: .detail) ?? ""
      auto = try container.decodeIfPresent(AutoCheck.self, forKey: .auto)
    }
  }

  public init(
    name: String, steps: [Step], minimumCadence: Int, maximumCadence: Int, defaultCadence: Int
  ) {
    self.name = name
    self.steps = steps
    self.minimumCadence = minimumCadence
    self.maximumCadence = maximumCadence
    self.defaultCadence = defaultCadence
  }
}

/// Facts in the incident's data that prove a checklist step done.
public enum AutoCheck: String, Codable, Sendable, CaseIterable {
  case ticketSet = "ticket-set"
  case channelSet = "channel-set"
  case rolesFilled = "roles-filled"
  case experimentConcluded = "experiment-concluded"
  case logWritten = "log-written"
  case stakeholderUpdated = "stakeholder-updated"
  case announced
  case recoveryVerified = "recovery-verified"
  case manualChangeLogged = "manual-change-logged"
  case fiveWhys = "five-whys"
  case customerVerified = "customer-verified"
  case mitigated
  case resolved

  /// What the data must show, in words, for help texts and refusals.
  public var explanation: String {
    switch self {
    case .ticketSet: "a ticket reference is set"
    case .channelSet: "a war-room channel is set"
    case .rolesFilled: "lead, communicator and recorder are all assigned"
    case .experimentConcluded: "at least one experiment is concluded"
    case .logWritten: "a person wrote at least one log entry"
    case .stakeholderUpdated: "at least one stakeholder update reached stakeholders"
    case .announced: "the outage was announced (warroom announce)"
    case .recoveryVerified: "every probe passed without a break for its window"
    case .manualChangeLogged: "at least one manual change is logged"
    case .fiveWhys: "a why-chain reaches five links"
    case .customerVerified: "the customer's verification is recorded"
    case .mitigated: "the incident is mitigated (yellow) or resolved"
    case .resolved: "the incident is resolved (green)"
    }
  }
}

extension Runbook {
  /// The built-in runbook: the thirteen steps of the incident process, in this tool's words.
  public static let standard = Runbook(
    name: "standard P1 process",
    steps: [
      Step(
        title: "Confirm it is a P1",
        detail: "Customers can see the outage: something they rely on does not work."),
      Step(
        title: "Open the incident ticket", detail: "File it on the incident board.",
        auto: .ticketSet),
      Step(
        title: "Open the war-room channel",
        detail: "A public channel; invite everyone who can help.", auto: .channelSet),
      Step(
        title: "Announce the outage", detail: "Post in the company's outage channel.",
        auto: .announced),
      Step(
        title: "Assign the roles", detail: "Lead, communicator and recorder; ICs as needed.",
        auto: .rolesFilled),
      Step(
        title: "Run isolated experiments",
        detail: "Hypothesis, change, data, conclusion; no two on one target.",
        auto: .experimentConcluded),
      Step(
        title: "Keep the incident log", detail: "What was tried, what did and did not work.",
        auto: .logWritten),
      Step(
        title: "Update stakeholders on cadence",
        detail: "Every 15 to 45 minutes, even with nothing new.", auto: .stakeholderUpdated),
      Step(
        title: "Log every manual change", detail: "Each hand-made change to production.",
        auto: .manualChangeLogged),
      Step(
        title: "Ask five whys", detail: "Follow each cause down to a root.", auto: .fiveWhys),
      Step(
        title: "Verify recovery", detail: "Check with data that the service is back.",
        auto: .recoveryVerified),
      Step(
        title: "Announce mitigated (yellow)", detail: "Customers are no longer hurting.",
        auto: .mitigated),
      Step(
        title: "Announce resolved (green)",
        detail: "After the customer confirms the fix and the follow-ups are done.",
        auto: .resolved),
    ],
    minimumCadence: 15 * 60,
    maximumCadence: 45 * 60,
    defaultCadence: 30 * 60
  )

  /// Reads a runbook from JSON. Any error names the file and says what is wrong.
  public static func decode(_ data: Data, source: String) throws(RunbookError) -> Runbook {
    let runbook: Runbook
    do {
      runbook = try JSONDecoder().decode(RunbookFile.self, from: data).runbook
    } catch let error as DecodingError {
      throw RunbookError(source: source, reason: error.shortDescription)
    } catch {
      throw RunbookError(source: source, reason: "not valid JSON")
    }
    if let problem = runbook.problem {
      throw RunbookError(source: source, reason: problem)
    }
    return runbook
  }
}

/// The on-disk shape of a runbook: cadences as duration text (`"15m"`), steps as objects.
private struct RunbookFile: Decodable {
  var runbook: Runbook

  enum Keys: String, CodingKey {
    case name, steps
    case minimumCadence = "minimum_cadence"
    case maximumCadence = "maximum_cadence"
    case defaultCadence = "default_cadence"
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: Keys.self)
    let standard = Runbook.standard
    func cadence(_ key: Keys, _ fallback: Int) throws -> Int {
      guard let text = try container.decodeIfPresent(String.self, forKey: key) else {
        return fallback
      }
      guard let seconds = DurationText.parse(text) else {
        throw DecodingError.dataCorruptedError(
          forKey: key, in: container, debugDescription: "\"\(text)\" is not a duration like 30m")
      }
      return seconds
    }
    runbook = Runbook(
      name: try container.decodeIfPresent(String.self, forKey: .name) ?? "custom runbook",
      steps: try container.decode([Runbook.Step].self, forKey: .steps),
      minimumCadence: try cadence(.minimumCadence, standard.minimumCadence),
      maximumCadence: try cadence(.maximumCadence, standard.maximumCadence),
      defaultCadence: try cadence(.defaultCadence, standard.defaultCadence)
    )
  }
}

public struct RunbookError: Error, Equatable, CustomStringConvertible {
  public var source: String
  public var reason: String
  public var description: String { "bad runbook \(source): \(reason)" }
}

extension DecodingError {
  /// One line saying where in the document decoding failed and why.
  var shortDescription: String {
    func path(_ context: Context) -> String {
      let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
      return keys.isEmpty ? "top level" : keys.joined(separator: ".")
    }
    switch self {
    case .keyNotFound(let key, let context):
      return "missing \"\(key.stringValue)\" at \(path(context))"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return "wrong type at \(path(context))"
    case .dataCorrupted(let context):
      return context.codingPath.isEmpty
        ? "not valid JSON" : "\(context.debugDescription) at \(path(context))"
    @unknown default:
      return "unreadable"
    }
  }
}
