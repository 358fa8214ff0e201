import Foundation

/// A check of what customers see, attached to an incident: an HTTP endpoint, a Prometheus
/// query, or a command. Probes prove recovery with data (step 11) instead of a person's word.
public struct ProbeSpec: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable, CaseIterable {
    case http
    case prometheus
    case command
  }

  public var name: String
  public var kind: Kind
  /// The URL (http, prometheus) or the shell command (command).
  public var target: String
  /// http: the status that counts as healthy (default 200).
  public var expectStatus: Int?
  /// http: slower than this (milliseconds) counts as failing.
  public var maxLatencyMs: Int?
  /// http: the body must contain this text.
  public var contains: String?
  /// prometheus: the PromQL query, and the bound its value must stay below or above.
  public var query: String?
  public var below: Double?
  public var above: Double?
  public var everySeconds: Int
  /// Passing without a break for this long proves recovery.
  public var windowSeconds: Int
  /// A check that takes longer is cut and counts as unknown.
  public var timeoutSeconds: Int
  /// A bearer token sent with http and prometheus checks, named, never stored: the
  /// variable or the file that holds it.
  public var tokenEnv: String?
  public var tokenFile: String?

  public init(
    name: String, kind: Kind, target: String, everySeconds: Int = 15, windowSeconds: Int = 300,
    timeoutSeconds: Int = 5
  ) {
    self.name = name
    self.kind = kind
    self.target = target
    self.everySeconds = everySeconds
    self.windowSeconds = windowSeconds
    self.timeoutSeconds = timeoutSeconds
  }

  public static let defaultWindow = 300
}

/// What a probe saw.
public enum ProbeState: String, Codable, Sendable, CaseIterable {
  case passing
  case failing
  /// No usable reading: a timeout, an error answer, an empty result, NaN. Never healthy.
  case unknown
}

public struct ProbeRef: Codable, Sendable, Equatable {
  public var name: String
  public init(name: String) { self.name = name }
}

/// A probe's state changed (only changes are events; readings go to the samples table).
public struct ProbeChanged: Codable, Sendable, Equatable {
  public var name: String
  public var state: ProbeState
  /// The reading, as people read it: `200 in 87 ms`, `0.4`, the command's first line.
  public var value: String?
  /// Why it is failing or unknown.
  public var reason: String?
  /// True when a turn to failing writes no finding in the log: the probe's last finding
  /// is less than a minute old (a flapping probe must not flood the recorder's log).
  public var quiet: Bool?

  public init(
    name: String, state: ProbeState, value: String? = nil, reason: String? = nil,
    quiet: Bool? = nil
  ) {
    self.name = name
    self.state = state
    self.value = value
    self.reason = reason
    self.quiet = quiet
  }
}

/// Every probe passed without a break for its window: recovery is proven.
public struct RecoveryProven: Codable, Sendable, Equatable {
  public var probes: [String]
  public init(probes: [String]) { self.probes = probes }
}

/// One reading, kept in a table of its own (one per probe per minute), for sparklines.
public struct ProbeSample: Sendable, Equatable {
  public var incident: IncidentID
  public var probe: String
  public var atMs: Int64
  public var value: Double?
  public var latencyMs: Int?
  public var state: ProbeState

  public init(
    incident: IncidentID, probe: String, atMs: Int64, value: Double?, latencyMs: Int?,
    state: ProbeState
  ) {
    self.incident = incident
    self.probe = probe
    self.atMs = atMs
    self.value = value
    self.latencyMs = latencyMs
    self.state = state
  }
}

/// A probe as the incident knows it, folded from its events.
public struct ProbeRecord: Sendable, Equatable {
  public var spec: ProbeSpec
  /// Nil until its first reading.
  public var state: ProbeState?
  public var paused = false
  /// Since when the state (or the pause) holds.
  public var since: Date
  public var value: String?
  public var reason: String?
  /// When it was first seen failing, and its latest turn to passing.
  public var firstFailedAt: Date?
  public var passingSince: Date?
  public var added: Mark
  /// Removed probes stay, for the post-mortem.
  public var removed = false
  /// When its last change (of state, or of the reason for it) was recorded.
  public var changedAt: Date?
  /// When its last "is failing" finding was written, and how many turns to failing
  /// wrote none since (said in the next finding).
  public var lastFindingAt: Date?
  public var quietFailures = 0

