import Foundation
import WarroomCore
import WarroomStore

/// The store's single deliverer, as a thin loop around `RelayUpdate`: it waits (for a
/// change in the store, a finished send or check, a second), turns what woke it into
/// messages, and runs the effects the update returns. It holds the lease while it runs,
/// records each attempt before sending and each outcome after, so that every terminal sees
/// the same delivery status and a crash loses nothing, and runs the incidents' probes.
/// Each integration is a worker: sends go through `Transport`, checks through
/// `ProbeChecker`, concurrently (one that fails or hangs never holds up another); the
/// store is only touched from the loop's own thread.
public final class Deliverer: @unchecked Sendable {
  /// Who this deliverer is, for the lease and for people.
  public struct Identity: Sendable {
    public var holder: String
    public var label: String
    public var host: String
    public var pid: Int32

    public init(label: String) {
      holder = UUID().uuidString.lowercased()
      self.label = label
      host = Self.hostName()
      pid = getpid()
    }

    static func hostName() -> String {
      var buffer = [CChar](repeating: 0, count: 256)
      guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
      let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
      return String(decoding: bytes, as: UTF8.self)
    }
  }

  /// What the deliverer tells whoever runs it: a line per outcome, lease changes.
  public enum Report: Sendable {
    case lease(held: Bool, holder: Lease?)
    case sent(DeliveryJob, SendOutcome, incident: IncidentID)
    case note(String)
  }

  public let identity: Identity
  private let store: any EventStore
  private let transport: Transport
  private let checker: ProbeChecker
  private let report: @Sendable (Report) -> Void
  private let clock: @Sendable () -> Date
  private let wake: WakePipe
  /// Where to keep the store's chain head as a witness (`relay --head-file`), if anywhere.
  private let headFile: String?
  /// Writes alerts, when the relay listens for them (`relay --listen`).
  private let intake: IntakeRecorder?

  /// Owned by the loop's thread; only `RelayUpdate` changes it.
  private var state: RelayState

  /// What the workers hand back (sends and checks finish on other threads).
  private let lock = NSLock()
  private var stopRequested = false
  private var answers: [RelayMessage] = []
  /// Senders of alerts waiting for their answer, by batch number; none once the loop ended.
  private var intakeWaiters: [Int: CheckedContinuation<IntakeAnswer, Never>] = [:]
  private var nextBatch = 1
  private var loopEnded = false

  /// The actor recorded on the deliverer's own events.
  public static let actor = Lease.delivererActor

  public init(
    store: any EventStore, destinations: [Destination], probes: ProbePolicy = ProbePolicy(),
    identity: Identity, headFile: String? = nil, alertRules: [IntakeRule]? = nil,
    clock: @escaping @Sendable () -> Date = { Date() },
    report: @escaping @Sendable (Report) -> Void
  ) throws {
    guard let wake = WakePipe() else {
      throw StoreError.cannotOpen(path: store.location, reason: "out of file descriptors")
    }
    self.store = store
    self.identity = identity
    self.clock = clock
    self.report = report
    self.wake = wake
    self.headFile = headFile
    transport = Transport(destinations: destinations)
    checker = ProbeChecker(policy: probes)
    intake = alertRules.map { IntakeRecorder(store: store, rules: $0) }
    state = RelayState(
      identity: identity, destinations: destinations, witnessesHead: headFile != nil)
  }

  /// Asks `run` to finish: no new sends; those in flight are waited for (a few seconds),
  /// then the lease is given up.
  public func stop() {
    lock.withLock { stopRequested = true }
    wake.wake()
  }

  /// Alerts from the intake's listener: written by the loop, in the order they came; the
  /// answer says what they became, or 503 when the store cannot take them now (the sender
  /// sends them again).
  public func receive(_ alerts: [Alert]) async -> IntakeAnswer {
    await withCheckedContinuation { waiter in
      let accepted = lock.withLock { () -> Bool in
        guard !loopEnded, intake != nil else { return false }
        let id = nextBatch
        nextBatch += 1
        intakeWaiters[id] = waiter
        answers.append(.alertsReceived(IntakeBatch(id: id, alerts: alerts)))
        return true
      }
      if accepted {
        wake.wake()
      } else {
        waiter.resume(returning: IntakeAnswer(503, "the relay is stopping; send again"))
      }
    }
  }

