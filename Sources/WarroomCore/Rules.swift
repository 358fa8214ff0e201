import Foundation

/// A change a person asks for. `Rules.decide` turns it into events, or refuses it.
public enum Command: Sendable, Equatable {
  case edit(DetailsChanged)
  case log(LogKind, String)
  case editLog(Int, String)
  case strikeLog(Int, reason: String)
  case assignRole(Role, String)
  case releaseRole(Role, String)
  case completeStep(Int)
  case undoStep(Int)
  case proposeExperiment(hypothesis: String, change: String?, owner: String?, target: String?)
  case startExperiment(Int)
  case concludeExperiment(Int, ExperimentOutcome, String)
  case abandonExperiment(Int, reason: String?)
  case postUpdate(String)
  /// Announce the outage to the company (step 4).
  case announce(String)
  /// Send a failed (or possibly sent) delivery again.
  /// A person saw it arrive: settles a delivery that may have been sent, or was given up.
  case confirmDelivery(String)
  /// `liveDeliverer`: the holder of the deliverer's lease when one is running, so that a
  /// send cut off by a deliverer that stopped can be asked for again.
  case resendDelivery(String, liveDeliverer: String? = nil)
  /// The deliverer's own bookkeeping: an attempt, its outcome, an overdue update.
  case recordDelivery(Event)
  case addProbe(ProbeSpec)
  case removeProbe(String)
  case pauseProbe(String)
  case resumeProbe(String)
  /// The probe runner's own records: a change of state, proven recovery.
  case recordProbe(Event)
  case setCadence(Int)
  case addWhy(chain: Int?, why: String, because: String)
  case addFollowup(String, owner: String?)
  case closeFollowup(Int)
  /// `reason`: required while a probe does not pass, and carried by the message.
  case mitigate(reason: String? = nil)
  case verify(String)
  case resolve(force: String?)
  case reopen(reason: String?)
  /// Take back this person's last change, if made within `Rules.undoWindow` of `at`.
  case undo(by: String, at: Date)
  /// A ticket or channel the relay created becomes the incident's, where a person has
  /// not set one: a created one never overwrites a person's.
  case adoptCreated(DetailsChanged)
}

extension Command {
  /// Whether deciding it reads log entries or timeline lines the incident had before the
  /// command's process loaded it. Such a command loads the whole history
  /// (`HistoryReading.whole`); every other one is decided the same on a summary.
  public var readsHistory: Bool {
    switch self {
    case .editLog, .strikeLog, .undo: true
    default: false
    }
  }
}

/// Why a command was not carried out, in words for the person who asked.
public struct Refusal: Error, Equatable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// The process's rules: which commands are allowed in which state, and what they record.
/// Pure, so the store can run it inside a write transaction against the latest state.
public enum Rules {
  /// Checks a declaration before it is written.
  public static func validate(_ declared: Declared) throws(Refusal) {
    try requireText(declared.title, "the title")
    if let problem = declared.runbook.problem { throw Refusal("the runbook: \(problem)") }
    try checkCadence(declared.cadence, declared.runbook)
  }

