import GRDB
import GRDBSQLite

/// Checks the hash chain of an SQLite store by hashing each row's column bytes where
/// SQLite holds them.
///
/// `warroom status` checks the whole chain on every run, and turning 100k rows into
/// strings first was half of that check (`perf record -g`: 20% of `status` in the
/// conversion, 18% in hashing). A row is read in place only when its bytes are exactly
/// the text the usual reading would give: numbers stored as integers, texts as valid
/// UTF-8 without NUL. Any other row — one planted by hand as a blob, a real number or
/// broken text — is read the usual way (`slowRow`), so a hostile row gets the same
/// answer either way.
enum ChainCheck {
  /// `statement` selects, in number order: seq, incident, at_ms, actor, type, payload,
  /// os_user, hash, from the event after `start` (the first, when nil), whose number and
  /// hash the walk starts from. `slowRow` reads one row by number the usual way.
  static func run(
    _ statement: Statement, after start: ChainHead? = nil,
    slowRow: (Int64) throws -> (event: StoredEvent, hash: String?)?
  ) throws -> ChainReport {
    let handle = statement.sqliteStatement
    var walk = EventChain.Walk(after: start?.seq ?? 0)
    var previous = Array((start?.hash ?? "").utf8)
    while true {
      let step = sqlite3_step(handle)
      if step == SQLITE_DONE { break }
      guard step == SQLITE_ROW else { throw DatabaseError.stepping(handle, step) }
      let seq = sqlite3_column_int64(handle, 0)
      let stored: [UInt8]?
      let expected: [UInt8]
      if let row = InPlaceRow(handle) {
        stored = row.hash.map(Array.init)
        expected = previous.withUnsafeBufferPointer { previous in
          EventChain.digest(
            previous: previous, seq: seq, incident: row.incident,
            atMilliseconds: row.atMilliseconds, actor: row.actor, osUser: row.osUser,
            type: row.type, payload: row.payload)
        }
      } else {
        guard let (event, hash) = try slowRow(seq) else { break }
        stored = hash.map { Array($0.utf8) }
        expected = Array(
          EventChain.hash(previous: String(decoding: previous, as: UTF8.self), event).utf8)
      }
      let link = EventChain.Link(stored: stored, expected: expected)
      if let broken = walk.check(seq: seq, link) { return broken }
      previous = stored ?? []
    }
    return .intact(events: walk.count, head: String(decoding: previous, as: UTF8.self))
  }

  /// The current row's columns as SQLite holds them, valid until the next step; nil
  /// when any column is not of the plain shape described above.
  private struct InPlaceRow {
    var incident, actor, osUser, type, payload: UnsafeBufferPointer<UInt8>
    var atMilliseconds: Int64
    var hash: UnsafeBufferPointer<UInt8>?

    init?(_ handle: OpaquePointer) {
      guard sqlite3_column_type(handle, 0) == SQLITE_INTEGER,
        sqlite3_column_type(handle, 2) == SQLITE_INTEGER,
        let incident = Self.text(handle, 1), let actor = Self.text(handle, 3),
        let type = Self.text(handle, 4), let payload = Self.text(handle, 5)
      else { return nil }
      switch sqlite3_column_type(handle, 6) {
      case SQLITE_NULL: osUser = UnsafeBufferPointer(start: nil, count: 0)
      case SQLITE_TEXT:
        guard let text = Self.text(handle, 6) else { return nil }
        osUser = text
      default: return nil
      }
      switch sqlite3_column_type(handle, 7) {
      case SQLITE_NULL: hash = nil
      case SQLITE_TEXT:
        guard let text = Self.text(handle, 7) else { return nil }
        hash = text
      default: return nil
      }
      self.incident = incident
      self.actor = actor
      self.type = type
      self.payload = payload
      atMilliseconds = sqlite3_column_int64(handle, 2)
    }

    /// A TEXT column's bytes, if they are valid UTF-8 without NUL: the bytes of the
    /// `String` GRDB would make of it (which stops at a NUL and repairs broken UTF-8).
    private static func text(_ handle: OpaquePointer, _ column: Int32)
      -> UnsafeBufferPointer<UInt8>?
    {
      guard sqlite3_column_type(handle, column) == SQLITE_TEXT else { return nil }
      // Text first, then its length: the order SQLite documents as safe.
      guard let start = sqlite3_column_text(handle, column) else {
        return UnsafeBufferPointer(start: nil, count: 0)
      }
      let bytes = UnsafeBufferPointer(
        start: start, count: Int(sqlite3_column_bytes(handle, column)))
      return isPlainUTF8(bytes) ? bytes : nil
    }
  }

  /// Valid UTF-8 with no NUL byte.
  static func isPlainUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var ascii = true
    for byte in bytes {
      if byte == 0 { return false }
      if byte >= 0x80 { ascii = false }
    }
    if ascii { return true }
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
      switch decoder.decode(&iterator) {
      case .scalarValue: continue
      case .emptyInput: return true
      case .error: return false
      }
    }
  }
}
