import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a file on disk turned out to be, judged from its first bytes alone, before any
/// SQLite connection touches it, so a foreign file is never modified.
enum StoreFileKind: Equatable {
  /// Missing: a store can be created here.
  case missing
  /// Present but empty (a shared file made ready with `touch`): a store can be made here.
  case empty
  /// A warroom store with this schema version in its header.
  case warroom(schema: Int)
  /// An SQLite database with no application id: perhaps a store whose creation an older
  /// warroom never finished (see `StoreFile.isUnfinishedStore`), perhaps another's.
  case unstamped
  /// Anything else, with the reason in words.
  case foreign(String)
}

/// File-level facts about a store path: its header, its permissions, how it is created,
/// and the lock that serialises creation and migration between processes.
///
/// On a shared host the store's folder may be writable by a whole group, so nothing here
/// follows a symbolic link when it creates a file: a link planted at the store's path or at
/// its lock can never make warroom create or overwrite the file it points to.
enum StoreFile {
  /// SQLite's `PRAGMA application_id` for warroom stores: "WRM1" in ASCII.
  static let applicationID: Int32 = 0x5752_4D31

  static func inspect(_ path: String) throws(StoreError) -> StoreFileKind {
    // Never opened raw while a connection of this process holds it (see OpenStoreFiles).
    if let known = OpenStoreFiles.kind(of: path) { return known }
    // O_NONBLOCK: a FIFO planted at the path must not hang the command.
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else {
      if errno == ENOENT { return isSymbolicLink(path) ? .foreign("a dangling link") : .missing }
      throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      return .foreign("not a regular file")
    }
    var header = [UInt8](repeating: 0, count: 100)
    let count = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 100, 0) }
    if count == 0 { return .empty }
    let magic = Array("SQLite format 3\u{0}".utf8)
    guard count == 100, Array(header.prefix(16)) == magic else {
      return .foreign("not an SQLite database")
    }
    func bigEndian(_ offset: Int) -> Int32 {
      Int32(bitPattern: header[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }
    switch bigEndian(68) {
    case applicationID: return .warroom(schema: Int(bigEndian(60)))
    case 0: return .unstamped
    default: return .foreign("an SQLite database of another application")
    }
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

  static func isSymbolicLink(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
  }

  static func name(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// The path made absolute against the working folder, so that SQLite never reads a
  /// relative name as a URI (`file:…`).
  static func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    let cwd = FileManager.default.currentDirectoryPath
    return (cwd.hasSuffix("/") ? cwd : cwd + "/") + path
  }

  /// Creates the store's folder (0700) if it is missing.
  static func createFolderIfMissing(_ path: String) throws(StoreError) {
    let folder = StoreLocation.folder(of: path)
    if !FileManager.default.fileExists(atPath: folder) {
      do {
        try FileManager.default.createDirectory(
          atPath: folder, withIntermediateDirectories: true,
          attributes: [.posixPermissions: 0o700])
      } catch {
        throw .cannotOpen(path: path, reason: "cannot create folder \(folder)")
      }
    }
  }

  /// The permission bits and group new files beside the store take: the store's own when
  /// it exists (a shared store made 0660 for a group gets a lock its group can use), else
  /// owner-only.
  static func sharing(of path: String) -> (mode: mode_t, group: gid_t?) {
    var info = stat()
    guard stat(path, &info) == 0 else { return (0o600, nil) }
    return (info.st_mode & 0o666, info.st_gid)
  }

  /// Makes a store at `path` in one step: `build` fills a new file in the same folder,
  /// which then takes the store's name atomically, so the store either exists whole,
  /// stamped and with its schema, or not at all; a full disk or a `kill -9` half-way
  /// leaves nothing behind that a later command would refuse. A missing store is linked
  /// into place (which fails rather than follow or replace anything there); an empty file
  /// someone made ready, or a store an older warroom never finished, is replaced, keeping
  /// its permissions and group. Call with the creation lock held.
  static func create(_ path: String, replacing: Bool, build: (String) throws -> Void) throws {
    if isSymbolicLink(path) {
      throw StoreError.cannotOpen(
        path: path,
        reason: "it is a symbolic link to a file that is not a store yet; "
          + "refusing to create a store through a link")
    }
    let folder = StoreLocation.folder(of: path)
    removeLeftovers(in: folder, of: name(of: path))
    let (mode, group) = replacing ? sharing(of: path) : (0o600, nil)
    let temporary = folder + "/." + name(of: path) + ".creating-" + randomSuffix()
    let fd = open(temporary, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode)
    guard fd >= 0 else { throw creationError(path, errno) }
    // The umask may have taken bits the shared file had.
    _ = fchmod(fd, mode)
    if let group { _ = fchown(fd, uid_t.max, group) }
    close(fd)
    defer { removeWithSidecars(temporary) }
    do {
      try build(temporary)
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError.cannotOpen(path: path, reason: "cannot create it: \(error)")
    }
    let placed = replacing ? rename(temporary, path) : link(temporary, path)
    guard placed == 0 else { throw creationError(path, errno) }
    syncFolder(folder)
  }

  /// Runs `body` holding an exclusive lock on a file beside the store, so that only one
  /// process at a time creates or migrates it. The lock file is separate from the store
  /// because closing any descriptor of the store itself would drop SQLite's own locks.
  /// It is never opened through a link, and it takes the store's permissions and group so
  /// everyone who shares the store can lock it.
  static func withCreationLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
    let lockPath = path + "-lock"
    let (mode, group) = sharing(of: path)
    var fd = open(lockPath, O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, mode)
    if fd >= 0 {
      _ = fchmod(fd, mode)
      if let group { _ = fchown(fd, uid_t.max, group) }
    } else if errno == EEXIST {
      // flock needs no write permission: a lock made by another member opens read-only.
      fd = open(lockPath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    }
    guard fd >= 0 else {
      let reason =
        errno == ELOOP
        ? "\(lockPath) is a symbolic link; remove it (warroom never follows one there)"
        : "cannot create lock file \(lockPath): \(String(cString: strerror(errno)))"
      throw StoreError.cannotOpen(path: path, reason: reason)
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      throw StoreError.cannotOpen(path: path, reason: "\(lockPath) is not a regular file")
    }
    while flock(fd, LOCK_EX) != 0 {
      guard errno == EINTR else {
        throw StoreError.cannotOpen(path: path, reason: "cannot lock \(lockPath)")
      }
    }
    defer { flock(fd, LOCK_UN) }
    return try body()
  }

  // MARK: - Helpers

  private static func creationError(_ path: String, _ code: Int32) -> StoreError {
    switch code {
    case ENOSPC, EDQUOT:
      .cannotOpen(path: path, reason: "the disk is full; nothing was created")
    case EACCES, EPERM, EROFS: .readOnly(path: path)
    default: .cannotOpen(path: path, reason: String(cString: strerror(code)))
    }
  }

  /// Half-built stores that a killed creation left (`.NAME.creating-…`): with the lock
  /// held, nobody else is building one.
  private static func removeLeftovers(in folder: String, of name: String) {
    let prefix = "." + name + ".creating-"
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
      return
    }
    for entry in entries where entry.hasPrefix(prefix) && !entry.hasSuffix("-lock") {
      unlink(folder + "/" + entry)
    }
  }

  static func removeWithSidecars(_ path: String) {
    for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
  }

  private static func randomSuffix() -> String {
    String(UInt64.random(in: 0...UInt64.max), radix: 36)
  }

  private static func syncFolder(_ folder: String) {
    let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
  }
}
