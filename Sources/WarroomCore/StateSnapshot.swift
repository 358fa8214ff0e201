import Foundation

/// An incident's folded state as bytes, so that a reader can start from it and fold only
/// the events written after it instead of every event since the declaration.
///
/// A snapshot is a cache, never the record: the store keeps it beside the events with the
/// sequence number and chain hash it covers, and a reader uses it only when it decodes
/// whole, passes `isSound`, and that event is still in the chain with that hash. Anything
/// else is ignored and the events are folded as if there were no snapshot.
public enum StateSnapshot {
  /// The layout and the fold's rules a snapshot was made under. Bump it whenever either
  /// changes (a field added to the state, an event folded differently): snapshots of
  /// another format are ignored, and readers fold from the events again.
  public static let format: Int64 = 2

  /// The state's bytes. Only a state that holds its whole history is a snapshot: one read
  /// as a summary would make every later reader lose the entries it did not read.
  public static func encode(_ state: IncidentState) -> [UInt8] {
    precondition(state.holdsWholeHistory, "a summary is never saved as a snapshot")
    var writer = SnapshotWriter()
    writer.integer(format)
    writer.write(state)
    return writer.bytes
  }

  /// The state in `bytes` when they are a sound snapshot of `incident`, else nil.
  public static func decode(
    _ bytes: [UInt8], incident: IncidentID, history: HistoryReading = .whole
  ) -> IncidentState? {
    try? read(bytes, incident: incident, history: history)
  }

  /// Why a snapshot is not used, for `store verify` and for tests.
  public struct Refusal: Error, Equatable, CustomStringConvertible {
    public var description: String
  }

  /// The state in `bytes`, or why they are not a sound snapshot of `incident`.
  public static func read(
    _ bytes: [UInt8], incident: IncidentID, history: HistoryReading = .whole
  ) throws(Refusal) -> IncidentState {
    try bytes.withUnsafeBytes { buffer in
      Result { () throws(Refusal) in try read(buffer, incident: incident, history: history) }
    }.get()
  }

  /// The same, from bytes held elsewhere (a store's row) for the length of the call.
  public static func read(
    _ bytes: UnsafeRawBufferPointer, incident: IncidentID, history: HistoryReading = .whole
  ) throws(Refusal) -> IncidentState {
    try read(SnapshotReader(bytes), incident: incident, history: history)
  }

  /// The same, from `total` bytes that `fill` copies a piece at a time (from `offset`,
  /// filling the buffer; false when it cannot): a store's blob read in pieces, of
  /// `pieceSize` bytes unless one value is longer. A summary never asks for the bytes of
  /// the log's entries and the timeline.
  public static func read(
    total: Int, incident: IncidentID, history: HistoryReading = .whole,
    pieceSize: Int = 256 * 1024,
    fill: @escaping (_ offset: Int, _ into: UnsafeMutableRawBufferPointer) -> Bool
  ) throws(Refusal) -> IncidentState {
    try read(
      SnapshotReader(total: total, pieceSize: pieceSize, fill: fill), incident: incident,
      history: history)
  }

  private static func read(
    _ reader: SnapshotReader, incident: IncidentID, history: HistoryReading
  ) throws(Refusal) -> IncidentState {
    var reader = reader
    reader.history = history
    guard (try? reader.integer()) == format else {
      throw Refusal(description: "made by another version of warroom")
    }
    let state: IncidentState
    do {
      state = try reader.read(IncidentState.self)
    } catch {
      throw Refusal(description: "malformed at byte \(reader.position)")
    }
    guard reader.isAtEnd else { throw Refusal(description: "bytes after the end") }
    guard state.id == incident else { throw Refusal(description: "of \(state.id)") }
    if let problem = state.unsoundness { throw Refusal(description: problem) }
    return state
  }
}