  // MARK: - The loop

  private var rechecks: [Int] = []
  private static let recheckDelays = [1, 2, 3, 5, 10, 20, 40, 80]  // ms

  /// Runs until `stop`: blocking, on the caller's thread. Each wake-up is a turn of
  /// `RelayUpdate`; the loop only waits and runs effects. After `stop`, sends in flight
  /// are waited for up to `stopGrace` seconds so their outcomes are recorded; one still
  /// going then is cut, and the next deliverer settles it. systemd and people expect a
  /// stop in seconds.
  public func run(stopGrace: TimeInterval = 4) {
    var signal = try? store.makeChangeSignal()
    var lastListen = Date.distantPast
    while !state.isDone {
      if lock.withLock({ stopRequested }), state.stopDeadline == nil {
        dispatch(.stop(deadline: clock().addingTimeInterval(stopGrace)))
      }
      for answer in lock.withLock({ () -> [RelayMessage] in
        defer { answers = [] }
        return answers
      }) {
        dispatch(answer)
      }
      dispatch(.turn(clock(), jitter: Double.random(in: 0..<1)))
      if state.readFoundEvents { rechecks = [] }
      guard !state.isDone else { break }
      var fds = [pollfd(fd: wake.fileDescriptor, events: Int16(POLLIN), revents: 0)]
      if let signal {
        fds.append(pollfd(fd: signal.fileDescriptor, events: Int16(POLLIN), revents: 0))
      }
      // A writer's log frames wake us a moment before its commit is visible: a signal
      // that found nothing is looked at again shortly, a few times (as the dashboard does).
      // While the store cannot be written, the next try waits its turn instead (a failed
      // write touches the files, which would wake us at once: a busy loop on a full disk).
      var timeout: Int32 = rechecks.isEmpty ? 1000 : Int32(rechecks.removeFirst())
      if let wait = state.trouble.wait(at: clock()) {
        rechecks = []
        timeout = Int32(min(1000, max(10, wait * 1000)))
      }
      let ready = poll(&fds, nfds_t(fds.count), timeout)
      wake.drain()
      if ready > 0, fds.count > 1, fds[1].revents != 0, signal?.drain() == true {
        rechecks = Self.recheckDelays
      }
      // A server's notifications stop with its connection: listen again, now and then
      // (meanwhile the one-second turn still reads what is new).
      if signal == nil || signal?.isBroken == true, clock().timeIntervalSince(lastListen) >= 5 {
        lastListen = clock()
        signal = try? store.makeChangeSignal()
      }
    }
    // Senders still waiting are told to send again (the next relay takes their alerts).
    let unanswered = lock.withLock { () -> [CheckedContinuation<IntakeAnswer, Never>] in
      loopEnded = true
      defer { intakeWaiters = [:] }
      return Array(intakeWaiters.values)
    }
    for waiter in unanswered {
      waiter.resume(returning: IntakeAnswer(503, "the relay is stopping; send again"))
    }
    let transport = transport
    let checker = checker
    let done = DispatchSemaphore(value: 0)
    Task {
      await transport.shutdown()
      await checker.shutdown()
      done.signal()
    }
    _ = done.wait(timeout: .now() + 2)
  }

  /// Folds a message in and runs the effects, each answer folded in before the next
  /// effect runs (so a send starts only after its attempt is recorded).
  private func dispatch(_ message: RelayMessage) {
    var pending = RelayUpdate.update(&state, message)
    while !pending.isEmpty {
      let effect = pending.removeFirst()
      if let answer = perform(effect) {
        pending.insert(contentsOf: RelayUpdate.update(&state, answer), at: 0)
      }
    }
  }

