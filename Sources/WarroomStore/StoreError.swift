/// Why a store could not be opened or written. Each reads as one line naming the file.
public enum StoreError: Error, Equatable, CustomStringConvertible {
  /// The file exists but is not a warroom store; it was left untouched.
  case notAStore(path: String, reason: String)
  /// Written by a newer warroom; this version must not touch it.
  case newerSchema(path: String, version: Int, supported: Int)
  /// The store can be read but not written.
  case readOnly(path: String)
  case cannotOpen(path: String, reason: String)
  /// An import found a different event at a sequence number the store already uses.
  case conflict(path: String, seq: Int64)
  /// The store is on a server that cannot be reached now; trying again later may work.
  case unavailable(path: String, reason: String)
  /// No store at that path, and this command does not create one.
  case noStore(path: String)
  /// The disk (or the user's quota) is full: what was being done did not happen.
  case diskFull(path: String, doing: String)

  public var description: String {
    switch self {
    case .notAStore(let path, let reason):
      "\(path) is not a warroom store (\(reason)); it was left untouched"
    case .newerSchema(let path, let version, let supported):
      "\(path) was written by a newer warroom (schema \(version), this one reads up to "
        + "\(supported)); upgrade warroom to use it"
    case .readOnly(let path):
      "\(path) is read-only: nothing was written"
    case .cannotOpen(let path, let reason):
      "cannot open store \(path): \(reason)"
    case .conflict(let path, let seq):
      "\(path) already has a different event #\(seq); nothing was imported"
    case .unavailable(let path, let reason):
      "cannot reach \(path): \(reason)"
    case .noStore(let path):
      "no warroom store at \(path); check the path or create one with warroom declare"
    case .diskFull(let path, let doing):
      "the disk holding \(path) is full: \(doing) did not happen; free some space and try again"
    }
  }
}

extension StoreError {
  /// What an SQLite error means for the person who ran the command: a full disk says so,
  /// a read-only file says so, and anything else names what failed.
  static func from(_ error: DatabaseErrorFacts, path: String, doing: String) -> StoreError {
    switch error.primaryCode {
    case 13: .diskFull(path: path, doing: doing)  // SQLITE_FULL
    case 8: .readOnly(path: path)  // SQLITE_READONLY
    case 11, 26: .notAStore(path: path, reason: "the file is damaged or not a database")
    default: .cannotOpen(path: path, reason: "\(doing) failed: \(error.text)")
    }
  }
}

/// The part of an SQLite error `StoreError.from` reads, so this file needs no GRDB.
protocol DatabaseErrorFacts {
  var primaryCode: Int32 { get }
  var text: String { get }
}
