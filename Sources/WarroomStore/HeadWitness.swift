import Foundation

/// Keeps a store's chain head in a file outside the store (on another disk, another
/// host's relay, a folder only the witness may write), so that `store verify --head-file`
/// can tell when the newest events were removed. Written whole or not at all.
public enum HeadWitness {
  public static func write(_ head: ChainHead, to path: String) throws {
    do {
      try Data((head.description + "\n").utf8).write(
        to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw StoreError.cannotOpen(path: path, reason: error.localizedDescription)
    }
  }
}
