/// The incident's log, indexed by position (an entry's number less one).
///
/// A state folded from the events, or read whole from a snapshot, holds every entry. One
/// read as a summary (`HistoryReading.summary`) holds only the entries logged after its
/// snapshot (`startIndex` is the first of them) and, of the earlier ones, only what the
/// fold needs: whether striking one takes a manual change off the count. So `status` and
/// a plain `warroom log` never read 100k entries' text to show none of it.
public struct LogBook: RandomAccessCollection, MutableCollection, Sendable, Equatable {
  /// What is kept of an entry whose text was not read.
  struct Unread: Sendable, Equatable {
    var kind: LogKind
    var struck: Bool
  }

  private(set) var unread: [Unread] = []
  /// The entries read, from `startIndex` on (the snapshot's layout walks them directly).
  private(set) var held: [LogEntry] = []

  public init() {}

  init(unread: [Unread], held: [LogEntry] = []) {
    self.unread = unread
    self.held = held
  }

  public var startIndex: Int { unread.count }
  public var endIndex: Int { unread.count + held.count }

  /// Entries ever logged, read or not: the next entry's number is one more.
  public var total: Int { endIndex }

  /// Whether every entry's text is here (false only for a summary).
  public var isWhole: Bool { unread.isEmpty }

  public subscript(position: Int) -> LogEntry {
    get { held[position - unread.count] }
    _modify { yield &held[position - unread.count] }
  }

  /// The entry numbered `number`, when it exists and was read.
  public func entry(number: Int) -> LogEntry? {
    indices.contains(number - 1) ? self[number - 1] : nil
  }

  /// The entry the event numbered `seq` logged, when it was read.
  public func entry(of seq: Int64) -> LogEntry? {
    last { $0.seq == seq }
  }

  /// Adds `entry` as the next one, numbered.
  mutating func append(_ entry: LogEntry) {
    var entry = entry
    entry.number = total + 1
    held.append(entry)
  }

  /// Strikes the entry at `position`, read or not. Returns whether it was a manual change
  /// not struck before (one fewer to count).
  mutating func strike(at position: Int, _ mark: Mark) -> Bool {
    if position < unread.count {
      defer { unread[position].struck = true }
      return !unread[position].struck && unread[position].kind == .manualChange
    }
    defer { self[position].struck = mark }
    return self[position].struck == nil && self[position].kind == .manualChange
  }
}

/// The incident's timeline, one line per event, indexed by position. Like `LogBook`, a
/// state read as a summary holds only the lines of events folded after its snapshot.
public struct Timeline: RandomAccessCollection, MutableCollection, Sendable, Equatable {
  private(set) var unread = 0
  /// The lines read, from `startIndex` on.
  private(set) var held: [TimelineEntry] = []

  public init() {}

  init(unread: Int, held: [TimelineEntry] = []) {
    self.unread = unread
    self.held = held
  }

  public var startIndex: Int { unread }
  public var endIndex: Int { unread + held.count }

  /// Lines ever added, read or not.
  public var total: Int { endIndex }

  /// Whether every line is here (false only for a summary).
  public var isWhole: Bool { unread == 0 }

  public subscript(position: Int) -> TimelineEntry {
    get { held[position - unread] }
    _modify { yield &held[position - unread] }
  }

  /// The line of the event numbered `seq`, when it was read.
  public func line(of seq: Int64) -> TimelineEntry? {
    last { $0.seq == seq }
  }

  mutating func append(_ line: TimelineEntry) { held.append(line) }
}

/// What a load reads of an incident's history from a snapshot.
public enum HistoryReading: Sendable {
  /// Every log entry and timeline line: the dashboard, reports, anything that shows them.
  case whole
  /// The rest of the state, and of the log and timeline only what came after the
  /// snapshot: for commands that show neither (`status`, `list`, most writes).
  case summary
  /// Whole, and the index a summary reads checked against every entry: `store verify`.
  case wholeChecked
}
