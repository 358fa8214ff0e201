import Foundation
import PropertyBased
import Testing
import WarroomCore
import WarroomReports
import WarroomScreen
import WarroomTestSupport

/// A snapshot is the fold of the events up to a point, saved so readers fold only what
/// came after. It must change nothing a reader sees, and a snapshot planted by someone who
/// can write the store must be refused or be harmless, never trapped on.
@Suite("Snapshots of the folded state")
struct StateSnapshotTests {
  static let incidents: [(String, @Sendable () -> Fixtures.Builder)] = [
    ("alerted", Fixtures.alerted), ("busy", Fixtures.busy), ("delivered", Fixtures.delivered),
    ("probed", Fixtures.probed), ("lifecycle", lifecycle),
  ]

  /// A whole life, so that every part of the state holds something: roles, experiments,
  /// corrected and struck entries, whys, follow-ups, a probe that proves recovery and loses
  /// it, an overdue update, green forced with steps open, a reopening, an undone change.
  static func lifecycle() -> Fixtures.Builder {
    var runbook = Runbook.standard
    runbook.name = "search"
    var declared = Declared(title: "Search is down", severity: .p2)
    declared.runbook = runbook
    var b = Fixtures.Builder(declared)
    var times = DetailsChanged()
    times.impactStartedMs = 1_797_999_000_000
    times.detectedMs = 1_797_999_600_000
    b.send(.edit(times))
    b.send(.setCadence(1200))
    b.record(.unreadable(type: "logged", payload: "{", reason: "payload does not decode"), by: "m")
    b.send(.assignRole(.lead, "alice"))
    b.send(.assignRole(.ic, "bob"))
    b.send(
      .proposeExperiment(
        hypothesis: "bad deploy", change: "roll back", owner: "bob", target: "search"))
    b.send(.startExperiment(1))
    b.send(.log(.note, "rollback started"))
    b.send(.log(.manualChange, "restarted search-7"))
    b.send(.editLog(1, "rollback of 4.2 started"))
    b.send(.strikeLog(2, reason: "wrong host"))
    b.send(.concludeExperiment(1, .supported, "errors gone"))
    b.send(.postUpdate("rolling back"))
    b.send(.announce("search is down"))
    b.advance(minutes: 50)
    b.send(.recordDelivery(.updateOverdue(UpdateOverdue(dueMs: 1_798_001_800_000))), by: "warroom")
    b.send(.addWhy(chain: nil, why: "why down", because: "bad deploy"))
    b.send(.addFollowup("add a canary", owner: "bob"))
    b.send(.closeFollowup(1))
    b.send(.addProbe(ProbeSpec(name: "search", kind: .http, target: "https://s.example/")))
    func probe(_ state: ProbeState) {
      let value = state == .passing ? "200" : "503"
      let change = ProbeChanged(
        name: "search", state: state, value: value, reason: state == .passing ? nil : "HTTP 503")
      b.send(.recordProbe(.probeChanged(change)), by: "warroom")
    }
    // Recovery proven, lost, and proven again.
    for state in [ProbeState.passing, .failing, .passing] {
      probe(state)
      b.advance(minutes: 6)
      if state == .passing {
        b.send(.recordProbe(.recoveryProven(RecoveryProven(probes: ["search"]))), by: "warroom")
      }
    }
    b.send(.mitigate(reason: nil))
    b.send(.reopen(reason: "errors again"))
    b.send(.mitigate(reason: nil))
    b.send(.log(.note, "looking again"))
    b.send(.undo(by: "alice", at: b.now))
    b.send(.verify("customer confirmed"))
    b.send(.resolve(force: "cleanup tracked in follow-ups"))
    return b
  }