extension IncidentState {
  /// What points where the fold would never have it point, if anything: later events and
  /// the screen index arrays with these positions, so a planted snapshot whose positions
  /// are out of range must be refused rather than trapped on.
  var unsoundness: String? {
    let steps = runbook.steps.indices
    if lastSeq < 0 || foldedEvents < 0 { return "a negative count" }
    if alertIndex.count != alerts.count || !alertIndex.values.allSatisfy(alerts.indices.contains) {
      return "alert positions out of range"
    }
    if !deliveryIndex.values.allSatisfy(deliveries.indices.contains)
      || !deliveryTally.positionsByMessage.values.allSatisfy({
        $0.allSatisfy(deliveries.indices.contains)
      })
    {
      return "delivery positions out of range"
    }
    if !manualSteps.keys.allSatisfy(steps.contains) || !autoSteps.keys.allSatisfy(steps.contains)
      || !openStepsAtGreen.allSatisfy(steps.contains)
    {
      return "steps past the runbook"
    }
    // Through the array: the collection's subscript copies each entry out (2 ms at 100k).
    let held = log.held
    let first = log.startIndex
    if !held.indices.allSatisfy({ held[$0].number == first + $0 + 1 }) { return "log numbering" }
    if let problem = runbook.problem { return "runbook: \(problem)" }
    if !Limits.cadence.contains(cadence) { return "cadence out of range" }
    if recentEvents.count >= 2 * Self.recentLimit { return "too many recent events" }
    return nil
  }
}

// MARK: - Layouts, field by field (read in the order written)

extension IncidentState: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(id.rawValue)
    w.write(declaredFrom)
    w.write(alerts)
    w.write(alertIndex)
    w.write(alertGroups)
    w.write(isDeclared)
    w.write(title)
    w.write(severity)
    w.write(impact)
    w.write(ticket)
    w.write(channel)
    w.write(declaredAt)
    w.write(declaredBy)
    w.write(runbook)
    w.write(status)
    w.write(impactStartedAt)
    w.write(detectedAt)
    w.write(mitigations)
    w.write(reopenings)
    w.write(openStepsAtGreen)
    w.write(firstMitigatedAt)
    w.write(mitigatedAt)
    w.write(resolvedAt)
    w.write(forcedResolution)
    w.write(customerVerification)
    w.write(manualSteps)
    w.write(autoSteps)
    w.write(autoChecksHeld)
    w.write(roles)
    w.write(experiments)
    writeLogIndex(to: &w)
    w.write(entriesByPeople)
    w.write(manualChangeCount)
    w.write(updates)
    w.write(announcements)
    w.write(outgoing)
    w.write(deliveries)
    w.write(deliveryIndex)
    w.write(deliveryTally)
    w.write(probes)
    w.write(recoveryProvenAt)
    w.write(recoveries)
    w.write(relapses)
    w.write(overdueNoted)
    w.write(cadence)
    w.write(whyChains)
    w.write(followups)
    w.integer(Int64(timeline.total))
    w.write(recentEvents)
    w.write(undone)
    w.write(lastSeq)
    w.write(foldedEvents)
    w.write(skipped)
    // Last, behind its length, so that a summary skips it unread.
    let section = w.beginSection()
    for entry in log.held { w.write(entry) }
    writeTimeline(to: &w)
    w.endSection(section)
  }

  init(from r: inout SnapshotReader) throws {
    self.init(id: IncidentID(rawValue: try r.read()))
    declaredFrom = try r.read()
    alerts = try r.read()
    alertIndex = try r.read()
    alertGroups = try r.read()
    isDeclared = try r.read()
    title = try r.read()
    severity = try r.read()
    impact = try r.read()
    ticket = try r.read()
    channel = try r.read()
    declaredAt = try r.read()
    declaredBy = try r.read()
    runbook = try r.read()
    status = try r.read()
    impactStartedAt = try r.read()
    detectedAt = try r.read()
    mitigations = try r.read()
    reopenings = try r.read()
    openStepsAtGreen = try r.read()
    firstMitigatedAt = try r.read()
    mitigatedAt = try r.read()
    resolvedAt = try r.read()
    forcedResolution = try r.read()
    customerVerification = try r.read()
    manualSteps = try r.read()
    autoSteps = try r.read()
    autoChecksHeld = try r.read()
    roles = try r.read()
    experiments = try r.read()
    let entryCount = try r.count()
    let indexLength = try r.sectionLength()
    // Whole readers pass over the index: the entries say it all. `store verify` reads and
    // checks it, so that one planted for summaries alone is found.
    var logIndex: [LogBook.Unread] = []
    if r.history == .whole {
      try r.skip(indexLength)
    } else {
      let end = r.position + indexLength
      logIndex = try Self.readLogIndex(entryCount, from: &r)
      guard r.position == end else { throw SnapshotReader.Malformed() }
    }
    entriesByPeople = try r.read()
    manualChangeCount = try r.read()
    updates = try r.read()
    announcements = try r.read()
    outgoing = try r.read()
    deliveries = try r.read()
    deliveryIndex = try r.read()
    deliveryTally = try r.read()
    probes = try r.read()
    recoveryProvenAt = try r.read()
    recoveries = try r.read()
    relapses = try r.read()
    overdueNoted = try r.read()
    cadence = try r.read()
    whyChains = try r.read()
    followups = try r.read()
    let lines = try r.count()
    recentEvents = try r.read()
    undone = try r.read()
    lastSeq = try r.read()
    foldedEvents = try r.read()
    skipped = try r.read()
    let length = try r.sectionLength()
    switch r.history {
    case .summary:
      try r.skip(length)
      log = LogBook(unread: logIndex)
      timeline = Timeline(unread: lines)
    case .whole, .wholeChecked:
      let end = r.position + length
      var entries: [LogEntry] = []
      entries.reserveCapacity(entryCount)
      let checked = r.history == .wholeChecked
      for position in 0..<entryCount {
        let entry: LogEntry = try r.read()
        // The index must say of each entry what the entry says of itself.
        if checked {
          let mark = logIndex[position]
          guard entry.kind == mark.kind, entry.strike.isEmpty != mark.struck else {
            throw SnapshotReader.Malformed()
          }
        }
        entries.append(entry)  // last: moved in, not copied
      }
      timeline = try Self.readTimeline(lines, from: &r, log: entries)
      log = LogBook(unread: [], held: entries)
      guard r.position == end else { throw SnapshotReader.Malformed() }
    }
  }
}