  public static func decide(_ command: Command, in state: IncidentState) throws(Refusal) -> [Event]
  {
    guard state.isDeclared else { throw Refusal("incident \(state.id) does not exist") }
    switch command {
    case .adoptCreated(let created):
      var change = DetailsChanged()
      if state.ticket == nil { change.ticket = created.ticket }
      if state.channel == nil { change.channel = created.channel }
      return change.isEmpty ? [] : [.detailsChanged(change)]

    case .edit(let change):
      guard !change.isEmpty else { throw Refusal("nothing to change") }
      if let title = change.title { try requireText(title, "the title") }
      return [.detailsChanged(change)]

    case .log(let kind, let text):
      try requireText(text, "a log entry")
      return [.logged(LogAdded(kind: kind, text: text))]

    case .editLog(let number, let text):
      let entry = try logEntry(number, in: state)
      try requireText(text, "the corrected text")
      guard text != entry.text else { throw Refusal("log #\(number) already says that") }
      return [.logEdited(LogEdited(entry: number, text: text))]

    case .strikeLog(let number, let reason):
      _ = try logEntry(number, in: state)
      try requireText(reason, "the reason for striking it")
      return [.logStruck(LogStruck(entry: number, reason: reason))]

    case .assignRole(let role, let person):
      try requireText(person, "the person's name")
      if state.roles.holders(of: role).contains(person) {
        throw Refusal("\(person) already holds \(role.title)")
      }
      // Handing a single-holder role over releases the previous holder first, so the
      // history shows the hand-off explicitly.
      let previous = role.isSingleHolder ? state.roles.holders(of: role) : []
      return previous.map { .roleReleased(RoleChange(role: role, person: $0)) }
        + [.roleAssigned(RoleChange(role: role, person: person))]

    case .releaseRole(let role, let person):
      guard state.roles.holders(of: role).contains(person) else {
        throw Refusal("\(person) does not hold \(role.title)")
      }
      return [.roleReleased(RoleChange(role: role, person: person))]

    case .completeStep(let step):
      let index = try stepIndex(step, in: state)
      if let check = state.runbook.steps[index].auto, state.autoSteps[index] != nil {
        throw Refusal("step \(step) is already done: \(check.explanation)")
      }
      guard state.manualSteps[index] == nil else { throw Refusal("step \(step) is already done") }
      return [.stepCompleted(StepRef(step: step))]

    case .undoStep(let step):
      let index = try stepIndex(step, in: state)
      if state.manualSteps[index] == nil, let check = state.runbook.steps[index].auto,
        state.autoSteps[index] != nil
      {
        throw Refusal("step \(step) completes itself while \(check.explanation)")
      }
      guard state.manualSteps[index] != nil else { throw Refusal("step \(step) is not done") }
      return [.stepUndone(StepRef(step: step))]

    case .proposeExperiment(let hypothesis, let change, let owner, let target):
      try requireText(hypothesis, "the hypothesis")
      let id = (state.experiments.map(\.id).max() ?? 0) + 1
      return [
        .experimentProposed(
          ExperimentProposed(
            id: id, hypothesis: hypothesis, change: change.nonEmpty, owner: owner.nonEmpty,
            target: target.nonEmpty))
      ]

    case .startExperiment(let id):
      let experiment = try findExperiment(id, in: state)
      guard experiment.state == .proposed else {
        throw Refusal("experiment #\(id) is \(experiment.state.rawValue), not proposed")
      }
      // A conflicting start is accepted: the process says to coordinate, and the
      // dashboard and `status` flag it, but people may have reasons.
      return [.experimentStarted(ExperimentRef(id: id))]

    case .concludeExperiment(let id, let outcome, let result):
      try requireText(result, "the result")
      let experiment = try findExperiment(id, in: state)
      guard experiment.state == .running || experiment.state == .proposed else {
        throw Refusal("experiment #\(id) is already \(experiment.state.rawValue)")
      }
      return [.experimentConcluded(ExperimentConcluded(id: id, outcome: outcome, result: result))]

    case .abandonExperiment(let id, let reason):
      let experiment = try findExperiment(id, in: state)
      guard experiment.state == .running || experiment.state == .proposed else {
        throw Refusal("experiment #\(id) is already \(experiment.state.rawValue)")
      }
      return [.experimentAbandoned(ExperimentRef(id: id, reason: reason.nonEmpty))]

    case .postUpdate(let text):
      try requireText(text, "a stakeholder update")
      return [.stakeholderUpdated(TextBody(text: text))]

    case .announce(let text):
      try requireText(text, "the announcement")
      return [.announced(TextBody(text: text))]

    case .resendDelivery(let id, let liveDeliverer):
      guard let record = state.delivery(id) else {
        throw Refusal("\(state.id) has no delivery \(id)")
      }
      switch record.phase {
      case .delivered: throw Refusal("\(id) was delivered; nothing to resend")
      case .sending(let deliverer) where deliverer == liveDeliverer:
        throw Refusal("\(id) is being sent right now")
      case .sending where liveDeliverer != nil:
        // Its deliverer stopped mid-send; the one running now settles it (sends it again
        // where that is safe, else marks it as possibly sent) within a few seconds.
        throw Refusal(
          "\(id) was cut off mid-send; the running deliverer is settling it: "
            + "check warroom notify status in a few seconds")
      case .sending: break  // nobody delivers: the send it was in cannot still be going on
      case .resendAsked: throw Refusal("a resend of \(id) is already asked for")
      case .failed, .uncertain, .retrying: break
      }
      return [
        .deliveryResend(
          DeliveryResend(delivery: id, destination: record.destination, message: record.message))
      ]

    case .confirmDelivery(let id):
      guard let record = state.delivery(id) else {
        throw Refusal("\(state.id) has no delivery \(id)")
      }
      switch record.phase {
      case .uncertain, .failed: break
      case .delivered: throw Refusal("\(id) is already delivered")
      default:
        throw Refusal("\(id) is still being sent: wait for its outcome before settling it")
      }
      return [
        .delivered(
          Delivered(
            delivery: id, destination: record.destination, message: record.message, status: nil,
            remote: nil, confirmed: true))
      ]

    case .recordDelivery(let event):
      switch event {
      case .deliveryAttempted(let attempt):
        guard let message = state.outgoing.first(where: { $0.seq == attempt.message }) else {
          throw Refusal("event #\(attempt.message) of \(state.id) is not a message")
        }
        // Taken back while the deliverer was about to send it: cancelled, never sent.
        let reached = { state.mayHaveReached($0, destination: attempt.destination) }
        if state.undone[message.seq] != nil, !reached(message.seq) {
          throw Refusal("\(attempt.delivery) was taken back before it was sent")
        }
        if let corrected = message.corrects, !reached(corrected) {
          throw Refusal("\(attempt.delivery) corrects a message that never reached it")
        }
        if state.delivery(attempt.delivery)?.isDelivered == true {
          throw Refusal("\(attempt.delivery) was already delivered")
        }
      case .updateOverdue(let overdue):
        if state.overdueNoted.contains(overdue.dueMs) {
          throw Refusal("that overdue update is already noted")
        }
      case .delivered, .deliveryFailed: break
      default: throw Refusal("not a delivery record")
      }
      return [event]

    case .addProbe(let spec):
      if let problem = spec.problem { throw Refusal(problem) }
      if state.probe(named: spec.name) != nil {
        throw Refusal("\(state.id) already has a probe named \(spec.name)")
      }
      return [.probeAdded(spec)]

    case .removeProbe(let name):
      _ = try probe(name, in: state)
      return [.probeRemoved(ProbeRef(name: name))]

    case .pauseProbe(let name):
      guard try !probe(name, in: state).paused else { throw Refusal("\(name) is already paused") }
      return [.probePaused(ProbeRef(name: name))]

    case .resumeProbe(let name):
      guard try probe(name, in: state).paused else { throw Refusal("\(name) is not paused") }
      return [.probeResumed(ProbeRef(name: name))]

    case .recordProbe(let event):
      switch event {
      case .probeChanged(let change):
        let record = try probe(change.name, in: state)
        guard !record.paused else { throw Refusal("\(change.name) is paused") }
        guard
          record.state != change.state || record.value != change.value
            || record.reason != change.reason
        else {
          throw Refusal("\(change.name) is already \(change.state.rawValue)")
        }
      case .recoveryProven:
        guard state.recoveryProvenAt == nil else { throw Refusal("recovery is already proven") }
        guard !state.activeProbes.isEmpty, state.probesNotPassing.isEmpty else {
          throw Refusal("not every probe is passing")
        }
      default: throw Refusal("not a probe record")
      }
      // A probe turning failing is a finding for the log, where the recorder looks.
      // At most one a minute per probe: the turns in between are counted, and said here.
      if case .probeChanged(let change) = event, change.state == .failing,
        change.quiet != true, let record = state.probe(named: change.name),
        record.state != .failing
      {
        let why = change.reason.map { ": \($0)" } ?? ""
        let quiet = record.quietFailures
        let folded =
          quiet == 0
          ? "" : " (it also failed \(quiet) more time\(quiet == 1 ? "" : "s") since the last note)"
        return [
          event,
          .logged(LogAdded(kind: .finding, text: "Probe \(change.name) is failing\(why)\(folded)")),
        ]
      }
      return [event]

    case .setCadence(let seconds):
      try checkCadence(seconds, state.runbook)
      guard seconds != state.cadence else {
        throw Refusal("the cadence is already \(DurationText.short(seconds))")
      }
      return [.cadenceChanged(CadenceChanged(seconds: seconds))]

    case .addWhy(let chain, let why, let because):
      try requireText(why, "the why")
      try requireText(because, "the because")
      let number = chain ?? max(1, state.whyChains.count)
      guard number >= 1, number <= state.whyChains.count + 1 else {
        throw Refusal(
          "chain \(number) does not exist; the next new chain is \(state.whyChains.count + 1)")
      }
      return [.whyAdded(WhyAdded(chain: number, why: why, because: because))]

    case .addFollowup(let text, let owner):
      try requireText(text, "a follow-up")
      let id = (state.followups.map(\.id).max() ?? 0) + 1
      return [.followupAdded(FollowupAdded(id: id, text: text, owner: owner.nonEmpty))]

    case .closeFollowup(let id):
      guard let followup = state.followups.first(where: { $0.id == id }) else {
        throw Refusal("follow-up #\(id) does not exist in \(state.id)")
      }
      guard followup.done == nil else { throw Refusal("follow-up #\(id) is already done") }
      return [.followupDone(FollowupRef(id: id))]

    case .mitigate(let reason):
      guard state.status == .investigating else {
        throw Refusal("\(state.id) is already \(state.status.rawValue)")
      }
      // Stakeholders are told customers are no longer affected: while a probe says
      // otherwise, that needs a reason, and the message carries it.
      let doubting = state.probesNotPassing.map(\.spec.name)
      let given = reason.nonEmpty
      if !doubting.isEmpty {
        guard let given else {
          throw Refusal(
            "probe \(doubting.joined(separator: ", ")) does not pass yet: say why \(state.id) "
              + "is mitigated anyway with --reason \"…\" (stakeholders read it)")
        }
        try requireText(given, "the reason")
        let verb = doubting.count == 1 ? "does" : "do"
        return [
          .mitigated(
            Mitigated(
              reason: "probe \(doubting.joined(separator: ", ")) still \(verb) not pass: \(given)"
            ))
        ]
      }
      if let given { try requireText(given, "the reason") }
      return [.mitigated(Mitigated(reason: given))]

    case .verify(let text):
      try requireText(text, "the customer's verification")
      guard state.status != .resolved else { throw Refusal("\(state.id) is already resolved") }
      return [.customerVerified(TextBody(text: text))]

    case .resolve(let force):
      guard state.status != .resolved else { throw Refusal("\(state.id) is already resolved") }
      // Green with steps still open is allowed, but recorded (the green step itself aside).
      let open = state.runbook.steps.indices.filter {
        !state.isStepDone($0) && state.runbook.steps[$0].auto != .resolved
      }.map { $0 + 1 }
      let openSteps = open.isEmpty ? nil : open
      if let reason = force {
        try requireText(reason, "the reason for forcing green")
        return [.resolved(Resolved(forcedReason: reason, openSteps: openSteps))]
      }
      let blockers = greenBlockers(in: state)
      guard blockers.isEmpty else {
        throw Refusal(
          "cannot announce green: " + blockers.joined(separator: "; ")
            + " (or force it with a reason)")
      }
      return [.resolved(Resolved(openSteps: openSteps))]

    case .reopen(let reason):
      guard state.status != .investigating else {
        throw Refusal("\(state.id) is still investigating")
      }
      return [.reopened(Reopened(reason: reason.nonEmpty))]

    case .undo(let person, let now):
      guard let last = lastChange(by: person, in: state) else {
        throw Refusal("\(person) has no change in \(state.id) to take back")
      }
      guard now.timeIntervalSince(last.at) <= undoWindow else {
        throw Refusal(
          "\(person)'s last change is older than \(DurationText.short(Int(undoWindow))): "
            + "correct it instead (log edit, log strike, step undo …)")
      }
      return [.undone(UndoRef(seq: last.seq))] + (try inverse(of: last, in: state))
    }
  }

