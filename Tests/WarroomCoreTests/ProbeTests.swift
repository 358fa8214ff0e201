import Foundation
import Testing
import WarroomCore
import WarroomReports

/// Probes' window logic and rules, with the clock passed in.
@Suite("Probes and recovery")
struct ProbeTests {
  let start = Date(timeIntervalSince1970: 1_798_000_000)
  let id = IncidentID(number: 1)

  struct Story {
    var state: IncidentState
    var seq: Int64 = 0
    let start: Date

    init(_ start: Date) {
      self.start = start
      state = IncidentState(id: IncidentID(number: 1))
      apply(.declared(Declared(title: "Checkout down")), at: 0)
    }

    mutating func apply(_ event: Event, at seconds: TimeInterval, by actor: String = "ann") {
      seq += 1
      Reducer.apply(
        EventEnvelope(
          seq: seq, incident: state.id, at: start.addingTimeInterval(seconds), actor: actor,
          event: event), to: &state)
    }

    mutating func send(_ command: Command, at seconds: TimeInterval, by actor: String = "ann")
      throws
    {
      for event in try Rules.decide(command, in: state) { apply(event, at: seconds, by: actor) }
    }
  }

  func http(_ name: String, window: Int = 300) -> ProbeSpec {
    var spec = ProbeSpec(name: name, kind: .http, target: "http://127.0.0.1:1/health")
    spec.windowSeconds = window
    return spec
  }

  func seen(_ name: String, _ state: ProbeState, reason: String? = nil) -> Command {
    .recordProbe(.probeChanged(ProbeChanged(name: name, state: state, reason: reason)))
  }

  @Test func recoveryIsProvenOnlyAfterEveryProbePassedForItsWindow() throws {
    var story = Story(start)
    try story.send(.addProbe(http("checkout")), at: 1)
    try story.send(.addProbe(http("api", window: 60)), at: 1)
    #expect(!story.state.isStepDone(10))
    try story.send(seen("checkout", .failing, reason: "HTTP 502"), at: 10)
    #expect(story.state.log.last?.kind == .finding)
    #expect(story.state.log.last?.text == "Probe checkout is failing: HTTP 502")
    try story.send(seen("checkout", .passing), at: 100)
    try story.send(seen("api", .passing), at: 350)
    let at = { (seconds: TimeInterval) in start.addingTimeInterval(seconds) }
    #expect(!story.state.isRecovered(at: at(399)))  // checkout: 299 s of 300
    #expect(!story.state.isRecovered(at: at(409)))  // api: 59 s of 60
    #expect(story.state.isRecovered(at: at(410)))
    #expect(story.state.recoveryDue() == at(410))
    #expect(ProbeMachine.recoveryToProve(story.state, now: at(409)) == nil)
    let proven = try #require(ProbeMachine.recoveryToProve(story.state, now: at(410)))
    try story.send(.recordProbe(.recoveryProven(proven)), at: 410)
    #expect(story.state.isStepDone(10))  // step 11 ticked itself
    #expect(ProbeMachine.recoveryToProve(story.state, now: at(500)) == nil)  // once
    // A probe failing again unticks it.
    try story.send(seen("api", .unknown, reason: "no answer within 5s"), at: 520)
    #expect(!story.state.isStepDone(10))
    #expect(story.state.recoveryProvenAt == nil)
    #expect(story.state.recoveries.count == 1)
  }

