import Foundation
import Testing
import WarroomReports
import WarroomTestSupport

@testable import WarroomCore

@Suite("Post-mortem")
struct PostMortemTests {
  /// A whole war room, start to green, as the golden post-mortem tells it.
  static func scriptedIncident() throws -> Story {
    var story = Story(
      Declared(
        title: "Checkout returns 502", ticket: "IM-481", channel: "#inc-checkout",
        impact: "EU customers cannot pay; about 30% of orders fail."), by: "alice")
    try story.send(.completeStep(1), by: "alice")
    try story.send(.assignRole(.lead, "alice"), by: "alice")
    try story.send(.assignRole(.communicator, "bob"), by: "alice")
    try story.send(.assignRole(.recorder, "carol"), by: "alice")
    try story.send(.assignRole(.ic, "dan"), by: "alice")
    story.advance(minutes: 3)
    try story.send(.completeStep(4), by: "bob")
    try story.send(.log(.finding, "502s start at 02:58, only on checkout-api"), by: "carol")
    try story.send(
      .proposeExperiment(
        hypothesis: "The connection pool is exhausted", change: "Raise pool size 50 → 100",
        owner: "dan", target: "checkout-db"), by: "dan")
    try story.send(.startExperiment(1), by: "dan")
    story.advance(minutes: 12)
    try story.send(.concludeExperiment(1, .refuted, "Pool at 40%; errors unchanged"), by: "dan")
    try story.send(.postUpdate("Investigating 502s on checkout; next update 03:45"), by: "bob")
    story.advance(minutes: 10)
    try story.send(.log(.manualChange, "Rolled back checkout-api to v2.3.1 | by hand"), by: "dan")
    try story.send(.log(.decision, "Freeze deploys to checkout until the post-mortem"), by: "alice")
    try story.send(.mitigate(), by: "alice")
    story.advance(minutes: 40)
    try story.send(.postUpdate("Mitigated by rollback; watching"), by: "bob")
    try story.send(
      .addWhy(
        chain: nil, why: "Why did checkout fail?", because: "v2.4.0 sent malformed auth headers"),
      by: "alice")
    try story.send(
      .addWhy(
        chain: nil, why: "Why were they malformed?", because: "a library upgrade changed encoding"),
      by: "alice")
    try story.send(
      .addWhy(
        chain: 2, why: "Why did no test catch it?",
        because: "no contract test for the payment gateway"), by: "alice")
    try story.send(.addFollowup("Add a contract test for the gateway", owner: "dan"), by: "alice")
    try story.send(.completeStep(11), by: "alice")
    story.advance(minutes: 60)
    try story.send(.verify("ACME's ops confirmed payments succeed"), by: "bob")
    try story.send(.closeFollowup(1), by: "dan")
    try story.send(.resolve(force: nil), by: "alice")
    return story
  }

  @Test func goldenPostMortem() throws {
    let story = try Self.scriptedIncident()
    let markdown = PostMortem.markdown(story.state, now: story.now)
    let mismatch = Snapshot.mismatch(markdown, named: "postmortem.md")
    #expect(mismatch == nil, "\(mismatch ?? "")")
  }