  /// `passing`, `failing`, `unknown`, `paused` — or `pending` before the first reading.
  public var stateWord: String {
    if paused { return "paused" }
    return state?.rawValue ?? "pending"
  }
}

extension IncidentState {
  /// Probes neither removed nor paused, in the order added.
  public var activeProbes: [ProbeRecord] { probes.filter { !$0.paused && !$0.removed } }

  /// Probes not removed (paused ones included), in the order added.
  public var currentProbes: [ProbeRecord] { probes.filter { !$0.removed } }

  /// How far each probe is toward its window, for the dashboard: nil when not passing.
  public func recoveryProgress(_ probe: ProbeRecord, now: Date) -> TimeInterval? {
    guard !probe.paused, probe.state == .passing, let since = probe.passingSince else {
      return nil
    }
    return max(0, now.timeIntervalSince(since))
  }

  /// Every active probe passing without a break for its window, at `now`.
  public func isRecovered(at now: Date) -> Bool {
    let active = activeProbes
    guard !active.isEmpty else { return false }
    return active.allSatisfy { probe in
      guard let progress = recoveryProgress(probe, now: now) else { return false }
      return progress >= TimeInterval(probe.spec.windowSeconds)
    }
  }

  /// When the window of the last probe to recover will have passed, if all are passing.
  public func recoveryDue() -> Date? {
    let active = activeProbes
    guard !active.isEmpty else { return nil }
    var latest = Date.distantPast
    for probe in active {
      guard probe.state == .passing, let since = probe.passingSince else { return nil }
      latest = max(latest, since.addingTimeInterval(TimeInterval(probe.spec.windowSeconds)))
    }
    return latest
  }

  /// Probes that stand between the incident and green: failing, unknown, or not read yet.
  public var probesNotPassing: [ProbeRecord] {
    activeProbes.filter { $0.state != .passing }
  }

  /// The probe of that name that is not removed.
  public func probe(named name: String) -> ProbeRecord? {
    probes.last { $0.spec.name == name && !$0.removed }
  }
}

extension ProbeSpec {
  /// What makes this probe unusable, in words; nil when it is fine. Checked when it is
  /// added and when a row is read, so a planted one cannot make a runner spin or wait forever.
  public var problem: String? {
    if !ProbeSpec.isValidName(name) {
      return "a probe's name holds 1 to 40 letters, digits, '-', '_' and '.'"
    }
    if target.trimmed.isEmpty || target.utf8.count > 4096 { return "the probe has no target" }
    if kind != .command, let problem = WebAddress.problem(target) {
      return "'\(SafeText.inert(String(target.prefix(200))))' is not usable: \(problem)"
    }
    if !(1...86_400).contains(everySeconds) { return "--every must be 1s to 24h" }
    if !(1...604_800).contains(windowSeconds) { return "--window must be 1s to 7 days" }
    if !(1...300).contains(timeoutSeconds) { return "--timeout must be 1s to 5m" }
    if let status = expectStatus, !(100...599).contains(status) {
      return "--expect-status must be 100 to 599"
    }
    if let latency = maxLatencyMs, !(1...600_000).contains(latency) {
      return "--max-latency must be 1ms to 10m"
    }
    if kind == .prometheus {
      if (query ?? "").trimmed.isEmpty { return "a prometheus probe needs --query" }
      if (below == nil) == (above == nil) { return "a prometheus probe needs --below or --above" }
      if let bound = below ?? above, !bound.isFinite { return "the bound must be a finite number" }
    }
    return nil
  }

  public static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 40
      && name.unicodeScalars.allSatisfy {
        $0.isASCII
          && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0))
      }
  }
}
