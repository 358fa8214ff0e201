import GRDB
import GRDBSQLite
import Synchronization

/// The chain's tail as this connection's last append left it, so the next append need not
/// read it back: that read was a twentieth of an append (`perf record -g`).
///
/// It is trusted only while SQLite's data version of the file is the one read right after
/// that commit. The version changes with every commit by any connection or process (a
/// write by hand included), and SQLite checks for them as a transaction begins, so an
/// equal version inside `BEGIN IMMEDIATE` means nothing was written since. A transaction
/// that fails forgets everything: what it wrote was rolled back.
final class ChainTailMemo: Sendable {
  private struct Memo {
    /// Written by the open transaction, not yet committed.
    var pending: (seq: Int64, hash: String)?
    /// Committed, and the file's data version right after.
    var known: (version: UInt32, seq: Int64, hash: String)?
  }

  private let memo = Mutex(Memo())

  /// The tail, when nothing has written to the file since this connection's last append.
  func tail(_ db: Database) -> (seq: Int64, hash: String)? {
    guard let version = Self.dataVersion(db) else { return nil }
    return memo.withLock { memo in
      guard let known = memo.known, known.version == version else { return nil }
      return (known.seq, known.hash)
    }
  }

  /// The open transaction appended up to this tail.
  func wrote(_ tail: (seq: Int64, hash: String)) {
    memo.withLock { $0.pending = tail }
  }

  /// The open transaction committed.
  func committed(_ db: Database) {
    let version = Self.dataVersion(db)
    memo.withLock { memo in
      guard let pending = memo.pending else { return }
      memo.pending = nil
      memo.known = version.map { ($0, pending.seq, pending.hash) }
    }
  }

  /// The open transaction failed.
  func forget() {
    memo.withLock { $0 = Memo() }
  }

  private static func dataVersion(_ db: Database) -> UInt32? {
    var version: UInt32 = 0
    let code = sqlite3_file_control(
      db.sqliteConnection, "main", SQLITE_FCNTL_DATA_VERSION, &version)
    return code == SQLITE_OK ? version : nil
  }
}