  /// A fix that did not hold: mitigated, recovery proven, lost again, reopened, fixed for
  /// real and resolved; with hostile-looking but ordinary text that must read as typed.
  static func relapsedIncident() throws -> Story {
    var declared = Declared(
      title: "Checkout returns 502", ticket: "IM-481", channel: "#inc-checkout",
      impact: "~30% of EU checkouts fail -> customers retry, then give up.")
    declared.impactStartedMs = Int64(Story.start.timeIntervalSince1970 * 1000) - 6 * 60_000
    var story = Story(declared, by: "alice")
    try story.send(.assignRole(.lead, "alice"), by: "alice")
    try story.send(.assignRole(.communicator, "bob"), by: "alice")
    var probe = ProbeSpec(name: "checkout", kind: .http, target: "https://shop.example/health")
    probe.windowSeconds = 120
    try story.send(.addProbe(probe), by: "alice")
    story.record(
      .probeChanged(ProbeChanged(name: "checkout", state: .failing, reason: "HTTP 502")),
      by: "warroom")
    story.advance(minutes: 4)
    try story.send(
      .proposeExperiment(
        hypothesis: "The new pool size starves the API", change: "pool_size 100 -> 50",
        owner: "dan", target: "checkout-api"), by: "dan")
    try story.send(.startExperiment(1), by: "dan")
    story.advance(minutes: 6)
    try story.send(.concludeExperiment(1, .refuted, "errors unchanged at *30%*"), by: "dan")
    try story.send(.log(.manualChange, "Restarted checkout-api pods"), by: "dan")
    story.record(
      .probeChanged(ProbeChanged(name: "checkout", state: .passing)), by: "warroom")
    story.advance(minutes: 2)
    story.record(.recoveryProven(RecoveryProven(probes: ["checkout"])), by: "warroom")
    try story.send(.mitigate(), by: "alice")
    story.advance(minutes: 9)
    story.record(
      .probeChanged(
        ProbeChanged(name: "checkout", state: .failing, reason: "HTTP 502 from 3 of 10")),
      by: "warroom")
    try story.send(.reopen(reason: "502s are back after the restart"), by: "alice")
    try story.send(
      .proposeExperiment(
        hypothesis: "v2.4.0's auth header encoding breaks the gateway",
        change: "roll back to v2.3.1", owner: "erin", target: "checkout-api"), by: "erin")
    try story.send(.startExperiment(2), by: "erin")
    story.advance(minutes: 5)
    try story.send(.log(.manualChange, "Rolled back checkout-api to v2.3.1"), by: "erin")
    try story.send(.concludeExperiment(2, .supported, "errors at 0% 2 min after"), by: "erin")
    story.record(
      .probeChanged(ProbeChanged(name: "checkout", state: .passing)), by: "warroom")
    story.advance(minutes: 2)
    story.record(.recoveryProven(RecoveryProven(probes: ["checkout"])), by: "warroom")
    try story.send(.mitigate(), by: "alice")
    try story.send(
      .addWhy(chain: nil, why: "Why did checkout fail?", because: "v2.4.0 sent malformed headers"),
      by: "alice")
    try story.send(
      .addWhy(chain: nil, why: "Why malformed?", because: "a library upgrade changed `encode()`"),
      by: "alice")
    try story.send(.addFollowup("Contract test for the gateway", owner: "dan"), by: "alice")
    try story.send(.addFollowup("Alert on 5xx per route", owner: nil), by: "alice")
    story.advance(minutes: 30)
    try story.send(.verify("ACME confirmed payments succeed"), by: "bob")
    try story.send(.closeFollowup(1), by: "dan")
    try story.send(.resolve(force: "the alerting follow-up is tracked in IM-490"), by: "alice")
    return story
  }