/// Of every log entry, what a summary keeps (`LogBook.Unread`): its kind, by the position
/// of its name in a table written first, and whether it is struck, as one small number.
extension IncidentState {
  fileprivate func writeLogIndex(to w: inout SnapshotWriter) {
    w.integer(Int64(log.total))
    let section = w.beginSection()
    let kinds = LogKind.allCases
    w.write(kinds)
    // By index into the array: its fields are read in place, no entry copied out.
    let held = log.held
    for index in held.indices {
      let kind = kinds.firstIndex(of: held[index].kind) ?? 0
      w.integer(Int64(kind * 2 + (held[index].strike.isEmpty ? 0 : 1)))
    }
    w.endSection(section)
  }

  fileprivate static func readLogIndex(_ count: Int, from r: inout SnapshotReader) throws
    -> [LogBook.Unread]
  {
    let kinds: [LogKind] = try r.read()
    var index: [LogBook.Unread] = []
    index.reserveCapacity(count)
    for _ in 0..<count {
      let code = try r.integer()
      guard code >= 0, code / 2 < kinds.count else { throw SnapshotReader.Malformed() }
      index.append(LogBook.Unread(kind: kinds[Int(code / 2)], struck: code % 2 == 1))
    }
    return index
  }
}

/// The timeline's line of a plain note is the entry's text itself, one string the fold
/// shares between the two: kept once, by the entry's position, so that a state read back
/// holds no more than the fold built (7.5 MB more at 100k events when written twice).
extension IncidentState {
  fileprivate func writeTimeline(to w: inout SnapshotWriter) {
    // Whole, as every snapshot is: the arrays themselves, walked without the collections'
    // position arithmetic.
    let log = self.log.held
    var entry = 0
    for line in timeline.held {
      // Both run in event order.
      while entry < log.count, log[entry].seq < line.seq { entry += 1 }
      let shared =
        entry < log.count && log[entry].seq == line.seq && log[entry].text == line.summary
      w.write(line.seq)
      w.write(line.at)
      w.write(line.actor)
      w.write(shared ? Int?(entry) : nil)
      if !shared { w.write(line.summary) }
      w.write(line.osUser)
      w.write(line.isKeyMoment)
    }
  }

