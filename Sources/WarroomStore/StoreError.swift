/// Why a store could not be opened or written. Each reads as one line naming the file.
public enum StoreError: Error, Equatable, CustomStringConvertible {
  /// The file exists but is not a warroom store; it was left untouched.
  case notAStore(path: String, reason: String)
  /// Written by a newer warroom; this version must not touch it.
  case newerSchema(path: String, version: Int, supported: Int)
  /// The store can be read but not written.
  case readOnly(path: String)
  case cannotOpen(path: String, reason: String)
  /// A stored event this version should understand but cannot read.
  case damaged(path: String, seq: Int64, reason: String)
  /// An import found a different event at a sequence number the store already uses.
  case conflict(path: String, seq: Int64)
  /// The store is on a server that cannot be reached now; trying again later may work.
  case unavailable(path: String, reason: String)

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
    case .damaged(let path, let seq, let reason):
      "\(path) has an unreadable event #\(seq): \(reason)"
    case .conflict(let path, let seq):
      "\(path) already has a different event #\(seq); nothing was imported"
    case .unavailable(let path, let reason):
      "cannot reach \(path): \(reason)"
    }
  }
}
