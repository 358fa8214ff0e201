import Foundation

/// One reading of a probe, as its check saw it.
public struct ProbeReading: Sendable, Equatable {
  public var state: ProbeState
  /// For people: `200 in 87 ms`, `0.004`, a command's first line.
  public var value: String?
  /// For sparklines: the number read (a Prometheus value, a command's number, or an
  /// HTTP check's latency in milliseconds).
  public var number: Double?
  public var latencyMs: Int?
  public var reason: String?

  public init(
    state: ProbeState, value: String? = nil, number: Double? = nil, latencyMs: Int? = nil,
    reason: String? = nil
  ) {
    self.state = state
    self.value = value
    self.number = number
    self.latencyMs = latencyMs
    self.reason = reason
  }
}

/// What readings mean for the incident, decided purely (the clock passed in): which
/// become events (changes of state only: a day of readings must not bloat the log), when
/// a sample is kept, and when recovery is proven.
public enum ProbeMachine {
  /// One sample per probe per minute goes to the samples table.
  public static let sampleEvery: TimeInterval = 60

  /// How often a probe whose state holds may record a new reason (or a turn to failing
  /// may write a finding): what people read stays true without a row per reading.
  public static let noteEvery: TimeInterval = 60

  /// The event a reading calls for: a change of state, or, at most once a minute, a new
  /// reason for a state that holds (a probe stuck in unknown must not keep telling an
  /// old story).
  public static func change(for reading: ProbeReading, of probe: ProbeRecord, now: Date)
    -> ProbeChanged?
  {
    guard !probe.paused, !probe.removed else { return nil }
    let reason = reading.reason.map(clip)
    let recent = probe.changedAt.map { now.timeIntervalSince($0) < noteEvery } ?? false
    if probe.state == reading.state {
      guard reading.state != .passing, reason != probe.reason, !recent else { return nil }
    }
    let quiet =
      reading.state == .failing && probe.state != .failing
      && (probe.lastFindingAt.map { now.timeIntervalSince($0) < noteEvery } ?? false)
    return ProbeChanged(
      name: probe.spec.name, state: reading.state, value: reading.value.map(clip),
      reason: reason, quiet: quiet ? true : nil)
  }

  /// Whether to keep this reading as a sample.
  public static func keepsSample(lastSampleAt: Date?, now: Date) -> Bool {
    guard let last = lastSampleAt else { return true }
    return now.timeIntervalSince(last) >= sampleEvery
  }

  /// Recovery to record now: every active probe has passed for its window, and it was not
  /// recorded since the last failure.
  public static func recoveryToProve(_ state: IncidentState, now: Date) -> RecoveryProven? {
    guard state.status != .resolved, state.recoveryProvenAt == nil, state.isRecovered(at: now)
    else { return nil }
    return RecoveryProven(probes: state.activeProbes.map(\.spec.name))
  }

  /// When a probe is next due, from when it last ran.
  public static func isDue(_ probe: ProbeRecord, lastRun: Date?, now: Date) -> Bool {
    guard !probe.paused, !probe.removed else { return false }
    guard let lastRun else { return true }
    return now.timeIntervalSince(lastRun) >= TimeInterval(probe.spec.everySeconds)
  }

  private static func clip(_ text: String) -> String {
    let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    return line.count <= 200 ? line : String(line.prefix(199)) + "…"
  }
}