  fileprivate static func readTimeline(
    _ count: Int, from r: inout SnapshotReader, log: [LogEntry]
  ) throws -> Timeline {
    var timeline: [TimelineEntry] = []
    timeline.reserveCapacity(count)
    for _ in 0..<count {
      let seq: Int64 = try r.read()
      let at: Date = try r.read()
      let actor: String = try r.read()
      let summary: String
      if let entry: Int = try r.read() {
        guard log.indices.contains(entry) else { throw SnapshotReader.Malformed() }
        summary = log[entry].text
      } else {
        summary = try r.read()
      }
      timeline.append(
        TimelineEntry(
          seq: seq, at: at, actor: actor, summary: summary, osUser: try r.read(),
          isKeyMoment: try r.read()))
    }
    return Timeline(unread: 0, held: timeline)
  }
}

extension Severity: SnapshotName {}
extension IncidentStatus: SnapshotName {}
extension Role: SnapshotName {}
extension AlertStatus: SnapshotName {}
extension ExperimentState: SnapshotName {}
extension ExperimentOutcome: SnapshotName {}
extension LogKind: SnapshotName {}
extension MessageType: SnapshotName {}
extension ProbeState: SnapshotName {}
extension Runbook: SnapshotJSON {}
extension ProbeSpec: SnapshotJSON {}

extension Mark: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(by)
    w.write(at)
    w.write(text)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(by: try r.read(), at: try r.read(), text: try r.read())
  }
}

extension SkippedEvent: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(seq)
    w.write(type)
    w.write(reason)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(seq: try r.read(), type: try r.read(), reason: try r.read())
  }
}

extension AlertRecord: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(source)
    w.write(group)
    w.write(key)
    w.write(name)
    w.write(status)
    w.write(since)
    w.write(startedAt)
    w.write(receivedAt)
    w.write(url)
    w.write(acknowledgedBy)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(
      source: try r.read(), group: try r.read(), key: try r.read(), name: try r.read(),
      status: try r.read(), since: try r.read(), startedAt: try r.read(),
      receivedAt: try r.read(), url: try r.read(), acknowledgedBy: try r.read())
  }
}

extension RoleBoard: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(holders)
    w.write(history)
  }
  init(from r: inout SnapshotReader) throws {
    self.init()
    holders = try r.read()
    history = try r.read()
  }
}

extension RoleHandoff: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(role)
    w.write(person)
    w.write(assigned)
    w.write(by)
    w.write(at)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(
      role: try r.read(), person: try r.read(), assigned: try r.read(), by: try r.read(),
      at: try r.read())
  }
}

extension Experiment: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(id)
    w.write(hypothesis)
    w.write(change)
    w.write(owner)
    w.write(target)
    w.write(state)
    w.write(outcome)
    w.write(result)
    w.write(proposed)
    w.write(startedAt)
    w.write(endedAt)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(
      id: try r.read(), hypothesis: try r.read(), change: try r.read(), owner: try r.read(),
      target: try r.read(), state: try r.read(), outcome: try r.read(), result: try r.read(),
      proposed: try r.read(), startedAt: try r.read(), endedAt: try r.read())
  }
}

extension LogEntry: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(number)
    w.write(kind)
    w.write(text)
    w.write(by)
    w.write(at)
    w.write(seq)
    w.write(corrections)
    w.write(strike)
  }
  init(from r: inout SnapshotReader) throws {
    let number: Int = try r.read()
    self.init(kind: try r.read(), text: try r.read(), by: try r.read(), at: try r.read())
    self.number = number
    seq = try r.read()
    corrections = try r.read()
    strike = try r.read()
  }
}

extension StakeholderUpdate: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(text)
    w.write(by)
    w.write(at)
    w.write(onTime)
    w.write(due)
    w.write(seq)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(
      text: try r.read(), by: try r.read(), at: try r.read(), onTime: try r.read(),
      due: try r.read(), seq: try r.read())
  }
}

extension OutgoingMessage: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(seq)
    w.write(type)
    w.write(text)
    w.write(by)
    w.write(at)
    w.write(status)
    w.write(corrects)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(
      seq: try r.read(), type: try r.read(), text: try r.read(), by: try r.read(),
      at: try r.read(), status: try r.read(), corrects: try r.read())
  }
}

extension DeliveryRecord: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(id)
    w.write(destination)
    w.write(message)
    w.write(attempts)
    w.write(firstAttemptAt)
    w.write(phase)
    w.write(at)
    w.write(confirmedBy)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(
      id: try r.read(), destination: try r.read(), message: try r.read(),
      attempts: try r.read(), firstAttemptAt: try r.read(), phase: try r.read(),
      at: try r.read(), confirmedBy: try r.read())
  }
}