  /// The events of one of the fixture incidents with hostile rows (every type, numbers at
  /// the limits, any Unicode, times anywhere) slipped in between, renumbered.
  static func history(_ random: inout SplitMix) -> (IncidentID, [EventEnvelope]) {
    let builder = incidents[random.below(incidents.count)].1()
    var events = builder.envelopes
    for _ in 0..<random.below(25) {
      let row = HostileInputPropertyTests.row(&random)
      let envelope = EventEnvelope.stored(
        seq: 0, incident: builder.state.id.rawValue, atMilliseconds: row.at,
        actor: random.below(2) == 0 ? "mallory\u{1B}[2J" : Lease.delivererActor,
        type: row.type, payload: row.payload)
      events.insert(envelope, at: 1 + random.below(events.count))
    }
    for index in events.indices { events[index].seq = Int64(index + 1) }
    return (builder.state.id, events)
  }

  /// A random history (`history`) folded whole, a random cut in it, and the fold of the
  /// events before the cut: what a snapshot would have held there.
  static func cutHistory(_ random: inout SplitMix) -> (
    events: [EventEnvelope], whole: IncidentState, cut: Int, prefix: IncidentState
  ) {
    let (id, events) = history(&random)
    var whole = IncidentState(id: id)
    fold(events, into: &whole)
    let cut = random.below(events.count + 1)
    var prefix = IncidentState(id: id)
    fold(events[..<cut], into: &prefix)
    return (events, whole, cut, prefix)
  }

  static func fold(_ events: some Sequence<EventEnvelope>, into state: inout IncidentState) {
    for envelope in events { Reducer.apply(envelope, to: &state) }
  }

  /// The first stored property of the state that differs, for a failure a person can read.
  static func firstDifference(_ a: IncidentState, _ b: IncidentState) -> String {
    let left = Mirror(reflecting: a).children
    let right = Array(Mirror(reflecting: b).children)
    for (index, child) in left.enumerated()
    where String(describing: child.value) != String(describing: right[index].value) {
      return "\(child.label ?? "?"): \(child.value) ≠ \(right[index].value)"
    }
    return "no field differs"
  }

