import Foundation

#if canImport(Glibc)
  import Glibc

  /// Learns of other processes' commits through inotify on the store's folder: a commit
  /// in WAL mode writes the `-wal` file (a checkpoint writes the main file), and reads do
  /// neither, so an idle store sends nothing and the loop sleeps. A write wakes the reader
  /// a moment before its commit is visible, so readers look again shortly when they found
  /// nothing (`DashboardState.recheckAt`, the relay's re-checks). warroom's writers do not
  /// sync at commit (`synchronous=NORMAL`), so that moment is microseconds and the first
  /// read finds the commit: a mark after COMMIT (touching the log's times) measured no
  /// sooner on screen and cost every append 4.5 µs, a fifteenth of it (`warroom-bench`);
  /// it was removed. Writers that sync (other tools) are seen at the first re-check.
  final class FileChangeSignal: ChangeSignal {
    let fileDescriptor: Int32
    private let names: Set<String>

    init(watching path: String) throws {
      let url = URL(fileURLWithPath: path)
      let base = url.lastPathComponent
      names = [base, base + "-wal"]
      fileDescriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
      guard fileDescriptor >= 0 else {
        throw StoreError.cannotOpen(path: path, reason: "cannot watch for changes (inotify)")
      }
      let mask = UInt32(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO)
      guard inotify_add_watch(fileDescriptor, url.deletingLastPathComponent().path, mask) >= 0
      else {
        close(fileDescriptor)
        throw StoreError.cannotOpen(path: path, reason: "cannot watch its folder (inotify)")
      }
    }

    deinit { close(fileDescriptor) }

    func drain() -> Bool {
      var relevant = false
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, 4096) }
        guard count > 0 else { break }
        var offset = 0
        let headerSize = MemoryLayout<inotify_event>.size
        while offset + headerSize <= count {
          let nameLength = buffer.withUnsafeBytes {
            Int($0.load(fromByteOffset: offset + 12, as: UInt32.self))
          }
          let nameStart = offset + headerSize
          let nameBytes = buffer[nameStart..<min(count, nameStart + nameLength)]
          let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
          if names.contains(name) { relevant = true }
          offset = nameStart + nameLength
        }
      }
      return relevant
    }
  }
#else
  /// Platforms without inotify fall back to a signal that is always ready: the loop
  /// then checks the store at its tick rate.
  final class FileChangeSignal: ChangeSignal {
    let fileDescriptor: Int32 = -1
    init(watching path: String) throws {}
    func drain() -> Bool { true }
  }
#endif