extension DeliveryRecord.Phase: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    switch self {
    case .sending(let deliverer):
      w.integer(0)
      w.write(deliverer)
    case .delivered(let status, let remote):
      w.integer(1)
      w.write(status)
      w.write(remote)
    case .retrying(let reason, let retryAt):
      w.integer(2)
      w.write(reason)
      w.write(retryAt)
    case .failed(let reason):
      w.integer(3)
      w.write(reason)
    case .uncertain(let reason):
      w.integer(4)
      w.write(reason)
    case .resendAsked(let by):
      w.integer(5)
      w.write(by)
    }
  }
  init(from r: inout SnapshotReader) throws {
    switch try r.integer() {
    case 0: self = .sending(deliverer: try r.read())
    case 1: self = .delivered(status: try r.read(), remote: try r.read())
    case 2: self = .retrying(reason: try r.read(), retryAt: try r.read())
    case 3: self = .failed(reason: try r.read())
    case 4: self = .uncertain(reason: try r.read())
    case 5: self = .resendAsked(by: try r.read())
    default: throw SnapshotReader.Malformed()
    }
  }
}

extension DeliveryTally: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(positionsByMessage)
    w.write(deliveredByMessage)
    w.write(updates)
  }
  init(from r: inout SnapshotReader) throws {
    self.init()
    positionsByMessage = try r.read()
    deliveredByMessage = try r.read()
    updates = try r.read()
  }
}

extension DeliveryTally.Counts: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(records)
    w.write(delivered)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(records: try r.read(), delivered: try r.read())
  }
}

extension ProbeRecord: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(spec)
    w.write(state)
    w.write(paused)
    w.write(since)
    w.write(value)
    w.write(reason)
    w.write(firstFailedAt)
    w.write(passingSince)
    w.write(added)
    w.write(removed)
    w.write(changedAt)
    w.write(lastFindingAt)
    w.write(quietFailures)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(
      spec: try r.read(), state: try r.read(), paused: try r.read(), since: try r.read(),
      value: try r.read(), reason: try r.read(), firstFailedAt: try r.read(),
      passingSince: try r.read(), added: try r.read(), removed: try r.read(),
      changedAt: try r.read(), lastFindingAt: try r.read(), quietFailures: try r.read())
  }
}

extension WhyLink: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(why)
    w.write(because)
    w.write(by)
    w.write(at)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(why: try r.read(), because: try r.read(), by: try r.read(), at: try r.read())
  }
}

extension Followup: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(id)
    w.write(text)
    w.write(owner)
    w.write(added)
    w.write(done)
  }
  init(from r: inout SnapshotReader) throws {
    self.init(
      id: try r.read(), text: try r.read(), owner: try r.read(), added: try r.read(),
      done: try r.read())
  }
}

/// The last events, kept for taking one back, in their stored form and read back through
/// `EventEnvelope.stored`, the one way rows become events; an event that was unreadable
/// keeps its reason (a time out of range was read as 0 ms, which would read back as good).
extension EventEnvelope: SnapshotCodable {
  func write(to w: inout SnapshotWriter) {
    w.write(seq)
    w.write(incident.rawValue)
    w.write(Int64(milliseconds: at))
    w.write(actor)
    w.write(event.typeName)
    w.write(event.payloadJSON())
    w.write(osUser)
    w.write(dbRole)
    let unreadable: String? = if case .unreadable(_, _, let reason) = event { reason } else { nil }
    w.write(unreadable)
  }
  init(from r: inout SnapshotReader) throws {
    let seq: Int64 = try r.read()
    let incident: String = try r.read()
    let milliseconds: Int64 = try r.read()
    let actor: String = try r.read()
    let type: String = try r.read()
    let payload: String = try r.read()
    let osUser: String? = try r.read()
    let dbRole: String? = try r.read()
    if let reason: String = try r.read() {
      self.init(
        seq: seq, incident: IncidentID(rawValue: incident), at: Reducer.date(milliseconds),
        actor: actor, event: .unreadable(type: type, payload: payload, reason: reason),
        osUser: osUser, dbRole: dbRole)
    } else {
      self = .stored(
        seq: seq, incident: incident, atMilliseconds: milliseconds, actor: actor, type: type,
        payload: payload, osUser: osUser, dbRole: dbRole)
    }
  }
}