  /// How long after a change its author may take it back with `undo`.
  public static let undoWindow: TimeInterval = 600

  /// A person's last change that can be looked at for undoing: not itself an undo, not
  /// already undone, and not written by an undo (so undo never redoes).
  public static func lastChange(by person: String, in state: IncidentState) -> EventEnvelope? {
    let recent = state.recentEvents
    for index in recent.indices.reversed() where recent[index].actor == person {
      let envelope = recent[index]
      if case .undone = envelope.event { continue }
      if index > 0, case .undone = recent[index - 1].event, recent[index - 1].actor == person {
        continue
      }
      if state.undone[envelope.seq] != nil { continue }
      return envelope
    }
    return nil
  }

  /// The events that take `envelope` back, or why it cannot be.
  private static func inverse(of envelope: EventEnvelope, in state: IncidentState) throws(Refusal)
    -> [Event]
  {
    switch envelope.event {
    case .logged:
      guard let entry = state.log.entry(of: envelope.seq) else { break }
      return [.logStruck(LogStruck(entry: entry.number, reason: "taken back by its author"))]
    case .logEdited(let edit):
      guard let earlier = state.log.entry(number: edit.entry)?.corrections.last?.text
      else { break }
      return [.logEdited(LogEdited(entry: edit.entry, text: earlier))]
    case .stepCompleted(let step): return [.stepUndone(step)]
    case .stepUndone(let step): return [.stepCompleted(step)]
    case .roleAssigned(let change):
      guard state.roles.holders(of: change.role).contains(change.person) else { break }
      return [.roleReleased(change)]
    case .roleReleased(let change):
      guard !state.roles.holders(of: change.role).contains(change.person) else { break }
      return [.roleAssigned(change)]
    case .experimentProposed(let proposed):
      guard state.experiments.first(where: { $0.id == proposed.id })?.state == .proposed else {
        break
      }
      return [.experimentAbandoned(ExperimentRef(id: proposed.id, reason: "taken back"))]
    case .mitigated, .resolved:
      guard state.status != .investigating else { break }
      // Said as what it is: a mistake corrected, not a fix that failed. Where the mistaken
      // message has not gone yet, it is cancelled instead (see `Outbox`).
      let word = { if case .mitigated = envelope.event { "mitigated" } else { "resolved" } }()
      let now = state.status == .resolved && word == "mitigated" ? "resolved" : "being investigated"
      return [
        .reopened(
          Reopened(
            reason: "\(state.id) was marked \(word) by mistake; it is still \(now)",
            corrects: envelope.seq))
      ]
    case .stakeholderUpdated, .announced:
      // Still queued everywhere: taking it back cancels it. Once it may have reached
      // someone, only a correcting update can undo it.
      guard !state.mayHaveReachedAnyone(envelope.seq) else { break }
      return []
    default: break
    }
    let what = state.timeline.line(of: envelope.seq)?.summary ?? envelope.event.typeName
    if envelope.event.messageType != nil {
      throw Refusal(
        "your last change (\(what)) has already reached people: post a correcting update "
          + "instead (warroom update \"Correction: …\")")
    }
    throw Refusal(
      "your last change (\(what)) cannot be taken back by undo: it went out or others built on "
        + "it; record a correction instead")
  }

