import Foundation
import PropertyBased
import Testing
import WarroomCore
import WarroomReports
import WarroomTestSupport

/// `status`, `list` and most writes read a snapshot as a summary: the log's entries and the
/// timeline's lines from before it stay unread. What they show and decide must be what the
/// whole fold shows and decides.
@Suite("Reading a snapshot as a summary")
struct SummaryReadingTests {
  /// Commands that do not read the history (`Command.readsHistory` false), across the
  /// process: each must be decided the same on a summary as on the whole state.
  static let commands: [Command] = [
    .log(.note, "still digging"), .log(.manualChange, "restarted db-1"),
    .edit(DetailsChanged(title: "Checkout is down")), .assignRole(.lead, "alice"),
    .assignRole(.recorder, "carol"), .releaseRole(.ic, "bob"), .completeStep(3),
    .undoStep(1), .proposeExperiment(hypothesis: "a", change: "b", owner: "bob", target: "db"),
    .startExperiment(1), .concludeExperiment(1, .refuted, "no"),
    .abandonExperiment(2, reason: nil), .postUpdate("still on it"), .announce("it is down"),
    .confirmDelivery("1-slack"), .resendDelivery("1-slack"),
    .addProbe(ProbeSpec(name: "web", kind: .http, target: "https://w.example/")),
    .removeProbe("search"), .pauseProbe("search"), .resumeProbe("search"), .setCadence(900),
    .addWhy(chain: nil, why: "why", because: "because"), .addFollowup("fix it", owner: nil),
    .closeFollowup(1), .mitigate(reason: "holding"), .verify("customer says fine"),
    .resolve(force: "tracked"), .reopen(reason: "again"),
  ]

  static func decision(_ command: Command, _ state: IncidentState) -> String {
    do throws(Refusal) {
      return "\(try Rules.decide(command, in: state))"
    } catch {
      return "refused: \(error.message)"
    }
  }