  /// Runs one effect: the relay's only I/O. Returns its answer, if it has one now.
  private func perform(_ effect: RelayEffect) -> RelayMessage? {
    switch effect {
    case .readLease:
      do {
        let current = try store.lease(named: Lease.deliverer)
        return .leaseRead(current, gone: goneHolder(current))
      } catch {
        return .failed(.lease, StoreFailure(error).reason)
      }
    case .claimLease(let lease, let now, let gone):
      do {
        return .leaseClaimed(try store.claimLease(lease, now: now, gone: gone))
      } catch {
        return .failed(.lease, StoreFailure(error).reason)
      }
    case .releaseLease(let lease):
      try? store.releaseLease(lease)
      return nil
    case .readEvents(let after):
      do {
        return .eventsRead(try store.events(after: after, incident: nil, limit: nil))
      } catch {
        return .failed(.read, StoreFailure(error).reason)
      }
    case .record(let command, let incident, let at):
      var incident = incident
      do {
        try store.write(to: &incident, actor: Self.actor, at: at, request: nil) { latest in
          try Rules.decide(command, in: latest)
        }
        return .recorded(incident, refused: false)
      } catch is Refusal {
        return .recorded(incident, refused: true)
      } catch {
        return .failed(.write, StoreFailure(error).reason)
      }
    case .send(let job, let id, let content, let destination, let parent):
      let transport = transport
      Task { [weak self] in
        let outcome = await transport.send(content, to: destination, parent: parent, now: Date())
        self?.answer(.sendFinished(FinishedSend(job: job, incident: id, outcome: outcome)))
      }
      return nil
    case .check(let key, let id, let spec):
      let checker = checker
      Task { [weak self] in
        let reading = await checker.check(spec)
        self?.answer(
          .probeRead(ProbeResult(key: key, incident: id, probe: spec.name, reading: reading)))
      }
      return nil
    case .keepSamples(let samples):
      do {
        try store.appendSamples(samples)
        return nil
      } catch {
        return .failed(.samples, StoreFailure(error).reason)
      }
    case .witnessHead:
      do {
        guard let headFile, let head = try store.chainHead() else { return nil }
        try HeadWitness.write(head, to: headFile)
        return .headWitnessed(head.seq)
      } catch {
        return .failed(.witness, StoreFailure(error).reason)
      }
    case .recordAlerts(let batch):
      guard let intake else { return .alertsFailed(id: batch.id, "this relay takes no alerts") }
      do {
        let outcome = try intake.record(batch.alerts, at: clock())
        return .alertsRecorded(id: batch.id, outcome, waiting: intake.waiting.count)
      } catch {
        return .alertsFailed(id: batch.id, StoreFailure(error).reason)
      }
    case .attachWaitingAlerts:
      guard let intake else { return nil }
      do {
        guard let outcome = try intake.attachWaiting(at: clock()) else { return nil }
        return .alertsRecorded(id: nil, outcome, waiting: intake.waiting.count)
      } catch {
        return .alertsFailed(id: nil, StoreFailure(error).reason)
      }
    case .answerIntake(let id, let answer):
      lock.withLock { intakeWaiters.removeValue(forKey: id) }?.resume(returning: answer)
      return nil
    case .report(let line):
      report(line)
      return nil
    case .next(let phase):
      return .next(phase)
    case .finish:
      return nil
    }
  }

  /// A lease held by a process of this host that is gone need not be waited out.
  private func goneHolder(_ current: Lease?) -> String? {
    guard let current, current.holder != identity.holder, current.host == identity.host,
      current.pid != identity.pid, current.pid > 0, kill(current.pid, 0) == -1, errno == ESRCH
    else { return nil }
    return current.holder
  }

  /// A worker's answer, folded in on the loop's next wake-up.
  private func answer(_ message: RelayMessage) {
    lock.withLock { answers.append(message) }
    wake.wake()
  }
}