  /// What stands between the incident and green, in words; empty when nothing does.
  public static func greenBlockers(in state: IncidentState) -> [String] {
    var blockers: [String] = []
    for probe in state.probesNotPassing {
      let why = probe.reason.map { ": \($0)" } ?? ""
      blockers.append(
        probe.state == nil
          ? "probe \(probe.spec.name) has no reading yet"
          : "probe \(probe.spec.name) is \(probe.stateWord)\(why)")
    }
    if state.customerVerification == nil {
      blockers.append("the customer has not verified the fix")
    }
    let open = state.openFollowups
    if !open.isEmpty {
      let ids = open.map { "#\($0.id)" }.joined(separator: ", ")
      blockers.append("\(open.count) follow-up\(open.count == 1 ? " is" : "s are") open (\(ids))")
    }
    return blockers
  }

  // MARK: - Checks

  private static func requireText(_ text: String, _ what: String) throws(Refusal) {
    if text.trimmed.isEmpty { throw Refusal("\(what) is empty") }
    if text.utf8.count > Limits.textBytes {
      throw Refusal("\(what) is longer than \(Limits.textBytes / 1024) KiB")
    }
  }

  private static func checkCadence(_ seconds: Int, _ runbook: Runbook) throws(Refusal) {
    guard Limits.cadence.contains(seconds), seconds >= runbook.minimumCadence,
      seconds <= runbook.maximumCadence
    else {
      throw Refusal(
        "a cadence of \(DurationText.short(seconds)) is outside the runbook's "
          + "\(DurationText.short(runbook.minimumCadence)) to "
          + "\(DurationText.short(runbook.maximumCadence))")
    }
  }

