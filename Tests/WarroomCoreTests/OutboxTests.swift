import Foundation
import Testing
import WarroomCore
import WarroomReports

/// The outbox's decisions: what is sent, when it is sent again, and what waits for a
/// person. Pure: the clock is passed in.
@Suite("Outbox")
struct OutboxTests {
  let start = Date(timeIntervalSince1970: 1_798_000_000)
  let id = IncidentID(number: 1)

  func envelope(_ seq: Int64, _ event: Event, at seconds: TimeInterval = 0, actor: String = "ann")
    -> EventEnvelope
  {
    EventEnvelope(
      seq: seq, incident: id, at: start.addingTimeInterval(seconds), actor: actor, event: event)
  }

  func incident(_ events: [Event]) -> IncidentState {
    var all = [envelope(1, .declared(Declared(title: "Checkout down")))]
    for (index, event) in events.enumerated() {
      all.append(envelope(Int64(index + 2), event, at: Double(index + 1)))
    }
    return Reducer.fold(id, all)
  }

  let slack = DestinationRule(name: "slack", kind: .slack, messages: Set(MessageType.allCases))
  let hook = DestinationRule(name: "hook", kind: .webhook, messages: [.update])

  func sends(_ actions: [Outbox.Action]) -> [String] {
    actions.compactMap { if case .send(let job) = $0 { "\(job.id)#\(job.attempt)" } else { nil } }
  }

  @Test func aNewMessageIsSentToEachDestinationThatWantsIt() {
    let state = incident([.stakeholderUpdated(TextBody(text: "all hands"))])
    let actions = Outbox.plan(
      state, destinations: [slack, hook], now: start.addingTimeInterval(5),
      inFlight: [])
    // Slack first gets the declaration (its thread's parent); the update waits its turn.
    #expect(sends(actions) == ["INC-1-1-slack#1", "INC-1-2-hook#1"])
  }