  @Test(arguments: incidents.map(\.0))
  func everyCutOfAFixtureFoldsToTheSameState(name: String) throws {
    let builder = try #require(Self.incidents.first { $0.0 == name }).1()
    let events = builder.envelopes
    for cut in 0...events.count {
      var prefix = IncidentState(id: builder.state.id)
      Self.fold(events[..<cut], into: &prefix)
      var resumed = try #require(
        StateSnapshot.decode(StateSnapshot.encode(prefix), incident: builder.state.id),
        "\(name): the snapshot after \(cut) events did not read back")
      Self.fold(events[cut...], into: &resumed)
      #expect(
        resumed == builder.state,
        "\(name), cut after \(cut): \(Self.firstDifference(resumed, builder.state))")
    }
  }

  /// fold(all events) == fold(snapshot of the first ones, then the rest), for random
  /// incidents with hostile rows among their events.
  @Test func foldingFromASnapshotEqualsFoldingEverything() async {
    await propertyCheck(count: 300, input: Gen.uint64()) { seed in
      var random = SplitMix(seed)
      let (events, whole, cut, prefix) = Self.cutHistory(&random)
      let id = whole.id
      guard var resumed = StateSnapshot.decode(StateSnapshot.encode(prefix), incident: id) else {
        Issue.record("seed \(seed): a snapshot of a real fold was refused at cut \(cut)")
        return
      }
      Self.fold(events[cut...], into: &resumed)
      #expect(resumed == whole, "seed \(seed), cut \(cut): \(Self.firstDifference(resumed, whole))")
    }
  }

  /// Found by the property above (seed 1046489265670115211): after an update dated at the
  /// last millisecond an event may hold, the next update is due a cadence later, past that
  /// millisecond. The fold holds that time, so its snapshot must read back rather than be
  /// refused at every read.
  @Test func anUpdateAfterOneAtTheLastMomentIsDueLaterAndItsSnapshotReadsBack() throws {
    var events = Self.lifecycle().envelopes.prefix(3).map { $0 }
    let id = events[0].incident
    for milliseconds in [Limits.milliseconds.upperBound, 1_798_000_000_000] {
      events.append(
        .stored(
          seq: Int64(events.count + 1), incident: id.rawValue, atMilliseconds: milliseconds,
          actor: "mallory", type: "stakeholder-updated", payload: #"{"text":"no news"}"#))
    }
    var state = IncidentState(id: id)
    Self.fold(events, into: &state)
    let due = try #require(state.updates.last?.due)
    #expect(due.timeIntervalSince1970 > Double(Limits.milliseconds.upperBound) / 1000)
    let read = try StateSnapshot.read(StateSnapshot.encode(state), incident: id)
    #expect(read == state)
  }

  /// The same for every time the fold derives, not only that one: each fixture with every
  /// event moved to the first and to the last millisecond an event may hold folds to a
  /// state whose snapshot reads back.
  @Test(arguments: incidents.map(\.0))
  func everyEventAtTheEdgesOfTimeStillGivesASnapshot(name: String) throws {
    let builder = try #require(Self.incidents.first { $0.0 == name }).1()
    for milliseconds in [Limits.milliseconds.lowerBound, Limits.milliseconds.upperBound] {
      let at = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
      let events = builder.envelopes.map { envelope in
        var moved = envelope
        moved.at = at
        return moved
      }
      var state = IncidentState(id: builder.state.id)
      Self.fold(events, into: &state)
      let read = try StateSnapshot.read(StateSnapshot.encode(state), incident: state.id)
      #expect(read == state, "\(name) at \(milliseconds) ms")
    }
  }

  /// The round trips above can only catch a field the layout forgets if some fixture holds
  /// something in it: every stored property is away from its initial value in one of them.
  @Test func theFixturesFillEveryPartOfTheState() {
    let empty = Mirror(reflecting: IncidentState(id: IncidentID(number: 999))).children.map {
      (label: $0.label ?? "?", value: String(describing: $0.value))
    }
    let filled = Self.incidents.map { Array(Mirror(reflecting: $0.1().state).children) }
    for (index, field) in empty.enumerated() {
      #expect(
        filled.contains { String(describing: $0[index].value) != field.value },
        "no fixture holds anything in \(field.label)")
    }
  }

  /// Read a piece at a time (as the store reads its blob), values cut across pieces of
  /// any size read back the same, no piece is asked for beyond the end, and a piece that
  /// cannot be read refuses the snapshot.
  @Test(arguments: [1, 2, 7, 64, 4096, 256 * 1024, .max])
  func readingInPiecesGivesTheSameState(pieceSize: Int) throws {
    for (name, make) in Self.incidents {
      let state = make().state
      let bytes = StateSnapshot.encode(state)
      let read = try StateSnapshot.read(
        total: bytes.count, incident: state.id, pieceSize: pieceSize
      ) { offset, buffer in
        guard offset >= 0, offset + buffer.count <= bytes.count else { return false }
        buffer.copyBytes(from: bytes[offset..<offset + buffer.count])
        return true
      }
      #expect(read == state, "\(name), pieces of \(pieceSize)")
      let failing = bytes.count / 2
      #expect(
        throws: StateSnapshot.Refusal.self, "\(name): a piece that cannot be read"
      ) {
        try StateSnapshot.read(total: bytes.count, incident: state.id, pieceSize: pieceSize) {
          offset, buffer in
          guard offset + buffer.count <= failing else { return false }
          buffer.copyBytes(from: bytes[offset..<offset + buffer.count])
          return true
        }
      }
    }
  }

  @Test func aSnapshotOfAnotherIncidentOrFormatIsRefused() throws {
    let state = Fixtures.busy().state
    let bytes = StateSnapshot.encode(state)
    #expect(try StateSnapshot.read(bytes, incident: state.id) == state)
    #expect(StateSnapshot.decode(bytes, incident: IncidentID(number: 8)) == nil)
    var otherFormat = bytes
    otherFormat[0] &+= 2
    #expect(StateSnapshot.decode(otherFormat, incident: state.id) == nil)
    #expect(StateSnapshot.decode(bytes + [0], incident: state.id) == nil)
    #expect(StateSnapshot.decode(Array(bytes.dropLast()), incident: state.id) == nil)
    #expect(StateSnapshot.decode([], incident: state.id) == nil)
  }

  /// Positions into the state's arrays that a planted snapshot points out of range are
  /// refused: the fold and the screen index with them.
  @Test func positionsOutOfRangeAreRefused() throws {
    let delivered = Fixtures.delivered().state
    let alerted = Fixtures.alerted().state
    var plants: [(String, IncidentState)] = []
    var state = delivered
    state.deliveryIndex[state.deliveryIndex.keys.first!] = state.deliveries.count
    plants.append(("delivery index", state))
    state = alerted
    state.alertIndex[state.alertIndex.keys.first!] = -1
    plants.append(("alert index", state))
    state = alerted
    state.manualSteps[state.runbook.steps.count] = Mark(by: "m", at: Fixtures.start)
    plants.append(("step past the runbook", state))
    state = alerted
    state.cadence = 0
    plants.append(("cadence 0", state))
    state = alerted
    state.log[0].number = 9
    plants.append(("log numbering", state))
    for (what, planted) in plants {
      #expect(
        StateSnapshot.decode(StateSnapshot.encode(planted), incident: planted.id) == nil, "\(what)")
    }
  }

  /// Bytes changed at random (as by a hand or a disk): the reader either refuses them or
  /// gets a state that folds more hostile rows, reports and renders without trapping and
  /// without a raw control character on screen.
  @Test func damagedSnapshotsAreRefusedOrHarmless() async {
    let sources = Self.incidents.map { $0.1().state }
    let encoded = sources.map(StateSnapshot.encode)
    await propertyCheck(count: 600, input: Gen.uint64()) { seed in
      var random = SplitMix(seed)
      let which = random.below(sources.count)
      var bytes = encoded[which]
      switch random.below(4) {
      case 0: bytes = Array(bytes.prefix(random.below(bytes.count)))
      case 1:
        bytes.insert(UInt8(random.below(256)), at: random.below(bytes.count))
      default:
        for _ in 0...random.below(4) {
          let at = random.below(bytes.count)
          bytes[at] =
            random.below(2) == 0 ? UInt8(random.below(256)) : bytes[at] ^ (1 << random.below(8))
        }
      }
      // Read as each reader reads it: whole, as a summary, and as `store verify` does.
      let readings: [HistoryReading] = [.whole, .summary, .wholeChecked]
      let history = readings[random.below(readings.count)]
      guard var state = StateSnapshot.decode(bytes, incident: sources[which].id, history: history)
      else { return }
      for index in 0..<random.below(10) {
        let row = HostileInputPropertyTests.row(&random)
        Reducer.apply(
          EventEnvelope.stored(
            seq: state.lastSeq + Int64(index) + 1, incident: state.id.rawValue,
            atMilliseconds: row.at, actor: "mallory", type: row.type, payload: row.payload),
          to: &state)
      }
      let now = Fixtures.start.addingTimeInterval(3600)
      let report = StatusReport(state: state, now: now)
      #expect(!HostileInputPropertyTests.hasRawControl(report.text, allowingNewlines: true))
      _ = PostMortem.markdown(state, now: now)
      let frame = DashboardRenderer.render(
        RenderContext(state: state, model: DashboardModel(me: "alice"), now: now, storeName: "s"),
        width: 120, height: 40)
      #expect(!HostileInputPropertyTests.hasRawControl(frame.grid.text, allowingNewlines: true))
    }
  }
}
