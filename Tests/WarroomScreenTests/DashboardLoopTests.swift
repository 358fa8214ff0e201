import Foundation
import Testing
import WarroomCore

@testable import WarroomScreen

/// The loop's decisions as plain unit tests: every input is a message, every I/O an effect.
@Suite("Dashboard loop: messages in, effects out")
struct DashboardLoopTests {
  var state = DashboardState(model: DashboardModel(me: "alice"), incident: Fixtures.freshP1().state)
  let now = Fixtures.start
  var ids = 0

  mutating func key(_ key: Key) -> [LoopEffect] {
    ids += 1
    return DashboardLoop.update(
      &state, .key(key, now: now, request: RequestID(rawValue: "r\(ids)")))
  }

  mutating func type(_ text: String) -> [LoopEffect] { text.flatMap { key(.character($0)) } }

  func stored(_ submission: Submission) -> DashboardMessage {
    .sent(submission, .stored(state.incident!, summary: "ok"), now: now)
  }

  @Test mutating func anEntryIsHeldUntilTheStoreHasIt() throws {
    _ = type("pool at 40%")
    let effects = key(.enter)
    guard case .send(let submission) = effects.first else {
      Issue.record("nothing sent: \(effects)")
      return
    }
    #expect(submission.action == .command(.log(.note, "pool at 40%")))
    #expect(submission.at == now)
    #expect(state.connectivity.queue == [submission])
    #expect(DashboardLoop.update(&state, stored(submission)).isEmpty)
    #expect(state.connectivity.queue.isEmpty)
    #expect(state.model.message?.text == "✓ ok")
  }

  @Test mutating func offlineEntriesWaitInOrderAndGoOutOnceTheStoreAnswers() throws {
    _ = DashboardLoop.update(&state, .unreachable("connection refused", now: now))
    _ = type("first")
    #expect(key(.enter).isEmpty)
    _ = type("second")
    #expect(key(.enter).isEmpty)
    #expect(state.model.message?.text.hasPrefix("⧗ offline") == true)
    #expect(state.connectivity.queue.map(\.label) == ["note \"first\"", "note \"second\""])
    // The retry falls due: the loop asks the store, once.
    let due = state.connectivity.nextAttempt!
    #expect(DashboardLoop.update(&state, .tick(due)) == [.probe])
    #expect(DashboardLoop.update(&state, .tick(due)).isEmpty)
    let answer = DashboardLoop.update(&state, .storeAnswers(reachable: true, reason: "", now: due))
    let queue = state.connectivity.queue
    #expect(answer == [.listen, .send(queue[0])])
    #expect(DashboardLoop.update(&state, stored(queue[0])) == [.send(queue[1])])
    #expect(DashboardLoop.update(&state, stored(queue[1])) == [.read])
    #expect(state.connectivity.isOnline)
    #expect(state.model.message?.text == "✓ back online; sent 2 queued")
  }