  /// A destination that posts in the incident's own channel waits for it (created by the
  /// relay or set by a person), in order, at most five minutes; then it is tried anyway.
  @Test func messagesForTheIncidentsChannelWaitForIt() {
    let room = DestinationRule(
      name: "room", kind: .slack, messages: [.declared, .update], waitsForChannel: true)
    let waiting = incident([.stakeholderUpdated(TextBody(text: "u"))])
    #expect(
      sends(
        Outbox.plan(waiting, destinations: [room], now: start.addingTimeInterval(60), inFlight: [])
      ).isEmpty)
    let set = incident([
      .stakeholderUpdated(TextBody(text: "u")), .detailsChanged(DetailsChanged(channel: "#inc-1")),
    ])
    #expect(
      sends(Outbox.plan(set, destinations: [room], now: start.addingTimeInterval(60), inFlight: []))
        == ["INC-1-1-room#1"])
    let late = Outbox.plan(
      waiting, destinations: [room], now: start.addingTimeInterval(301), inFlight: [])
    #expect(sends(late) == ["INC-1-1-room#1"], "tried anyway, to say what is missing")
  }

  @Test func severitiesFilterAndOldMessagesAreNotReplayed() {
    var p2 = DestinationRule(name: "p2only", kind: .webhook, messages: [.update])
    p2.severities = [.p2]
    let state = incident([.stakeholderUpdated(TextBody(text: "x"))])
    #expect(
      Outbox.plan(state, destinations: [p2], now: start, inFlight: []).isEmpty)
    let hourLater = start.addingTimeInterval(Outbox.sendsMessagesYoungerThan + 10)
    #expect(
      sends(Outbox.plan(state, destinations: [hook], now: hourLater, inFlight: []))
        .isEmpty)
  }

  @Test func inFlightAndDeliveredAreLeftAloneAndRetriesWaitTheirTime() {
    let delivery = "INC-1-2-hook"
    var state = incident([.stakeholderUpdated(TextBody(text: "x"))])
    #expect(
      Outbox.plan(state, destinations: [hook], now: start, inFlight: [delivery])
        .isEmpty)
    Reducer.apply(
      envelope(
        3,
        .deliveryAttempted(
          DeliveryAttempted(
            delivery: delivery, destination: "hook", message: 2, attempt: 1, deliverer: "D")),
        at: 2), to: &state)
    Reducer.apply(
      envelope(
        4,
        .deliveryFailed(
          DeliveryFailed(
            delivery: delivery, destination: "hook", message: 2, reason: "HTTP 500",
            retryAtMs: Int64(milliseconds: start.addingTimeInterval(10)))),
        at: 3), to: &state)
    #expect(
      sends(
        Outbox.plan(
          state, destinations: [hook], now: start.addingTimeInterval(9),
          inFlight: [])
      )
      .isEmpty)
    #expect(
      sends(
        Outbox.plan(
          state, destinations: [hook], now: start.addingTimeInterval(10),
          inFlight: []))
        == ["\(delivery)#2"])
    Reducer.apply(
      envelope(
        5,
        .delivered(
          Delivered(delivery: delivery, destination: "hook", message: 2, status: 200, remote: nil)),
        at: 11), to: &state)
    #expect(
      Outbox.plan(
        state, destinations: [hook], now: start.addingTimeInterval(20), inFlight: []
      )
      .isEmpty)
    #expect(state.undeliveredCount == 0)
  }

  @Test func anInterruptedSendIsResentOnlyWhereTheReceiverDeduplicates() {
    var state = incident([.stakeholderUpdated(TextBody(text: "x"))])
    for (seq, destination) in [(Int64(3), "hook"), (4, "slack")] {
      Reducer.apply(
        envelope(
          seq,
          .deliveryAttempted(
            DeliveryAttempted(
              delivery: "INC-1-\(destination == "hook" ? 2 : 1)-\(destination)",
              destination: destination,
              message: destination == "hook" ? 2 : 1, attempt: 1, deliverer: "dead")),
          at: 2), to: &state)
    }
    let actions = Outbox.plan(
      state, destinations: [slack, hook], now: start.addingTimeInterval(5),
      inFlight: [])
    #expect(sends(actions) == ["INC-1-2-hook#2"])
    let uncertain = actions.compactMap { action -> String? in
      if case .markUncertain(let failed) = action { return failed.delivery }
      return nil
    }
    #expect(uncertain == ["INC-1-1-slack"])
  }

  @Test func aPermanentRefusalWaitsForAPersonAndAResendGoesAgain() throws {
    let delivery = "INC-1-2-hook"
    var state = incident([.stakeholderUpdated(TextBody(text: "x"))])
    let job = DeliveryJob(id: delivery, destination: "hook", message: state.outgoing[1], attempt: 1)
    let refused = Outbox.record(
      .failed(reason: "HTTP 404", permanent: true, retryAfter: nil), of: job, firstAttemptAt: start,
      now: start, jitter: 0.5)
    Reducer.apply(
      envelope(
        3,
        .deliveryAttempted(
          DeliveryAttempted(
            delivery: delivery, destination: "hook", message: 2, attempt: 1, deliverer: "D"))),
      to: &state)
    Reducer.apply(envelope(4, refused), to: &state)
    #expect(state.delivery(delivery)?.phase == .failed(reason: "HTTP 404"))
    #expect(state.undeliveredCount == 1)
    #expect(
      Outbox.plan(
        state, destinations: [hook], now: start.addingTimeInterval(60), inFlight: []
      )
      .isEmpty)
    let resend = try Rules.decide(.resendDelivery(delivery), in: state)
    Reducer.apply(envelope(5, resend[0], actor: "carol"), to: &state)
    #expect(
      sends(
        Outbox.plan(
          state, destinations: [hook], now: start.addingTimeInterval(61),
          inFlight: []))
        == ["\(delivery)#2"])
    #expect(throws: Refusal.self) { try Rules.decide(.resendDelivery("INC-1-99-x"), in: state) }
  }

  @Test func backoffGrowsWithJitterHonoursRetryAfterAndGivesUpAfterAnHour() {
    #expect(RetryPolicy.delay(after: 1, jitter: 0) == 1)
    #expect(RetryPolicy.delay(after: 4, jitter: 1) == 8)
    #expect(RetryPolicy.delay(after: 4, jitter: 0) == 4)
    #expect(RetryPolicy.delay(after: 30, jitter: 1) == 300)
    #expect(RetryPolicy.delay(after: Int.max, jitter: 1) == 300)
    let next = RetryPolicy.next(
      after: 1, firstAttemptAt: start, now: start, retryAfter: 30, jitter: 0)
    #expect(next == start.addingTimeInterval(30))
    // The last try is made at the give-up time, not skipped because backoff would pass it.
    #expect(
      RetryPolicy.next(
        after: 20, firstAttemptAt: start, now: start.addingTimeInterval(3500), retryAfter: nil,
        jitter: 1) == start.addingTimeInterval(3600))
    #expect(
      RetryPolicy.next(
        after: 21, firstAttemptAt: start, now: start.addingTimeInterval(3600), retryAfter: nil,
        jitter: 1) == nil)
    // A receiver asking for an hour, or for the year 9999, is honoured up to the give-up time.
    for asked in [3600.0, 3601, 250_000_000_000] {
      #expect(
        RetryPolicy.next(after: 1, firstAttemptAt: start, now: start, retryAfter: asked, jitter: 0)
          == start.addingTimeInterval(3600))
    }
  }

  @Test func aPlantedRetryTimePastTheWindowIsHeldToItAndCountsAsUndelivered() throws {
    let declared = incident([])
    let message = try #require(declared.outgoing.first)
    let delivery = DeliveryID.make(incident: id, message: message.seq, destination: "slack")
    let job = DeliveryJob(id: delivery, destination: "slack", message: message, attempt: 1)
    let year9999 = Int64(253_402_300_799_000)
    let state = incident([
      job.attempted(by: "d"),  // at start + 1
      .deliveryFailed(
        DeliveryFailed(
          delivery: delivery, destination: "slack", message: message.seq, reason: "planted",
          retryAtMs: year9999)),
    ])
    let record = try #require(state.delivery(delivery))
    let giveUp = start.addingTimeInterval(1 + 3600)
    #expect(record.phase == DeliveryRecord.Phase.retrying(reason: "planted", retryAt: giveUp))
    #expect(state.undeliveredCount == 1)
    #expect(
      sends(Outbox.plan(state, destinations: [slack], now: giveUp, inFlight: [])) == [
        "INC-1-1-slack#2"
      ])
  }

  @Test func anOverdueCountdownIsNotedOnceForDestinationsThatWantIt() {
    let nudge = DestinationRule(name: "comms", kind: .slack, messages: [.overdue])
    var state = incident([])
    let late = state.declaredAt.addingTimeInterval(TimeInterval(state.cadence) + 1)
    let actions = Outbox.plan(state, destinations: [nudge], now: late, inFlight: [])
    guard case .noteOverdue(let overdue) = actions.last else {
      Issue.record("no overdue note in \(actions)")
      return
    }
    Reducer.apply(envelope(2, .updateOverdue(overdue), at: 2000), to: &state)
    #expect(state.outgoing.last?.type == .overdue)
    let again = Outbox.plan(state, destinations: [nudge], now: late, inFlight: [])
    #expect(!again.contains { if case .noteOverdue = $0 { true } else { false } })
    #expect(
      Outbox.plan(state, destinations: [hook], now: late, inFlight: []).isEmpty)
  }

  @Test func announcingCompletesStepFourAndUndoCannotTakeBackWhatReachedPeople() throws {
    let state = incident(
      [.announced(TextBody(text: "Checkout is down for some customers"))]
        + delivered(2, to: "slack"))
    #expect(state.isStepDone(3))
    #expect(state.outgoing.map(\.type) == [.declared, .announce])
    #expect(throws: Refusal.self) { try Rules.decide(.undo(by: "ann", at: start), in: state) }
  }

  @Test func aDeliveryLateAgainstTheCountdownCountsAsLate() {
    var state = incident([.stakeholderUpdated(TextBody(text: "x"))])
    let update = state.updates[0]
    #expect(state.reachedOnTime(update))
    Reducer.apply(
      envelope(
        3,
        .delivered(
          Delivered(
            delivery: "d", destination: "hook", message: update.seq, status: 200, remote: nil)),
        at: TimeInterval(state.cadence) + 60), to: &state)
    #expect(!state.reachedOnTime(state.updates[0]))
    #expect(PostMortem.markdown(state, now: start).contains("delivered late"))
  }

  // MARK: Undo that tells the truth

  func delivered(_ seq: Int64, to destination: String) -> [Event] {
    let delivery = DeliveryID.make(incident: id, message: seq, destination: destination)
    let message = OutgoingMessage(
      seq: seq, type: .mitigated, text: nil, by: "ann", at: start, status: .mitigated)
    let job = DeliveryJob(id: delivery, destination: destination, message: message, attempt: 1)
    return [
      job.attempted(by: "d"),
      .delivered(
        Delivered(
          delivery: delivery, destination: destination, message: seq, status: 200, remote: nil)),
    ]
  }

  @Test func undoingADeliveredMitigationSendsACorrectionWhereItWent() throws {
    let teams = DestinationRule(name: "teams", kind: .teams, messages: [.mitigated])
    var events: [Event] = [.mitigated()]  // seq 2
    events += delivered(1, to: "slack") + delivered(2, to: "slack") + delivered(2, to: "teams")
    var state = incident(events)
    let undo = try Rules.decide(.undo(by: "ann", at: start.addingTimeInterval(60)), in: state)
    guard case .reopened(let reopened) = undo.last else {
      Issue.record("undo wrote \(undo)")
      return
    }
    #expect(reopened.corrects == 2)
    #expect(
      reopened.reason == "INC-1 was marked mitigated by mistake; it is still being investigated")
    var seq = state.lastSeq
    for event in undo {
      seq += 1
      Reducer.apply(envelope(seq, event, at: 100), to: &state)
    }
    let correction = try #require(state.outgoing.last)
    #expect(correction.corrects == 2)
    // Teams does not take reopened messages, but had the mistake: it gets the correction.
    let sent = sends(
      Outbox.plan(
        state, destinations: [slack, teams], now: start.addingTimeInterval(101), inFlight: []))
    #expect(sent == ["INC-1-\(correction.seq)-slack#1", "INC-1-\(correction.seq)-teams#1"])
  }

  @Test func undoingAMitigationStillQueuedCancelsItAndSendsNothing() throws {
    var state = incident([.mitigated()] + delivered(1, to: "slack"))
    let undo = try Rules.decide(.undo(by: "ann", at: start.addingTimeInterval(60)), in: state)
    var seq = state.lastSeq
    for event in undo {
      seq += 1
      Reducer.apply(envelope(seq, event, at: 100), to: &state)
    }
    #expect(state.status == .investigating)
    #expect(
      Outbox.plan(state, destinations: [slack], now: start.addingTimeInterval(101), inFlight: [])
        .isEmpty)
    #expect(state.undeliveredCount == 0)
  }

  @Test func anUpdateStillQueuedIsCancelledByUndoAndOneDeliveredIsNot() throws {
    var state = incident(delivered(1, to: "slack") + [.stakeholderUpdated(TextBody(text: "oops"))])
    let undo = try Rules.decide(.undo(by: "ann", at: start.addingTimeInterval(60)), in: state)
    #expect(undo.count == 1)
    var seq = state.lastSeq
    for event in undo {
      seq += 1
      Reducer.apply(envelope(seq, event, at: 100), to: &state)
    }
    #expect(
      Outbox.plan(state, destinations: [slack], now: start.addingTimeInterval(101), inFlight: [])
        .isEmpty)
    let reached = incident(
      delivered(1, to: "slack") + [.stakeholderUpdated(TextBody(text: "oops"))]
        + delivered(4, to: "slack"))
    #expect(throws: Refusal.self) {
      try Rules.decide(.undo(by: "ann", at: start.addingTimeInterval(60)), in: reached)
    }
  }

  @Test func anUpdatePostedWhileNothingDeliversIsNeitherOnTimeNorStepEight() throws {
    // Updates are delivered in this incident (the first one reached Slack)...
    let first = OutgoingMessage(
      seq: 2, type: .update, text: "one", by: "ann", at: start, status: .investigating)
    let delivery = DeliveryID.make(incident: id, message: 2, destination: "slack")
    let job = DeliveryJob(id: delivery, destination: "slack", message: first, attempt: 1)
    var state = incident([
      .stakeholderUpdated(TextBody(text: "one")), job.attempted(by: "d"),
      .delivered(
        Delivered(delivery: delivery, destination: "slack", message: 2, status: 200, remote: nil)),
    ])
    let step = state.runbook.steps.firstIndex { $0.auto == .stakeholderUpdated }
    let eight = try #require(step)
    #expect(state.isStepDone(eight))
    // ...so one posted while no deliverer runs has reached nobody yet.
    Reducer.apply(
      envelope(5, .stakeholderUpdated(TextBody(text: "two")), at: 10), to: &state)
    let second = try #require(state.updates.last)
    #expect(!state.reached(second))
    #expect(!state.reachedOnTime(second))
    // An incident that never delivered an update counts one on posting.
    let quiet = incident([.stakeholderUpdated(TextBody(text: "no relay here"))])
    #expect(quiet.isStepDone(eight))
    #expect(quiet.reachedOnTime(quiet.updates[0]))
    // Step 8 waits for the first update to arrive where updates are delivered.
    let waiting = incident([
      .stakeholderUpdated(TextBody(text: "one")), job.attempted(by: "d"),
      .deliveryFailed(
        DeliveryFailed(
          delivery: delivery, destination: "slack", message: 2, reason: "HTTP 500",
          retryAtMs: 1_798_000_100_000)),
    ])
    #expect(!waiting.isStepDone(eight))
  }
}