  private static func stepIndex(_ step: Int, in state: IncidentState) throws(Refusal) -> Int {
    guard step >= 1, step <= state.runbook.steps.count else {
      throw Refusal("there is no step \(step); the checklist has 1 to \(state.runbook.steps.count)")
    }
    return step - 1
  }

  /// A log entry that can still be corrected: it exists and is not struck.
  private static func logEntry(_ number: Int, in state: IncidentState) throws(Refusal) -> LogEntry {
    guard number >= 1, number <= state.log.total else {
      throw Refusal(
        state.log.total == 0
          ? "the log of \(state.id) is empty"
          : "there is no log #\(number); it has 1 to \(state.log.total)")
    }
    // Commands that name an entry read the whole history (`Command.readsHistory`).
    guard let entry = state.log.entry(number: number) else {
      throw Refusal("log #\(number) was not read; this is a bug in warroom")
    }
    if let struck = entry.struck {
      throw Refusal("log #\(number) was struck by \(struck.by) (\(struck.text ?? "")); log it anew")
    }
    return entry
  }

  private static func probe(_ name: String, in state: IncidentState) throws(Refusal) -> ProbeRecord
  {
    guard let probe = state.probe(named: name) else {
      let names = state.currentProbes.map(\.spec.name)
      throw Refusal(
        "\(state.id) has no probe named \(name)"
          + (names.isEmpty ? "" : " (it has \(names.joined(separator: ", ")))"))
    }
    return probe
  }

  /// What a person should hear after a command that went through: `mitigate` while a
  /// probe still fails is allowed, but said.
  public static func warnings(after command: Command, in state: IncidentState) -> [String] {
    guard case .mitigate = command else { return [] }
    return state.activeProbes.filter { $0.state == .failing }.map {
      "probe \($0.spec.name) is still failing" + ($0.reason.map { ": \($0)" } ?? "")
    }
  }

  private static func findExperiment(_ id: Int, in state: IncidentState) throws(Refusal)
    -> Experiment
  {
    guard let experiment = state.experiments.first(where: { $0.id == id }) else {
      throw Refusal("experiment #\(id) does not exist in \(state.id)")
    }
    return experiment
  }
}

extension Optional where Wrapped == String {
  /// Nil for nil or blank text, so optional fields never store empty strings.
  var nonEmpty: String? {
    guard let text = self, !text.trimmed.isEmpty else { return nil }
    return text
  }
}
