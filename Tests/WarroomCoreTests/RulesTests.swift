import Foundation
import Testing

@testable import WarroomCore

@Suite("Rules: the process's lifecycle")
struct RulesTests {
  @Test func greenNeedsVerificationAndClosedFollowups() throws {
    var story = Story()
    try story.send(.mitigate())
    #expect(story.state.status == .mitigated)
    try story.send(.addFollowup("remove the hot-fix flag", owner: "dan"))
    #expect(
      story.refusal(.resolve(force: nil))
        == "cannot announce green: the customer has not verified the fix; 1 follow-up is open (#1) (or force it with a reason)"
    )
    try story.send(.verify("ACME confirms checkout works"))
    #expect(story.refusal(.resolve(force: nil))?.contains("1 follow-up is open (#1)") == true)
    try story.send(.closeFollowup(1))
    try story.send(.resolve(force: nil))
    #expect(story.state.status == .resolved)
    #expect(story.state.forcedResolution == nil)
  }

  @Test func forcingGreenRecordsTheReason() throws {
    var story = Story()
    try story.send(.resolve(force: "customer unreachable over the holiday"))
    #expect(story.state.status == .resolved)
    #expect(story.state.forcedResolution == "customer unreachable over the holiday")
    #expect(
      story.state.timeline.last?.summary.hasPrefix(
        "Announced resolved (green), forced: customer unreachable over the holiday, "
          + "with steps 1, 2, 3") == true)
    #expect(story.state.openStepsAtGreen.first == 1)
    #expect(story.refusal(.resolve(force: "again")) == "INC-1 is already resolved")
    #expect(story.refusal(.resolve(force: "  ")) != nil)
  }

  @Test func reopenGoesBackToRedAndNeedsVerificationAgain() throws {
    var story = Story()
    #expect(story.refusal(.reopen(reason: nil)) == "INC-1 is still investigating")
    try story.send(.mitigate())
    try story.send(.verify("ok"))
    try story.send(.resolve(force: nil))
    #expect(story.state.isStepDone(12))
    try story.send(.reopen(reason: "errors are back"))
    #expect(story.state.status == .investigating)
    #expect(story.state.customerVerification == nil)
    #expect(story.state.resolvedAt == nil)
    #expect(story.state.firstMitigatedAt != nil)  // kept for time-to-mitigate
    // Steps proven by the lifecycle are no longer proven.
    #expect(!story.state.isStepDone(11) && !story.state.isStepDone(12))
    #expect(story.refusal(.resolve(force: nil))?.contains("not verified") == true)
  }

  @Test func mitigatingTwiceIsRefused() throws {
    var story = Story()
    try story.send(.mitigate())
    #expect(story.refusal(.mitigate()) == "INC-1 is already mitigated")
  }

  @Test func runningTwoExperimentsOnOneTargetIsAcceptedButFlagged() throws {
    var story = Story()
    try story.send(
      .proposeExperiment(hypothesis: "a", change: nil, owner: "dan", target: "db-primary"))
    try story.send(
      .proposeExperiment(hypothesis: "b", change: nil, owner: "erin", target: "DB-primary"))
    try story.send(.proposeExperiment(hypothesis: "c", change: nil, owner: "fay", target: "cache"))
    for id in 1...3 { try story.send(.startExperiment(id)) }
    #expect(story.state.conflictingTargets == ["db-primary"])
    #expect(story.state.experiments.map(story.state.isInConflict) == [true, true, false])
    try story.send(.abandonExperiment(2, reason: "would interfere with #1"))
    #expect(story.state.conflictingTargets.isEmpty)
  }

  @Test func experimentRefusals() throws {
    var story = Story()
    #expect(story.refusal(.startExperiment(7)) == "experiment #7 does not exist in INC-1")
    try story.send(.proposeExperiment(hypothesis: "h", change: nil, owner: nil, target: nil))
    try story.send(.startExperiment(1))
    #expect(story.refusal(.startExperiment(1)) == "experiment #1 is running, not proposed")
    try story.send(.concludeExperiment(1, .supported, "yes"))
    #expect(
      story.refusal(.abandonExperiment(1, reason: nil)) == "experiment #1 is already concluded")
    #expect(story.refusal(.concludeExperiment(1, .refuted, "")) == "the result is empty")
    try story.send(.proposeExperiment(hypothesis: "h2", change: nil, owner: nil, target: nil))
    #expect(story.state.experiments.map(\.id) == [1, 2])
  }

  @Test func cadenceStaysWithinTheRunbookBounds() throws {
    var story = Story()
    #expect(story.state.cadence == 30 * 60)
    try story.send(.setCadence(15 * 60))
    #expect(story.state.cadence == 900)
    #expect(
      story.refusal(.setCadence(10 * 60)) == "a cadence of 10m is outside the runbook's 15m to 45m")
    #expect(
      story.refusal(.setCadence(46 * 60)) == "a cadence of 46m is outside the runbook's 15m to 45m")
    #expect(story.refusal(.setCadence(900)) == "the cadence is already 15m")
    #expect(throws: Refusal.self) { try Rules.validate(Declared(title: "x", cadence: 60 * 60)) }
    #expect(throws: Refusal.self) { try Rules.validate(Declared(title: " ")) }
  }

  @Test func stepsCanBeTickedAndUndoneButSelfCompletingOnesFollowTheData() throws {
    var story = Story()
    try story.send(.completeStep(1), by: "lead")
    #expect(story.state.manualSteps[0] == Mark(by: "lead", at: story.now))
    #expect(story.refusal(.completeStep(1)) == "step 1 is already done")
    try story.send(.undoStep(1))
    #expect(!story.state.isStepDone(0))
    #expect(story.refusal(.undoStep(1)) == "step 1 is not done")
    #expect(story.refusal(.completeStep(14)) == "there is no step 14; the checklist has 1 to 13")
    #expect(story.refusal(.completeStep(0)) != nil)
    try story.send(.edit(DetailsChanged(ticket: "IM-4")))
    #expect(story.state.isStepDone(1))
    #expect(story.refusal(.completeStep(2)) == "step 2 is already done: a ticket reference is set")
    #expect(
      story.refusal(.undoStep(2)) == "step 2 completes itself while a ticket reference is set")
  }

  @Test func selfCompletingSteps() throws {
    var story = Story()
    #expect(story.state.completedStepCount == 0)
    try story.send(.assignRole(.lead, "a"))
    try story.send(.assignRole(.communicator, "b"))
    #expect(!story.state.isStepDone(4))
    try story.send(.assignRole(.recorder, "c"), by: "a")
    #expect(story.state.stepMark(4)?.by == "a")
    try story.send(.releaseRole(.recorder, "c"))
    #expect(!story.state.isStepDone(4))  // an unfilled role undoes the proof
    try story.send(.log(.note, "n"))
    try story.send(.postUpdate("u"))
    try story.send(.log(.manualChange, "m"))
    #expect(story.state.isStepDone(6) && story.state.isStepDone(7) && story.state.isStepDone(8))
    for n in 1...4 { try story.send(.addWhy(chain: nil, why: "w\(n)", because: "b\(n)")) }
    #expect(!story.state.isStepDone(9))
    try story.send(.addWhy(chain: nil, why: "w5", because: "b5"))
    #expect(story.state.isStepDone(9))
  }

  @Test func whyChains() throws {
    var story = Story()
    try story.send(.addWhy(chain: nil, why: "Why down?", because: "disk full"))
    try story.send(.addWhy(chain: nil, why: "Why full?", because: "logs"))
    try story.send(.addWhy(chain: 2, why: "Why no alert?", because: "alert muted"))
    #expect(story.state.whyChains.map(\.count) == [2, 1])
    #expect(
      story.refusal(.addWhy(chain: 4, why: "w", because: "b"))
        == "chain 4 does not exist; the next new chain is 3")
    try story.send(.addWhy(chain: nil, why: "w", because: "b"))
    #expect(story.state.whyChains.map(\.count) == [2, 2])  // the last chain
  }

  @Test func rolesRefusals() throws {
    var story = Story()
    try story.send(.assignRole(.lead, "a"))
    #expect(story.refusal(.assignRole(.lead, "a")) == "a already holds Lead")
    #expect(story.refusal(.releaseRole(.recorder, "a")) == "a does not hold Recorder")
    #expect(story.refusal(.assignRole(.ic, "")) == "the person's name is empty")
  }

  @Test func anUndeclaredIncidentRefusesEverything() {
    let state = IncidentState(id: IncidentID(number: 5))
    #expect(throws: Refusal("incident INC-5 does not exist")) {
      try Rules.decide(.log(.note, "x"), in: state)
    }
  }
}
