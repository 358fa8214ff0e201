import Foundation
import WarroomCore
import WarroomStore

/// The store's single deliverer: holds the lease while it runs, reads new events, asks
/// `Outbox` what is due, records each attempt before sending and each outcome after, so
/// that every terminal sees the same delivery status and a crash loses nothing. It also
/// runs the incidents' probes (`ProbeMachine` decides what their readings mean). Sends and
/// checks run concurrently (one destination or probe that fails or hangs never holds up
/// another); the store is only touched from the deliverer's own thread.
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
  private let destinations: [Destination]
  private let transport: Transport
  private let checker: ProbeChecker
  private let report: @Sendable (Report) -> Void
  private let clock: @Sendable () -> Date
  private let wake: WakePipe

  private let lock = NSLock()
  private var stopRequested = false
  private var finished: [(DeliveryJob, IncidentID, SendOutcome)] = []
  private var readings: [(key: String, incident: IncidentID, probe: String, ProbeReading)] = []

  /// The actor recorded on the deliverer's own events.
  public static let actor = Lease.delivererActor

  /// Where to keep the store's chain head as a witness (`relay --head-file`), if anywhere.
  private let headFile: String?
  private var headWritten: Int64 = 0

  public init(
    store: any EventStore, destinations: [Destination], probes: ProbePolicy = ProbePolicy(),
    identity: Identity, headFile: String? = nil,
    clock: @escaping @Sendable () -> Date = { Date() },
    report: @escaping @Sendable (Report) -> Void
  ) throws {
    guard let wake = WakePipe() else {
      throw StoreError.cannotOpen(path: store.location, reason: "out of file descriptors")
    }
    self.store = store
    self.destinations = destinations
    self.identity = identity
    self.clock = clock
    self.report = report
    self.wake = wake
    self.headFile = headFile
    transport = Transport(destinations: destinations)
    checker = ProbeChecker(policy: probes)
  }

  /// Asks `run` to finish: no new sends; those in flight are waited for (a few seconds),
  /// then the lease is given up.
  public func stop() {
    lock.withLock { stopRequested = true }
    wake.wake()
  }

  private var isStopping: Bool { lock.withLock { stopRequested } }

  // MARK: - The loop

  private var states: [IncidentID: IncidentState] = [:]
  private var order: [IncidentID] = []
  private var lastSeq: Int64 = 0
  private var inFlight: [String: DeliveryJob] = [:]
  /// Probe checks running, when each probe last started, and when it was last sampled
  /// (by `INC-n/name`).
  private var probesInFlight: Set<String> = []
  private var probeStarted: [String: Date] = [:]
  private var probeSampled: [String: Date] = [:]
  private var holding = false
  private var lastClaim = Date.distantPast
  /// Until when the lease is surely this deliverer's: its last successful claim plus the
  /// term, less a margin. A deliverer paused past it (a stopped process, a frozen VM) may
  /// have been replaced, so it sends nothing until it has claimed again.
  private var heldUntil = Date.distantPast
  private var lastHolder: String?
  private var lastListen = Date.distantPast
  private var rechecks: [Int] = []
  private static let recheckDelays = [2, 3, 5, 10, 20, 40, 80]  // ms

  /// Runs until `stop`: blocking, on the caller's thread. After `stop`, sends in flight
  /// are waited for up to `stopGrace` seconds so their outcomes are recorded; one still
  /// going then is cut, and the next deliverer settles it (sends it again where that is
  /// safe, else marks it as possibly sent). systemd and people expect a stop in seconds.
  public func run(stopGrace: TimeInterval = 4) {
    var signal = try? store.makeChangeSignal()
    var stopDeadline: Date?
    while true {
      let now = clock()
      if isStopping {
        if stopDeadline == nil { stopDeadline = now.addingTimeInterval(stopGrace) }
        if (inFlight.isEmpty && probesInFlight.isEmpty) || now >= stopDeadline! { break }
      }
      if trouble.mayTry(at: now) {
        failedThisTurn = false
        wroteThisTurn = false
        if !isStopping { claimIfDue(now) }
        recordFinished()
        if holding, !isStopping, clock() < heldUntil {
          do {
            try readNewEvents()
            try act(now)
            try witnessHead()
          } catch {
            storeFailed("cannot read or write the store", error)
          }
        }
        // Cleared only by a turn that wrote and did not fail: a turn that only read says
        // nothing about a full disk, and a store that takes some writes and refuses
        // others must not be said to be back on every turn.
        if !failedThisTurn, wroteThisTurn { storeWorked() }
      }
      var fds = [pollfd(fd: wake.fileDescriptor, events: Int16(POLLIN), revents: 0)]
      if let signal {
        fds.append(pollfd(fd: signal.fileDescriptor, events: Int16(POLLIN), revents: 0))
      }
      // A writer's log frames wake us a moment before its commit is visible: a signal
      // that found nothing is looked at again shortly, a few times (as the dashboard does).
      // While the store cannot be written, the next try waits its turn instead (a failed
      // write touches the files, which would wake us at once: a busy loop on a full disk).
      var timeout: Int32 = rechecks.isEmpty ? 1000 : Int32(rechecks.removeFirst())
      if let wait = trouble.wait(at: clock()) {
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
    recordFinished()
    if holding {
      try? store.releaseLease(candidate(now: clock()))
      holding = false
      report(.lease(held: false, holder: nil))
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

  private func candidate(now: Date) -> Lease {
    Lease(
      holder: identity.holder, label: identity.label, host: identity.host, pid: identity.pid,
      expiresMs: Int64(milliseconds: now.addingTimeInterval(Lease.term)))
  }

  /// Takes or renews the lease every few seconds; tries every second while another holds it.
  private func claimIfDue(_ now: Date) {
    let every = holding ? Lease.renewEvery : 1
    guard now.timeIntervalSince(lastClaim) >= every else { return }
    lastClaim = now
    do {
      let current = try store.lease(named: Lease.deliverer)
      var gone: String?
      if let current, current.holder != identity.holder, current.host == identity.host,
        current.pid != identity.pid, current.pid > 0, kill(current.pid, 0) == -1, errno == ESRCH
      {
        gone = current.holder  // its process is gone: no need to wait for the lease to expire
      }
      // A waiting deliverer only reads: it takes the store's write lock (every second) only
      // when the lease may be its own. The store decides again, atomically.
      let mine = candidate(now: now)
      let result: Lease
      if let current, !Lease.mayTake(current, by: mine, now: now, gone: gone) {
        result = current
      } else {
        result = try store.claimLease(mine, now: now, gone: gone)
        wroteThisTurn = true
      }
      let nowHolding = result.holder == identity.holder
      if nowHolding != holding || result.holder != lastHolder {
        report(.lease(held: nowHolding, holder: result))
      }
      holding = nowHolding
      if nowHolding { heldUntil = now.addingTimeInterval(Lease.term - 2) }
      lastHolder = result.holder
    } catch {
      // Past `heldUntil` nothing is sent until a claim succeeds again.
      storeFailed("cannot take the deliverer lease", error)
    }
  }

  // MARK: - When the store cannot be written

  /// Backs off while the store fails (a full disk, a server gone): tries again after
  /// growing pauses, says so once when it starts and once when it clears.
  private var trouble = StoreTrouble()
  private var failedThisTurn = false
  private var wroteThisTurn = false

  private func storeFailed(_ what: String, _ error: any Error) {
    guard !failedThisTurn else { return }  // one failure a turn sets the pause
    failedThisTurn = true
    if trouble.failed(at: clock()) {
      let reason = StoreFailure(error).reason
      report(.note("\(what): \(reason); trying again with growing pauses (up to 30 s)"))
    }
  }

  private func storeWorked() {
    if let since = trouble.cleared() {
      let lasted = DurationText.short(Int(clock().timeIntervalSince(since)))
      report(.note("the store answers again (after \(lasted))"))
    }
  }

  /// Keeps the chain head in the witness file when the store grew.
  private func witnessHead() throws {
    guard let headFile, lastSeq > headWritten, let head = try store.chainHead() else { return }
    try HeadWitness.write(head, to: headFile)
    headWritten = head.seq
  }

  /// Folds every event written since the last read into the incidents' states; whether
  /// any arrived.
  @discardableResult
  private func readNewEvents() throws -> Bool {
    let fresh = try store.events(after: lastSeq, incident: nil, limit: nil)
    defer { if !fresh.isEmpty { rechecks = [] } }
    for envelope in fresh {
      lastSeq = max(lastSeq, envelope.seq)
      if states[envelope.incident] == nil {
        states[envelope.incident] = IncidentState(id: envelope.incident)
        order.append(envelope.incident)
      }
      Reducer.apply(envelope, to: &states[envelope.incident]!)
    }
    return !fresh.isEmpty
  }

  private func act(_ now: Date) throws {
    let rules = destinations.map(\.rule)
    for id in order {
      guard let state = states[id] else { continue }
      let actions = Outbox.plan(
        state, destinations: rules, now: now, inFlight: Set(inFlight.keys))
      for action in actions {
        switch action {
        case .send(let job): try start(job, in: id, now: now)
        case .markUncertain(let failed):
          if try record(.recordDelivery(.deliveryFailed(failed)), in: id, now: now) {
            report(
              .note("\(failed.delivery) \(failed.reason): resend it by hand if it did not arrive"))
          }
        case .noteOverdue(let overdue):
          try record(.recordDelivery(.updateOverdue(overdue)), in: id, now: now)
        }
      }
      try runProbes(of: id, now: now)
    }
  }

  /// Starts the probes that are due, off this thread; records proven recovery.
  private func runProbes(of id: IncidentID, now: Date) throws {
    guard let state = states[id], state.isOpen else { return }
    for probe in state.activeProbes {
      let key = "\(id.rawValue)/\(probe.spec.name)"
      guard !probesInFlight.contains(key),
        ProbeMachine.isDue(probe, lastRun: probeStarted[key], now: now)
      else { continue }
      probeStarted[key] = now
      probesInFlight.insert(key)
      let spec = probe.spec
      let checker = checker
      Task { [weak self] in
        let reading = await checker.check(spec)
        self?.finishProbe(key, in: id, probe: spec.name, reading)
      }
    }
    if let proven = ProbeMachine.recoveryToProve(state, now: now) {
      if try record(.recordProbe(.recoveryProven(proven)), in: id, now: now) {
        report(.note("\(id): recovery proven (\(proven.probes.joined(separator: ", ")))"))
      }
    }
  }

  private func finishProbe(_ key: String, in id: IncidentID, probe: String, _ reading: ProbeReading)
  {
    lock.withLock { readings.append((key, id, probe, reading)) }
    wake.wake()
  }

  /// Records what finished probes saw: changes of state as events, a sample a minute.
  private func recordReadings() {
    let done = lock.withLock {
      let done = readings
      readings.removeAll()
      return done
    }
    guard !done.isEmpty else { return }
    let now = clock()
    var samples: [ProbeSample] = []
    for (key, id, name, reading) in done {
      probesInFlight.remove(key)
      guard let probe = states[id]?.probe(named: name) else { continue }
      if let change = ProbeMachine.change(for: reading, of: probe, now: now) {
        do {
          if try record(.recordProbe(.probeChanged(change)), in: id, now: now) {
            report(
              .note(
                "\(id): probe \(name) is \(change.state.rawValue)"
                  + (change.reason.map { ": \($0)" } ?? "")))
          }
        } catch {
          storeFailed("cannot record probe \(name)", error)
        }
      }
      if ProbeMachine.keepsSample(lastSampleAt: probeSampled[key], now: now) {
        probeSampled[key] = now
        samples.append(
          ProbeSample(
            incident: id, probe: name, atMs: Int64(milliseconds: now),
            value: reading.number, latencyMs: reading.latencyMs, state: reading.state))
      }
    }
    do {
      try store.appendSamples(samples)
    } catch {
      storeFailed("cannot keep probe samples", error)
    }
  }

  /// Records the attempt, then sends off the loop's thread.
  private func start(_ job: DeliveryJob, in id: IncidentID, now: Date) throws {
    guard let destination = destinations.first(where: { $0.name == job.destination }) else {
      return
    }
    let attempted = job.attempted(by: identity.holder)
    guard try record(.recordDelivery(attempted), in: id, now: now), let state = states[id] else {
      return
    }
    inFlight[job.id] = job
    let content = MessageContent(job: job, state: state, now: now)
    let parent = state.parentRemote(of: destination.name)
    let transport = transport
    Task { [weak self] in
      let outcome = await transport.send(content, to: destination, parent: parent, now: Date())
      self?.finish(job, in: id, outcome)
    }
  }

  private func finish(_ job: DeliveryJob, in id: IncidentID, _ outcome: SendOutcome) {
    lock.withLock { finished.append((job, id, outcome)) }
    wake.wake()
  }

  /// Writes the outcome of every send and probe that finished since the last turn.
  private func recordFinished() {
    recordReadings()
    let done = lock.withLock {
      let done = finished
      finished.removeAll()
      return done
    }
    for (index, (job, id, outcome)) in done.enumerated() {
      let now = clock()
      let first = states[id]?.delivery(job.id)?.firstAttemptAt ?? now
      let event = Outbox.record(
        outcome, of: job, firstAttemptAt: first, now: now, jitter: Double.random(in: 0..<1))
      do {
        try record(.recordDelivery(event), in: id, now: now)
        inFlight[job.id] = nil
        report(.sent(job, outcome, incident: id))
      } catch {
        // Kept in flight: written on a later turn, when the store answers again.
        lock.withLock { finished.insert(contentsOf: done[index...], at: 0) }
        storeFailed("cannot record the outcome of \(job.id) yet", error)
        return
      }
    }
  }

  /// Writes the deliverer's own record through the rules; false when they refuse it
  /// (another deliverer got there first).
  @discardableResult
  private func record(_ command: Command, in id: IncidentID, now: Date) throws -> Bool {
    guard var state = states[id] else { return false }
    defer { states[id] = state }
    do {
      try store.write(to: &state, actor: Self.actor, at: now, request: nil) { latest in
        try Rules.decide(command, in: latest)
      }
      wroteThisTurn = true
      return true
    } catch is Refusal {
      return false
    }
  }
}
