import Crypto
import Foundation
import WarroomCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Snapshots (see `StateSnapshot`) kept in a folder of the user's own, for stores where a
/// snapshot cannot live beside the events: on PostgreSQL every writer could write that
/// table, and a planted state could hide events from every other machine, with no chain to
/// hold it to. Here a user starts only from snapshots they saved themselves.
///
/// The folder must be a real folder (not a link) that the user owns and nobody else may
/// enter; anything else and the cache is not used. Files are read without following links
/// and only when the user owns them and nobody else may write them; they are written to a
/// fresh private file and renamed into place, so a link planted at a name is replaced,
/// never written through. It is a cache: every failure (a full disk, a damaged file)
/// costs a fold of the events, nothing else.
public final class SnapshotCache: Sendable {
  public let folder: String

  /// The first line of every file: what it is and this layout's number.
  private static let magic = Array("warroom snapshot cache 1\n".utf8)

  /// The folder `WARROOM_CACHE_DIR` names (empty turns the cache off), else
  /// `$XDG_CACHE_HOME/warroom/snapshots`, else `~/.cache/warroom/snapshots`; nil when
  /// there is none this user alone may use.
  public static func standard(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> SnapshotCache? {
    if let named = environment["WARROOM_CACHE_DIR"] {
      return named.isEmpty ? nil : SnapshotCache(folder: named)
    }
    let base: String
    if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
      base = xdg
    } else if let home = environment["HOME"], home.hasPrefix("/") {
      base = home + "/.cache"
    } else {
      return nil
    }
    return SnapshotCache(folder: base + "/warroom/snapshots")
  }

  /// Uses `folder`, making it (owner-only) where missing; nil when it is a link, is not a
  /// folder, belongs to another user or lets anyone else in.
  public init?(folder: String) {
    let parent = (folder as NSString).deletingLastPathComponent
    if !parent.isEmpty {
      try? FileManager.default.createDirectory(
        atPath: parent, withIntermediateDirectories: true,
        attributes: [.posixPermissions: 0o700])
    }
    _ = mkdir(folder, 0o700)
    var info = stat()
    guard lstat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR,
      info.st_uid == geteuid(), info.st_mode & 0o077 == 0
    else { return nil }
    self.folder = folder
  }

  /// A cached snapshot's place: the store's identity and the incident, hashed, so that a
  /// name says nothing about either.
  public func path(store: String, incident: IncidentID) -> String {
    let digest = SHA256.hash(data: Array((store + "\u{0}" + incident.rawValue).utf8))
    return folder + "/" + digest.map { String(format: "%02x", $0) }.joined() + ".snapshot"
  }

  /// The snapshot saved for the incident, if `isCurrent` accepts the event it covers (its
  /// number and fingerprint, asked before the state is read) and it reads whole and sound.
  public func load(
    store: String, incident: IncidentID, history: HistoryReading = .whole,
    isCurrent: (Int64, String) throws -> Bool
  ) rethrows -> IncidentState? {
    let fd = open(path(store: store, incident: incident), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(),
      info.st_mode & 0o022 == 0, let total = Int(exactly: info.st_size)
    else { return nil }
    guard let (seq, fingerprint, start) = Self.header(fd), try isCurrent(seq, fingerprint),
      total > start
    else { return nil }
    let state = try? StateSnapshot.read(
      total: total - start, incident: incident, history: history
    ) {
      offset, buffer in
      Self.readFully(fd, buffer, at: start + offset)
    }
    guard let state, state.lastSeq == seq else { return nil }
    return state
  }

  /// Saves `state` for its incident, with the fingerprint of the event it covers (its
  /// newest). Returns whether it was saved.
  @discardableResult
  public func save(store: String, state: IncidentState, fingerprint: String) -> Bool {
    guard state.holdsWholeHistory else { return false }
    let final = path(store: store, incident: state.id)
    let temporary = folder + "/.\(UUID().uuidString).partial"
    let fd = open(temporary, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return false }
    // The header and the state written one after the other: joined, the state's
    // megabytes were copied once more.
    let header =
      Self.magic + Array("\(StateSnapshot.format) \(state.lastSeq) \(fingerprint)\n".utf8)
    let written =
      Self.writeFully(fd, header) && Self.writeFully(fd, StateSnapshot.encode(state))
    let closed = close(fd) == 0
    guard written, closed, rename(temporary, final) == 0 else {
      unlink(temporary)
      return false
    }
    removeStalePartials()
    return true
  }

  /// Partial files older than ten minutes: left by a save that was killed (no live save
  /// takes that long).
  private func removeStalePartials() {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
      return
    }
    let stale = Date().addingTimeInterval(-600).timeIntervalSince1970
    for name in names where name.hasPrefix(".") && name.hasSuffix(".partial") {
      let path = folder + "/" + name
      var info = stat()
      guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
        Double(info.st_mtim.tv_sec) < stale
      else { continue }
      unlink(path)
    }
  }

  /// Removes the incident's snapshot (one that disagreed with its events); returns
  /// whether it is gone.
  @discardableResult
  public func remove(store: String, incident: IncidentID) -> Bool {
    unlink(path(store: store, incident: incident)) == 0 || errno == ENOENT
  }

  /// The format, event number and fingerprint line after the magic, and where the state's
  /// bytes start; nil unless it is this warroom's format.
  private static func header(_ fd: Int32) -> (Int64, String, Int)? {
    var head = [UInt8](repeating: 0, count: 256)
    let count = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
    guard count > magic.count, Array(head.prefix(magic.count)) == magic,
      let end = head[magic.count..<count].firstIndex(of: 0x0A)
    else { return nil }
    let fields = String(decoding: head[magic.count..<end], as: UTF8.self)
      .split(separator: " ", omittingEmptySubsequences: false)
    guard fields.count == 3, Int64(fields[0]) == StateSnapshot.format,
      let seq = Int64(fields[1]), seq > 0, !fields[2].isEmpty
    else { return nil }
    return (seq, String(fields[2]), end + 1)
  }

  private static func readFully(
    _ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int
  )
    -> Bool
  {
    var done = 0
    while done < buffer.count {
      let count = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
      if count < 0, errno == EINTR { continue }
      guard count > 0 else { return false }
      done += count
    }
    return true
  }

  private static func writeFully(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { buffer in
      var done = 0
      while done < buffer.count {
        let count = write(fd, buffer.baseAddress! + done, buffer.count - done)
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { return false }
        done += count
      }
      return true
    }
  }
}
