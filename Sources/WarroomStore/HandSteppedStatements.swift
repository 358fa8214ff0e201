import GRDB
import GRDBSQLite

/// Statements on the hot paths (the append, the chain check) are stepped with SQLite's
/// own calls on GRDB's prepared statements: GRDB's rows, boxed arguments and statement
/// bookkeeping were a measurable share of each (`perf record -g`). Their errors read as
/// GRDB's would.
extension Statement {
  /// Runs a statement that returns no rows.
  func stepToEnd() throws {
    let raw = sqliteStatement
    defer { sqlite3_reset(raw) }
    let code = sqlite3_step(raw)
    guard code == SQLITE_DONE else { throw DatabaseError.stepping(raw, code) }
  }
}

extension DatabaseError {
  /// The error of a statement stepped by hand (`sqlite3_step` returned `code`), as GRDB
  /// would have reported it.
  static func stepping(_ statement: OpaquePointer, _ code: Int32) -> DatabaseError {
    DatabaseError(
      resultCode: ResultCode(rawValue: code),
      message: String(cString: sqlite3_errmsg(sqlite3_db_handle(statement))))
  }
}
