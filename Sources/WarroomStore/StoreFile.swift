import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a file on disk turned out to be, judged from its first bytes alone, before any
/// SQLite connection touches it, so a foreign file is never modified.
enum StoreFileKind: Equatable {
  /// Missing or empty: a store can be created here.
  case new
  /// A warroom store with this schema version in its header.
  case warroom(schema: Int)
  /// Anything else, with the reason in words.
  case foreign(String)
}

/// File-level facts about a store path: its header, its permissions, and the lock that
/// serialises creation and migration between processes.
enum StoreFile {
  /// SQLite's `PRAGMA application_id` for warroom stores: "WRM1" in ASCII.
  static let applicationID: Int32 = 0x5752_4D31

  static func inspect(_ path: String) throws(StoreError) -> StoreFileKind {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      if errno == ENOENT { return .new }
      throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
    }
    let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    let header = (try? handle.read(upToCount: 100)) ?? Data()
    if header.isEmpty { return .new }
    let magic = Data("SQLite format 3\u{0}".utf8)
    guard header.count == 100, header.prefix(16) == magic else {
      return .foreign("not an SQLite database")
    }
    let bytes = [UInt8](header)
    func bigEndian(_ offset: Int) -> Int32 {
      Int32(bitPattern: bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }
    guard bigEndian(68) == applicationID else {
      return .foreign("an SQLite database of another application")
    }
    return .warroom(schema: Int(bigEndian(60)))
  }

  /// Whether this process may write the file. Root passes `access(2)` for any file, so
  /// a store whose write bits are all cleared counts as read-only too: that is how a
  /// team freezes a finished war room.
  static func isWritable(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return true }
    if info.st_mode & 0o222 == 0 { return false }
    return access(path, W_OK) == 0
  }

  /// Creates the store's folder (0700) if it is missing.
  static func createFolderIfMissing(_ path: String) throws(StoreError) {
    let folder = (path as NSString).deletingLastPathComponent
    if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
      do {
        try FileManager.default.createDirectory(
          atPath: folder, withIntermediateDirectories: true,
          attributes: [.posixPermissions: 0o700])
      } catch {
        throw .cannotOpen(path: path, reason: "cannot create folder \(folder)")
      }
    }
  }

  /// Creates an empty store file readable by its owner alone (0600) if it is missing.
  static func createIfMissing(_ path: String) throws(StoreError) {
    let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      if errno == EACCES || errno == EROFS { throw .readOnly(path: path) }
      throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
    }
    close(fd)
  }

  /// Runs `body` holding an exclusive lock on a file beside the store, so that only one
  /// process at a time creates or migrates it. The lock file is separate from the store
  /// because closing any descriptor of the store itself would drop SQLite's own locks.
  static func withCreationLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
    let lockPath = path + "-lock"
    let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw StoreError.cannotOpen(path: path, reason: "cannot create lock file \(lockPath)")
    }
    defer { close(fd) }
    while flock(fd, LOCK_EX) != 0 {
      guard errno == EINTR else {
        throw StoreError.cannotOpen(path: path, reason: "cannot lock \(lockPath)")
      }
    }
    defer { flock(fd, LOCK_UN) }
    return try body()
  }
}