  /// fold(snapshot read as a summary, then the rest) holds every field of fold(all events)
  /// but the log and timeline, of which it holds every entry and line folded after the
  /// snapshot; and it is reported and decided on the same.
  @Test func aSummaryAgreesWithTheWholeFoldOnEverythingItHolds() async {
    await propertyCheck(count: 300, input: Gen.uint64()) { seed in
      var random = SplitMix(seed)
      let (events, whole, cut, prefix) = StateSnapshotTests.cutHistory(&random)
      let id = whole.id
      let bytes = StateSnapshot.encode(prefix)
      guard var summary = StateSnapshot.decode(bytes, incident: id, history: .summary) else {
        Issue.record("seed \(seed): a snapshot of a real fold was refused as a summary")
        return
      }
      #expect(!summary.holdsWholeHistory || prefix.log.isEmpty && prefix.timeline.isEmpty)
      StateSnapshotTests.fold(events[cut...], into: &summary)
      let context = "seed \(seed), cut \(cut)"
      #expect(summary.log.total == whole.log.total, "\(context)")
      #expect(summary.timeline.total == whole.timeline.total, "\(context)")
      #expect(summary.log.startIndex == prefix.log.total, "\(context)")
      #expect(Array(summary.log) == Array(whole.log[summary.log.indices]), "\(context)")
      // A line that names an unread one (taking back an event from before the snapshot)
      // names it by number: the only line a summary words differently.
      for position in summary.timeline.indices {
        let line = summary.timeline[position]
        var wholeLine = whole.timeline[position]
        if line.summary.hasPrefix("Took back: event #") { wholeLine.summary = line.summary }
        #expect(line == wholeLine, "\(context), line \(position)")
      }
      let now = Fixtures.start.addingTimeInterval(7200)
      #expect(StatusReport(state: summary, now: now) == StatusReport(state: whole, now: now))
      for command in Self.commands {
        #expect(!command.readsHistory)
        #expect(
          Self.decision(command, summary) == Self.decision(command, whole),
          "\(context): \(command)")
      }
      var rest = summary
      rest.log = whole.log
      rest.timeline = whole.timeline
      #expect(rest == whole, "\(context): \(StateSnapshotTests.firstDifference(rest, whole))")
    }
  }

  /// Every cut of every fixture, including the one whose entries are corrected and struck
  /// (a struck manual change comes off the count whether or not its entry was read).
  @Test(arguments: StateSnapshotTests.incidents.map(\.0))
  func everyCutOfAFixtureSummarisesTheSame(name: String) throws {
    let builder = try #require(StateSnapshotTests.incidents.first { $0.0 == name }).1()
    let events = builder.envelopes
    let whole = builder.state
    for cut in 0...events.count {
      var prefix = IncidentState(id: whole.id)
      StateSnapshotTests.fold(events[..<cut], into: &prefix)
      var summary = try StateSnapshot.read(
        StateSnapshot.encode(prefix), incident: whole.id, history: .summary)
      StateSnapshotTests.fold(events[cut...], into: &summary)
      #expect(summary.manualChangeCount == whole.manualChangeCount, "\(name), cut \(cut)")
      #expect(summary.entriesByPeople == whole.entriesByPeople, "\(name), cut \(cut)")
      #expect(summary.log.total == whole.log.total, "\(name), cut \(cut)")
      #expect(summary.outgoing == whole.outgoing, "\(name), cut \(cut)")
    }
  }

  /// Read as the stores read (pieces that start small and grow), a summary of a log of
  /// short entries asks for a few pieces past its small prefix, not a first piece of a
  /// quarter megabyte mostly of history (which the old fixed pieces asked for).
  @Test func aSummaryAsksForLittleMoreThanItReads() throws {
    var builder = Fixtures.Builder(Declared(title: "Chatty"))
    for index in 0..<5000 {
      builder.send(.log(.note, "entry \(index): nothing new, still digging"))
    }
    let bytes = StateSnapshot.encode(builder.state)
    var requested = 0
    var pieces = 0
    let summary = try StateSnapshot.read(
      total: bytes.count, incident: builder.state.id, history: .summary
    ) { offset, buffer in
      guard offset >= 0, offset + buffer.count <= bytes.count else { return false }
      requested += buffer.count
      pieces += 1
      buffer.copyBytes(from: bytes[offset..<offset + buffer.count])
      return true
    }
    #expect(summary.log.total == 5000)
    #expect(bytes.count > 250_000)
    #expect(requested < 64 * 1024, "asked for \(requested) of \(bytes.count) bytes")
    var whole = 0
    _ = try StateSnapshot.read(total: bytes.count, incident: builder.state.id) { offset, buffer in
      whole += buffer.count
      buffer.copyBytes(from: bytes[offset..<offset + buffer.count])
      return true
    }
    // Every byte, and again only the start of a value cut by a piece's end.
    #expect(whole >= bytes.count && whole < bytes.count + 1024)
  }

  /// A summary asks for none of the history's bytes: read a piece at a time, as the stores
  /// read, it takes a small share of a snapshot whose log holds megabytes.
  @Test func aSummaryReadsNoneOfTheHistorysBytes() throws {
    var builder = Fixtures.Builder(Declared(title: "Chatty"))
    let text = String(repeating: "x", count: 1000)
    for index in 0..<2000 { builder.send(.log(.note, "\(index) \(text)")) }
    builder.send(.log(.manualChange, "restarted db-1"))
    builder.send(.strikeLog(2001, reason: "wrong host"))
    let state = builder.state
    let bytes = StateSnapshot.encode(state)
    func read(_ history: HistoryReading) throws -> (IncidentState, Int) {
      var requested = 0
      let read = try StateSnapshot.read(
        total: bytes.count, incident: state.id, history: history, pieceSize: 4096
      ) { offset, buffer in
        guard offset >= 0, offset + buffer.count <= bytes.count else { return false }
        requested += buffer.count
        buffer.copyBytes(from: bytes[offset..<offset + buffer.count])
        return true
      }
      return (read, requested)
    }
    let (whole, wholeBytes) = try read(.whole)
    let (summary, summaryBytes) = try read(.summary)
    #expect(whole == state)
    #expect(wholeBytes >= 2_000_000)
    // What it reads is bounded: the last 64 to 127 events (for undo) carry their text.
    #expect(summaryBytes < 200_000, "a summary read \(summaryBytes) of \(bytes.count) bytes")
    #expect(summary.log.total == 2001 && summary.log.isEmpty && !summary.holdsWholeHistory)
    #expect(summary.manualChangeCount == 0 && state.manualChangeCount == 0)
    // Striking an unread entry again changes no count; a later entry is numbered on.
    var later = summary
    StateSnapshotTests.fold(
      [
        EventEnvelope(
          seq: state.lastSeq + 1, incident: state.id, at: Fixtures.start, actor: "alice",
          event: .logged(LogAdded(kind: .note, text: "on we go")))
      ], into: &later)
    #expect(later.log.entry(number: 2002)?.text == "on we go")
    #expect(later.log.entry(number: 1) == nil)
  }

  /// The index of entries a summary keeps must say of each entry what the entry says: a
  /// whole reader passes over it, a summary cannot see that it lies, and `store verify`
  /// (`wholeChecked`) refuses the snapshot.
  @Test func anIndexThatDisagreesWithItsEntriesIsRefused() throws {
    var builder = Fixtures.Builder(Declared(title: "Index"))
    builder.send(.log(.note, "first"))
    var other = builder
    builder.send(.log(.decision, "roll back"))
    other.send(.log(.finding, "roll back"))
    let decision = StateSnapshot.encode(builder.state)
    let finding = StateSnapshot.encode(other.state)
    // The first byte that differs is the second entry's kind in the index.
    let at = try #require(decision.indices.first { decision[$0] != finding[$0] })
    var planted = decision
    planted[at] = finding[at]
    let id = builder.state.id
    #expect(StateSnapshot.decode(decision, incident: id, history: .wholeChecked) == builder.state)
    #expect(StateSnapshot.decode(planted, incident: id, history: .wholeChecked) == nil)
    #expect(StateSnapshot.decode(planted, incident: id) == builder.state)
    let summary = StateSnapshot.decode(planted, incident: id, history: .summary)
    #expect(summary?.log.total == 2)
  }

  /// Only commands that read the history load it whole.
  @Test func commandsThatNameAnEntryOrTakeBackReadTheWholeHistory() {
    #expect(Command.editLog(1, "x").readsHistory)
    #expect(Command.strikeLog(1, reason: "x").readsHistory)
    #expect(Command.undo(by: "alice", at: Fixtures.start).readsHistory)
  }
}
