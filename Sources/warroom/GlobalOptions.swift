import ArgumentParser
import Foundation
import WarroomCore
import WarroomStore

/// The options every command takes: which store, who I am, which incident.
struct GlobalOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The store file (else $WARROOM_STORE, else ~/.local/share/warroom/warroom.db).",
      valueName: "path"))
  var store: String?

  @Option(
    name: .customLong("as"),
    help: ArgumentHelp(
      "Who is acting (else $WARROOM_USER, else the login name).", valueName: "name"))
  var actor: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "The incident, as INC-7 or 7 (else $WARROOM_INCIDENT, else the only open one).",
      valueName: "id"))
  var incident: String?

  func validate() throws {
    if let actor { try checkName(actor, "--as") }
    if let incident, IncidentID(parsing: incident) == nil {
      throw ValidationError("--incident needs an id such as INC-7")
    }
    if incident == nil, let named = Self.environmentIncident, IncidentID(parsing: named) == nil {
      throw ValidationError("WARROOM_INCIDENT needs an id such as INC-7 (it is '\(named)')")
    }
  }

  /// `$WARROOM_INCIDENT`, when set: the incident a shell session works on.
  static var environmentIncident: String? {
    ProcessInfo.processInfo.environment["WARROOM_INCIDENT"].flatMap { $0.isEmpty ? nil : $0 }
  }

  /// The incident named on the command line or in the environment.
  var namedIncident: IncidentID? {
    (incident ?? Self.environmentIncident).flatMap { IncidentID(parsing: $0) }
  }

  var storePath: String {
    StoreLocation.resolve(explicit: store, environment: ProcessInfo.processInfo.environment)
  }

  /// The acting person's name.
  var who: String {
    if let actor { return actor }
    let environment = ProcessInfo.processInfo.environment
    if let user = environment["WARROOM_USER"], !user.isEmpty { return user }
    if let login = getlogin().map({ String(cString: $0) }), !login.isEmpty { return login }
    if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name {
      return String(cString: name)
    }
    return environment["USER"] ?? "unknown"
  }

  /// Opens the store. Only `declare` and the dashboard create one: any other command on
  /// a mistyped path is refused instead of starting a second, empty war room.
  func openStore(create: Bool = false) throws -> any EventStore {
    try StoreOpener.open(storePath, create: create)
  }

  /// Warns when the store's history was changed behind warroom's back (`store verify`
  /// says where), for the commands people read the incident with: past the newest
  /// snapshot, so that the check costs the same on any size of incident.
  func warnIfTampered(_ store: any EventStore) {
    guard let verification = try? store.verifyRecent(),
      case .broken(let seq, _) = verification.report
    else { return }
    Output.warn(
      "the history of \(store.location) was changed at event #\(seq); "
        + "run warroom store verify for details")
  }

  /// The incident this command is about: `--incident` (or `$WARROOM_INCIDENT`), else the
  /// newest not resolved. With `orNewest`, falls back to the newest incident even if
  /// resolved (for reports). A command that writes never guesses: with two or more open
  /// incidents it must be told which (exit 64, nothing stored), so that a second
  /// declaration cannot silently take over everyone's writes. `history`: `.summary` for a
  /// command that shows no log entry or timeline line from before it ran.
  func resolveIncident(
    in store: any EventStore, orNewest: Bool = false, forWriting: Bool = false,
    history: HistoryReading = .whole
  ) throws -> IncidentState {
    if let id = namedIncident {
      let state = try store.load(id, history: history)
      guard state.isDeclared else {
        throw Refusal("no incident \(id) in \(store.location)")
      }
      warnAboutSkipped(state)
      return state
    }
    var current: IncidentState?
    if forWriting {
      // Every incident is folded once here, and the one open incident is the answer.
      let open = try store.openIncidents(history: history)
      if open.count > 1 {
        let named = open.map { "\($0.id) \"\(String($0.title.prefix(40)))\"" }
        throw Failure(
          message: "\(open.count) incidents are open (\(named.joined(separator: ", "))): "
            + "say which with --incident ID or WARROOM_INCIDENT=ID; nothing was stored",
          code: 64)
      }
      current = open.first
    } else {
      current = try store.currentIncident(history: history)
    }
    if current == nil, orNewest, let newest = try store.incidentIDs().last {
      current = try store.load(newest, history: history)
    }
    guard let state = current else {
      throw Refusal(
        "no open incident in \(store.location); declare one with: warroom declare \"TITLE\"")
    }
    warnAboutSkipped(state)
    return state
  }

  /// Runs a command of the process against the incident and says what happened: on
  /// stdout, unless the command's stdout is promised to something else (a new
  /// experiment's or follow-up's bare id), then on stderr.
  @discardableResult
  func perform(_ command: Command, receiptsOnStdout: Bool = true) throws -> (
    IncidentState, [EventEnvelope]
  ) {
    let store = try openStore()
    // Reopening is about a resolved incident, so it may fall back to the newest one.
    var state = try resolveIncident(
      in: store, orNewest: command.isReopen, forWriting: true,
      history: command.readsHistory ? .whole : .summary)
    let at = Date()
    let written = try Self.deliver { request in
      try store.write(to: &state, actor: who, at: at, request: request) { latest in
        try Rules.decide(command, in: latest)
      }
    }
    for line in Self.receipts(for: written, in: state) {
      if receiptsOnStdout {
        try Output.data(line)
      } else {
        Output.note(line)
      }
    }
    for warning in Rules.warnings(after: command, in: state) { Output.warn(warning) }
    KeptUntilExit.keep(state)
    return (state, written)
  }

  /// What each stored event did, one line each, with the number a correction needs:
  /// `INC-1 #27 manual change: Scaled checkout-api…` for a log entry (its number in the
  /// log, for `log edit 27`), `INC-1 event #45: Announced mitigated (yellow)` otherwise.
  static func receipts(for written: [EventEnvelope], in state: IncidentState) -> [String] {
    written.map { envelope in
      if case .logged(let added) = envelope.event,
        let entry = state.log.entry(of: envelope.seq)
      {
        return
          "\(state.id) #\(entry.number) \(added.kind.label.lowercased()): \(SafeText.inert(entry.text))"
      }
      // The new events are the newest: look from the end of a long timeline. Delivery
      // records are kept out of it: they say what they are here.
      var summary = state.timeline.line(of: envelope.seq)?.summary ?? ""
      switch envelope.event {
      case .delivered(let delivered): summary = "\(delivered.delivery) settled: it arrived"
      case .deliveryResend(let resend): summary = "\(resend.delivery) will be sent again"
      default: break
      }
      return "\(state.id) event #\(envelope.seq): \(SafeText.inert(summary))"
    }
  }

  /// Runs one write with a request id, and if the server goes away mid-write (so the
  /// write may or may not have landed) sends it again with the same id a few times, for
  /// at most 8 s: stored exactly once if the server comes back, never twice. Then gives
  /// up with one line saying what is known.
  static func deliver<T>(_ write: (RequestID) throws -> T) throws -> T {
    let request = RequestID()
    let pauses: [TimeInterval] = [0.5, 1, 2, 4]
    var attempt = 0
    var giveUpAt: Date?  // 8 s after the first failure, however long each attempt takes
    while true {
      do {
        return try write(request)
      } catch StoreError.unavailable
        where attempt < pauses.count && Date() < giveUpAt ?? .distantFuture
      {
        if giveUpAt == nil { giveUpAt = Date().addingTimeInterval(8) }
        Thread.sleep(forTimeInterval: pauses[attempt])
        attempt += 1
      } catch StoreError.unavailable(let path, let reason) {
        throw Failure(
          message: "cannot reach \(path): \(reason); the write may or may not have been stored: "
            + "check with `warroom status` before trying again")
      }
    }
  }

  private func warnAboutSkipped(_ state: IncidentState) {
    if let skipped = state.skippedSummary { Output.warn(skipped) }
  }
}