  /// Writes answer from the store's own thread, so a retry can fall due, and the store
  /// can answer again, while held entries are already on their way: neither sends the
  /// first of them twice, and a late second answer for it lets go of nothing else.
  @Test mutating func answersThatComeLateNeverReleaseTheWrongEntry() throws {
    _ = DashboardLoop.update(&state, .unreachable("connection refused", now: now))
    _ = type("first")
    _ = key(.enter)
    _ = type("second")
    _ = key(.enter)
    let due = state.connectivity.nextAttempt!
    #expect(DashboardLoop.update(&state, .tick(due)) == [.probe])
    let queue = state.connectivity.queue
    #expect(
      DashboardLoop.update(&state, .storeAnswers(reachable: true, reason: "", now: due))
        == [.listen, .send(queue[0])])
    // Meanwhile: a tick past the retry time, and another "it answers".
    #expect(DashboardLoop.update(&state, .tick(due.addingTimeInterval(10))).isEmpty)
    #expect(
      DashboardLoop.update(&state, .storeAnswers(reachable: true, reason: "", now: due)).isEmpty)
    #expect(DashboardLoop.update(&state, stored(queue[0])) == [.send(queue[1])])
    // A second answer for the first (sent twice by an older build, or a stale reply).
    #expect(DashboardLoop.update(&state, stored(queue[0])).isEmpty)
    #expect(state.connectivity.queue == [queue[1]], "the second is still held")
    #expect(DashboardLoop.update(&state, stored(queue[1])) == [.read])
    #expect(state.model.message?.text == "✓ back online; sent 2 queued")
  }

  @Test mutating func aWriteCutOffIsHeldAndTheNextWaitsBehindIt() throws {
    _ = type("one")
    let sent = key(.enter).first
    guard case .send(let first) = sent else {
      Issue.record("Enter did not send the line: \(String(describing: sent))")
      return
    }
    _ = type("two")
    #expect(key(.enter).isEmpty)  // behind the one in flight
    let lost = DashboardLoop.update(
      &state, .sent(first, .unreachable("the server closed the connection"), now: now))
    #expect(lost.isEmpty)
    #expect(!state.connectivity.isOnline)
    #expect(state.connectivity.queue.count == 2)
    #expect(state.connectivity.queue.first == first)  // same request id when it goes again
  }

  @Test mutating func aRefusalIsSaidAndTheQueueGoesOn() throws {
    _ = type("one")
    guard case .send(let first)? = key(.enter).first else {
      Issue.record("Enter did not send the line")
      return
    }
    _ = type("two")
    _ = key(.enter)
    let next = DashboardLoop.update(
      &state, .sent(first, .refused("the log is closed"), now: now))
    #expect(state.model.message == Message("the log is closed", isError: true))
    #expect(next == [.send(state.connectivity.queue[0])], "the next goes on")
    #expect(state.connectivity.queue.count == 1)
  }

  @Test mutating func theBellRingsOnceAsTheUpdateFallsDue() {
    let due = Countdown(state: state.incident!, now: now).dueAt
    func bells(_ at: Date) -> [LoopEffect] {
      DashboardLoop.update(&state, .tick(at)).filter { $0 == .bell }
    }
    #expect(bells(now).isEmpty)
    #expect(bells(due.addingTimeInterval(1)) == [.bell])
    #expect(bells(due.addingTimeInterval(2)).isEmpty)
  }

  @Test mutating func theDeliverersLeaseIsLookedUpEveryFewSecondsWhileOnline() {
    #expect(DashboardLoop.update(&state, .tick(now)) == [.checkDeliverer])
    #expect(DashboardLoop.update(&state, .tick(now.addingTimeInterval(1))).isEmpty)
    #expect(DashboardLoop.update(&state, .tick(now.addingTimeInterval(5))) == [.checkDeliverer])
    let lease = Lease(
      holder: "x", label: "relay", host: "h", pid: 7,
      expiresMs: Int64(milliseconds: now.addingTimeInterval(12)))
    _ = DashboardLoop.update(&state, .delivererSeen(lease, now: now))
    #expect(state.deliverer?.isRunning(at: now.addingTimeInterval(11)) == true)
    #expect(state.deliverer?.isRunning(at: now.addingTimeInterval(13)) == false)
    state.connectivity.lost(reason: "gone", now: now)
    #expect(
      !DashboardLoop.update(&state, .tick(now.addingTimeInterval(60))).contains(.checkDeliverer))
  }

  @Test mutating func aNewDeclarationIsNewsAndAResolvedIncidentFollowsIt() {
    let declared = EventEnvelope(
      seq: 99, incident: IncidentID(number: 8), at: now, actor: "bob",
      event: .declared(Declared(title: "Second")))
    #expect(DashboardLoop.update(&state, .read([declared])).isEmpty)
    #expect(state.model.notice?.contains("INC-8 declared by bob") == true)
    state.incident?.status = .resolved
    let next = EventEnvelope(
      seq: 100, incident: IncidentID(number: 9), at: now, actor: "bob",
      event: .declared(Declared(title: "Third")))
    let effects = DashboardLoop.update(&state, .read([next]))
    #expect(
      effects == [.load(IncidentID(number: 9), reason: "INC-7 is resolved; INC-9 was declared")])
  }

  @Test mutating func yellowWhileAProbeFailsIsStoredAndSaid() throws {
    var incident = try #require(state.incident)
    var seq = incident.lastSeq
    func apply(_ events: [Event]) {
      for event in events {
        seq += 1
        Reducer.apply(
          EventEnvelope(seq: seq, incident: incident.id, at: now, actor: "ann", event: event),
          to: &incident)
      }
    }
    apply(
      try Rules.decide(
        .addProbe(ProbeSpec(name: "checkout", kind: .http, target: "http://x/")), in: incident))
    apply([.probeChanged(ProbeChanged(name: "checkout", state: .failing, reason: "HTTP 502"))])
    apply(try Rules.decide(.mitigate(reason: "rolled back; watching"), in: incident))
    let submission = Submission(
      request: RequestID(), action: .command(.mitigate()), actor: "ann", at: now)
    state.connectivity.hold(submission)
    _ = DashboardLoop.update(
      &state, .sent(submission, .stored(incident, summary: "mitigated"), now: now))
    #expect(
      state.model.message
        == Message("✓ mitigated; but probe checkout is still failing: HTTP 502", isError: true))
  }
}

/// What wakes the loop that is not a key or a store answer is a message too.
@Suite("Dashboard loop: signals, resizes and re-checks")
struct LoopWakeUpTests {
  var state = DashboardState(model: DashboardModel(me: "alice"), incident: Fixtures.freshP1().state)

  @Test mutating func aChangeSignalReadsAndLooksAgainUntilAReadFindsNews() {
    #expect(DashboardLoop.update(&state, .storeChanged(at: 1000)) == [.read])
    #expect(state.recheckAt.first == 1001)
    #expect(DashboardLoop.update(&state, .recheck(at: 1006)) == [.read])
    #expect(state.recheckAt.first == 1010, "those due are done")
    _ = DashboardLoop.update(&state, .read([]))
    #expect(!state.recheckAt.isEmpty, "nothing new yet: keep looking")
    let news = EventEnvelope(
      seq: 99, incident: state.incident!.id, at: Fixtures.start, actor: "bob",
      event: .logged(LogAdded(kind: .note, text: "found it")))
    _ = DashboardLoop.update(&state, .read([news]))
    #expect(state.recheckAt.isEmpty)
  }

  @Test mutating func aResizeRedrawsAndASignalQuits() {
    #expect(DashboardLoop.update(&state, .resized) == [.redraw])
    #expect(DashboardLoop.update(&state, .signalled) == [.quit])
  }
}
