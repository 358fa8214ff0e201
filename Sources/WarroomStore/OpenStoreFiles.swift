import Foundation

/// Store files this process has open through SQLite, by device and inode.
///
/// POSIX advisory locks belong to the process, and closing *any* descriptor of a file
/// drops every lock the process holds on it. SQLite copes with its own connections, but a
/// plain `open`/`close` of a store that a live connection holds (reading its header to
/// open it a second time, as a dashboard's deliverer does beside its screen) silently
/// released that connection's locks: another process closing the store then believed
/// nobody else read it, deleted the write-ahead log, and the next writes here went into
/// the deleted file. So a file open here is never opened raw again: what its header said
/// is remembered instead.
enum OpenStoreFiles {
  struct FileID: Hashable {
    var device: UInt64
    var inode: UInt64
  }

  private static let lock = NSLock()
  nonisolated(unsafe) private static var open: [FileID: (count: Int, kind: StoreFileKind)] = [:]

  static func id(of path: String) -> FileID? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
  }

  /// What the file was when a live connection of this process opened it, if one has it.
  static func kind(of path: String) -> StoreFileKind? {
    guard let id = id(of: path) else { return nil }
    return lock.withLock { open[id]?.kind }
  }

  static func retain(_ id: FileID, kind: StoreFileKind) {
    lock.withLock {
      let count = open[id]?.count ?? 0
      open[id] = (count + 1, kind)
    }
  }

  static func release(_ id: FileID) {
    lock.withLock {
      guard let entry = open[id] else { return }
      open[id] = entry.count > 1 ? (entry.count - 1, entry.kind) : nil
    }
  }
}