/// A person's name must be one a reader can tell apart from any other: printable, with
/// nothing invisible or reordering inside it.
func checkName(_ name: String, _ what: String) throws {
  if name.trimmingCharacters(in: .whitespaces).isEmpty {
    throw ValidationError("\(what) needs a name")
  }
  if name.unicodeScalars.contains(where: SafeText.isHidden) {
    throw ValidationError(
      "\(what) \(SafeText.name(name)) holds an invisible or control character")
  }
  if name.utf8.count > 200 { throw ValidationError("\(what) is longer than 200 bytes") }
}

/// Text arguments must say something.
func requireText(_ text: String, _ what: String) throws {
  if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
    throw ValidationError("\(what) is empty")
  }
}

/// Parses a time argument (`2026-11-27 02:58`, `02:58`, with `Z` or an offset) into
/// milliseconds since 1970; refuses one in the future.
func parseTime(_ text: String, _ option: String) throws -> Int64 {
  let now = Date()
  guard let date = TimeText.parse(text, now: now) else {
    throw ValidationError(
      "\(option) '\(text)' is not a time; write it like 2026-11-27 02:58 (UTC), "
        + "2026-11-27T03:58+01:00, or 02:58")
  }
  guard date <= now.addingTimeInterval(60) else {
    throw ValidationError("\(option) \(UTCTime.dateTime(date)) is in the future")
  }
  return Int64(milliseconds: date)
}

/// Parses a duration argument such as `20m` or `1h`.
func parseDuration(_ text: String) throws -> Int {
  guard let seconds = DurationText.parse(text) else {
    throw ValidationError("'\(text)' is not a duration; write it like 20m, 1h or 1h30m")
  }
  return seconds
}

extension Role: ExpressibleByArgument {}
extension Severity: ExpressibleByArgument {
  public init?(argument: String) { self.init(parsing: argument) }
}

extension Command {
  var isReopen: Bool {
    if case .reopen = self { return true }
    return false
  }
}