  @Test func greenWaitsForEveryProbeUnlessForcedAndMitigateOnlyWarns() throws {
    var story = Story(start)
    try story.send(.verify("ACME confirms"), at: 1)
    try story.send(.addProbe(http("checkout")), at: 2)
    #expect(
      throws: Refusal(
        "cannot announce green: probe checkout has no reading yet (or force it with a reason)")
    ) {
      try Rules.decide(.resolve(force: nil), in: story.state)
    }
    try story.send(seen("checkout", .failing, reason: "HTTP 502"), at: 3)
    #expect(
      Rules.warnings(after: .mitigate(), in: story.state) == [
        "probe checkout is still failing: HTTP 502"
      ])
    // Yellow while the data says otherwise needs a reason, which the message carries.
    #expect(
      throws: Refusal(
        "probe checkout does not pass yet: say why INC-1 is mitigated anyway with --reason \"…\" "
          + "(stakeholders read it)")
    ) { try Rules.decide(.mitigate(), in: story.state) }
    try story.send(.mitigate(reason: "rolled back; watching the error rate"), at: 4)
    #expect(
      story.state.outgoing.last?.text
        == "probe checkout still does not pass: rolled back; watching the error rate")
    #expect(throws: Refusal.self) { try Rules.decide(.resolve(force: nil), in: story.state) }
    let forced = try Rules.decide(.resolve(force: "probe points at the old host"), in: story.state)
    #expect(forced.count == 1)
    try story.send(seen("checkout", .passing), at: 5)
    #expect(try Rules.decide(.resolve(force: nil), in: story.state).count == 1)
    // A paused probe neither blocks green nor counts toward recovery.
    try story.send(.addProbe(http("flaky")), at: 6)
    try story.send(.pauseProbe("flaky"), at: 7)
    #expect(try Rules.decide(.resolve(force: nil), in: story.state).count == 1)
    try story.send(.resumeProbe("flaky"), at: 8)
    #expect(story.state.probe(named: "flaky")?.state == nil)
    #expect(throws: Refusal.self) { try Rules.decide(.resolve(force: nil), in: story.state) }
  }

  @Test func namesAreUniqueAndBadSpecsAreRefused() throws {
    var story = Story(start)
    try story.send(.addProbe(http("checkout")), at: 1)
    #expect(throws: Refusal("INC-1 already has a probe named checkout")) {
      try Rules.decide(.addProbe(http("checkout")), in: story.state)
    }
    #expect(throws: Refusal.self) { try Rules.decide(.removeProbe("nope"), in: story.state) }
    var fast = http("fast")
    fast.everySeconds = 0
    #expect(throws: Refusal("--every must be 1s to 24h")) {
      try Rules.decide(.addProbe(fast), in: story.state)
    }
    var prometheus = ProbeSpec(name: "errors", kind: .prometheus, target: "http://prom:9090")
    prometheus.query = "rate(errors[1m])"
    #expect(prometheus.problem == "a prometheus probe needs --below or --above")
    prometheus.below = .nan
    #expect(prometheus.problem == "the bound must be a finite number")
    // Removed, the name is free again; the old one stays for the post-mortem.
    try story.send(.removeProbe("checkout"), at: 2)
    try story.send(.addProbe(http("checkout")), at: 3)
    #expect(story.state.probes.count == 2)
    #expect(story.state.currentProbes.count == 1)
    // A planted row that would make a runner spin is unreadable, not folded.
    var hostile = http("spin")
    hostile.everySeconds = -1
    let row = Event.stored(type: "probe-added", payload: Event.probeAdded(hostile).payloadJSON())
    guard case .unreadable = row else {
      Issue.record("folded a probe checked every -1 s")
      return
    }
  }

  @Test func onlyChangesAreEventsAndASampleIsKeptAMinute() throws {
    var story = Story(start)
    try story.send(.addProbe(http("checkout")), at: 1)
    let probe = try #require(story.state.probe(named: "checkout"))
    let passing = ProbeReading(state: .passing, value: "200 in 80 ms", number: 80)
    let change = try #require(ProbeMachine.change(for: passing, of: probe, now: start))
    try story.send(.recordProbe(.probeChanged(change)), at: 2)
    let now = try #require(story.state.probe(named: "checkout"))
    #expect(ProbeMachine.change(for: passing, of: now, now: start) == nil)
    #expect(ProbeMachine.keepsSample(lastSampleAt: nil, now: start))
    #expect(!ProbeMachine.keepsSample(lastSampleAt: start, now: start.addingTimeInterval(59)))
    #expect(ProbeMachine.keepsSample(lastSampleAt: start, now: start.addingTimeInterval(60)))
    #expect(ProbeMachine.isDue(now, lastRun: nil, now: start))
    #expect(!ProbeMachine.isDue(now, lastRun: start, now: start.addingTimeInterval(14)))
    #expect(ProbeMachine.isDue(now, lastRun: start, now: start.addingTimeInterval(15)))
  }

  @Test func thePostMortemShowsWhatTheProbesSaw() throws {
    var story = Story(start)
    try story.send(.addProbe(http("checkout", window: 60)), at: 1)
    try story.send(seen("checkout", .failing, reason: "HTTP 502"), at: 10)
    try story.send(seen("checkout", .passing), at: 600)
    try story.send(.recordProbe(.recoveryProven(RecoveryProven(probes: ["checkout"]))), at: 660)
    let markdown = PostMortem.markdown(story.state, now: start.addingTimeInterval(700))
    #expect(markdown.contains("## Recovery"))
    #expect(
      markdown.contains(
        "| Time to recover, as the probes measured it (from the declaration) | 11m 0s |")
        || markdown.contains("Time to recover, as the probes measured it"))
    #expect(markdown.contains("- Recovery proven "))
  }

  @Test func aReasonFollowsTheReadingsAtMostOnceAMinute() throws {
    var story = Story(start)
    try story.send(.addProbe(http("checkout")), at: 1)
    func read(_ reading: ProbeReading, at seconds: TimeInterval) throws -> ProbeChanged? {
      let probe = try #require(story.state.probe(named: "checkout"))
      let now = start.addingTimeInterval(seconds)
      guard let change = ProbeMachine.change(for: reading, of: probe, now: now) else { return nil }
      try story.send(.recordProbe(.probeChanged(change)), at: seconds)
      return change
    }
    let timedOut = ProbeReading(state: .unknown, reason: "no answer within 5s")
    let html = ProbeReading(state: .unknown, reason: "HTTP 200: not a Prometheus answer (not JSON)")
    #expect(try read(timedOut, at: 2) != nil)
    #expect(try read(html, at: 30) == nil, "a new reason waits a minute since the last change")
    #expect(try read(html, at: 63)?.reason == html.reason)
    #expect(story.state.probe(named: "checkout")?.reason == html.reason)
    #expect(story.state.probe(named: "checkout")?.state == .unknown)
    #expect(try read(html, at: 200) == nil, "the same reason is not written again")
  }

  @Test func aFlappingProbeWritesOneFindingAMinuteAndSaysWhatItFolded() throws {
    var story = Story(start)
    try story.send(.addProbe(http("checkout")), at: 1)
    let failing = ProbeReading(state: .failing, reason: "HTTP 502, expected 200")
    let passing = ProbeReading(state: .passing, value: "200 in 5 ms")
    var seconds: TimeInterval = 2
    for _ in 0..<10 {
      for reading in [failing, passing] {
        let probe = try #require(story.state.probe(named: "checkout"))
        let now = start.addingTimeInterval(seconds)
        let change = try #require(ProbeMachine.change(for: reading, of: probe, now: now))
        try story.send(.recordProbe(.probeChanged(change)), at: seconds)
        seconds += 2.5
      }
    }
    let findings = story.state.log.filter { $0.text.hasPrefix("Probe checkout is failing") }
    #expect(findings.count == 1, "10 turns to failing within 50 s: \(findings.map(\.text))")
    let probe = try #require(story.state.probe(named: "checkout"))
    let later = start.addingTimeInterval(seconds + 60)
    let change = try #require(ProbeMachine.change(for: failing, of: probe, now: later))
    try story.send(.recordProbe(.probeChanged(change)), at: seconds + 60)
    let last = story.state.log.last { $0.text.hasPrefix("Probe checkout is failing") }
    #expect(last?.text.contains("also failed") == true, "\(last?.text ?? "")")
  }
}
