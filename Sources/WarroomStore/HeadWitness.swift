import Foundation

/// Keeps a store's chain head in a file outside the store (on another disk, another
/// host's relay, a folder only the witness may write), so that `store verify --head-file`
/// can tell when the newest events were removed. Written whole or not at all.
public enum HeadWitness {
  public static func write(_ head: ChainHead, to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    do {
      try Data((head.description + "\n").utf8).write(
        to: URL(fileURLWithPath: temporary), options: .withoutOverwriting)
      guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw StoreError.cannotOpen(path: path, reason: reason)
      }
    } catch let error as StoreError {
      throw error
    } catch {
      unlink(temporary)
      throw StoreError.cannotOpen(path: path, reason: error.localizedDescription)
    }
  }
}
