import Foundation

/// A pipe that wakes an event loop: any thread writes a byte (`wake`), the loop polls
/// `fileDescriptor` beside the keyboard and `drain`s it. Both ends are non-blocking, so
/// waking never stalls and draining never waits. The pipe closes when the last owner lets
/// go, so whoever may still wake it keeps it alive (no write lands in a reused fd).
public final class WakePipe: @unchecked Sendable {
  public let fileDescriptor: Int32
  /// For code that cannot hold the object, such as a C signal handler.
  public let writeEnd: Int32

  /// Nil when the process is out of file descriptors.
  public init?() {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { return nil }
    for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
    fileDescriptor = ends[0]
    writeEnd = ends[1]
  }

  deinit {
    close(fileDescriptor)
    close(writeEnd)
  }

  public func wake() {
    var byte: UInt8 = 1
    _ = write(writeEnd, &byte, 1)
  }

  /// Empties the pipe; true if anything had been written.
  @discardableResult
  public func drain() -> Bool {
    var buffer = [UInt8](repeating: 0, count: 256)
    var any = false
    while read(fileDescriptor, &buffer, buffer.count) > 0 { any = true }
    return any
  }
}