  @Test func aRelapsedIncidentReadsAsAStory() throws {
    let story = try Self.relapsedIncident()
    let markdown = PostMortem.markdown(story.state, now: story.now)
    let mismatch = Snapshot.mismatch(markdown, named: "postmortem-relapse.md")
    #expect(mismatch == nil, "\(mismatch ?? "")")
    // The summary comes first, the full record last.
    let order = [
      "## Summary", "**Root cause**", "**What fixed it:**", "**What did not work:**",
      "**Follow-ups:**", "## Key moments", "## Appendix",
    ]
    let positions = order.map { markdown.range(of: $0)?.lowerBound }
    #expect(positions.allSatisfy { $0 != nil }, "\(order)")
    #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
    // Every proof and every relapse, in order, in the summary and in the recovery record.
    let recovery = try #require(markdown.range(of: "### Recovery")).upperBound
    let story2 = markdown[recovery...]
    let proven = story2.ranges(of: "- Recovery proven ").map(\.lowerBound)
    let lost = try #require(story2.range(of: "- Recovery lost ")).lowerBound
    #expect(proven.count == 2)
    #expect(proven[0] < lost && lost < proven[1], "the relapse sits between the proofs")
    #expect(
      markdown.contains(
        "| Recovery lost | 2026-12-23 04:47:40 UTC: checkout failing: HTTP 502 from 3 of 10 | 27m 0s |"
      ))
    #expect(markdown.contains("Rolled back checkout-api to v2.3.1"))
    #expect(markdown.contains("(**no owner**)"))
    // Ordinary punctuation reads as typed; code reads as code.
    #expect(markdown.contains("~30% of EU checkouts fail -> customers retry"))
    #expect(!markdown.contains("&gt;") && !markdown.contains("\\~"))
    #expect(markdown.contains("`https://shop.example/health`"))
  }

  @Test func metricsComeFromTheEvents() throws {
    let state = try Self.scriptedIncident().state
    let markdown = PostMortem.markdown(state, now: Story.start)
    #expect(markdown.contains("| Time to mitigate (from the declaration) | 25m 0s |"))
    #expect(markdown.contains("| Time to resolve (from the declaration) | 2h 5m 0s |"))
    #expect(markdown.contains("| Stakeholder updates on time | 1/2 |"))
  }

  /// Declared from an alert: the clock starts at the first alert's start, and detection
  /// is when it reached warroom (three minutes later here).
  @Test func anAlertStartsTheClock() throws {
    var story = Story(
      Declared(title: "CheckoutErrors", source: "alertmanager: CheckoutErrors"), by: "alertmanager")
    let started = Int64(milliseconds: story.now.addingTimeInterval(-180))
    story.record(
      .alertReceived(
        AlertReceived(
          source: "alertmanager", group: "g", key: "k", name: "CheckoutErrors", status: .firing,
          startedMs: started)), by: "alertmanager")
    story.advance(minutes: 20)
    try story.send(.mitigate(), by: "alice")
    let markdown = PostMortem.markdown(story.state, now: story.now)
    #expect(markdown.contains("| | When (UTC) | After the first alert |"))
    #expect(markdown.contains("| First alert | 2026-"))
    #expect(markdown.contains(": CheckoutErrors from alertmanager | 0s |"))
    #expect(markdown.contains("(alert alertmanager: CheckoutErrors)"))
    #expect(markdown.contains("| Time to detect (from the first alert) | 3m 0s |"))
    #expect(markdown.contains("| Time to mitigate (from the first alert) | 23m 0s |"))
    #expect(markdown.contains("alert CheckoutErrors firing (alertmanager) since"))
  }

  @Test func peoplesTextCannotEscapeTheDocument() throws {
    var story = Story(Declared(title: "evil \u{1B}]0;x\u{07} title"))
    try story.send(.log(.note, "a|b\u{1B}[31m"))
    let markdown = PostMortem.markdown(story.state, now: story.now)
    #expect(!markdown.contains("\u{1B}"))
    #expect(markdown.contains("a\\|b^[[31m"))
  }

  @Test func statusReportText() throws {
    var story = Story(Declared(title: "DB down", ticket: "IM-1"))
    try story.send(.assignRole(.lead, "alice"))
    try story.send(.proposeExperiment(hypothesis: "h1", change: nil, owner: "dan", target: "db"))
    try story.send(.proposeExperiment(hypothesis: "h2", change: nil, owner: "erin", target: "db"))
    try story.send(.startExperiment(1))
    try story.send(.startExperiment(2))
    story.advance(minutes: 33)
    let report = StatusReport(state: story.state, now: story.now)
    #expect(
      report.text == """
        INC-1  P1  DB down
        Status     RED (investigating), 33m since declared by alice
        Ticket     IM-1    Channel  none
        Checklist  1/13 [#............]  next: 1. Confirm it is a P1
        Roles      lead alice · communicator UNFILLED · recorder UNFILLED · ICs none
        Running    #1 dan on db: h1  CONFLICT
                   #2 erin on db: h2  CONFLICT
        CONFLICT   #1 and #2 both run on db: they may interfere
        Update     next stakeholder update OVERDUE by 03:00 (cadence 30m)
        """)
    #expect(report.nextUpdate.overdue)
    #expect(report.unfilledRoles == ["communicator", "recorder"])
  }

  @Test func aSharedAccountIsSaidOnceAndADifferentOneOnItsRow() {
    func fold(_ users: [(String, String)]) -> String {
      var state = IncidentState(id: IncidentID(number: 1))
      let start = Date(timeIntervalSince1970: 1_798_000_000)
      for (index, (actor, osUser)) in users.enumerated() {
        let event: Event =
          index == 0
          ? .declared(Declared(title: "Checkout down")) : .logged(LogAdded(kind: .note, text: "n"))
        Reducer.apply(
          EventEnvelope(
            seq: Int64(index + 1), incident: state.id, at: start, actor: actor, event: event,
            osUser: osUser), to: &state)
      }
      return PostMortem.markdown(state, now: start)
    }
    let shared = fold([("alice", "root"), ("bob", "root"), ("carol", "root")])
    #expect(shared.contains("Every event was written by the operating-system user root."))
    #expect(!shared.contains("(as OS user"))
    let mixed = fold([("alice", "alice"), ("bob", "bob"), ("mallory", "bob")])
    #expect(mixed.contains("mallory (as OS user bob)"))
    #expect(!mixed.contains("alice (as OS user"))
  }

  @Test func aProbesFindingDoesNotKeepTheLog() throws {
    var story = Story(Declared(title: "Checkout down"), by: "alice")
    let keepLog = try #require(story.state.runbook.steps.firstIndex { $0.auto == .logWritten })
    story.record(
      .logged(LogAdded(kind: .finding, text: "Probe checkout is failing")), by: "warroom")
    #expect(!story.state.isStepDone(keepLog))
    try story.send(.log(.note, "a person writes"), by: "carol")
    #expect(story.state.isStepDone(keepLog))
  }
}
