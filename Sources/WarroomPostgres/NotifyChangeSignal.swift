import Foundation
import Logging
import PostgresNIO
import WarroomStore

/// LISTENs on a connection of its own and turns each NOTIFY into a byte on a pipe, so the
/// event loop waits on PostgreSQL exactly as it waits on the keyboard.
final class NotifyChangeSignal: ChangeSignal, @unchecked Sendable {
  let fileDescriptor: Int32
  private let writeEnd: Int32
  private let connection: PostgresConnection
  private let context: PostgresListenContext

  init(address: PostgresLocation, channel: String, logger: Logger) throws {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else {
      throw PostgresStoreError.failed(address.redacted, reason: "cannot create a pipe")
    }
    for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
    fileDescriptor = ends[0]
    writeEnd = ends[1]
    connection = try PostgresEventStore.connect(address, logger: logger)
    let writeEnd = ends[1]
    context = connection.addListener(channel: channel) { _, _ in
      var byte: UInt8 = 1
      _ = write(writeEnd, &byte, 1)
    }
    // LISTEN goes out before this query on the same connection: once it answers, no
    // later commit can be missed.
    _ = try connection.query("SELECT 1", logger: logger).wait()
  }

  deinit {
    context.stop()
    _ = try? connection.close().wait()
    close(fileDescriptor)
    close(writeEnd)
  }

  func drain() -> Bool {
    var buffer = [UInt8](repeating: 0, count: 256)
    var any = false
    while read(fileDescriptor, &buffer, buffer.count) > 0 { any = true }
    return any
  }
}
