import Foundation
import Logging
import PostgresNIO
import WarroomStore

/// LISTENs on a connection of its own and turns each NOTIFY into a byte on a pipe, so the
/// event loop waits on PostgreSQL exactly as it waits on the keyboard. When that
/// connection drops, it writes a byte too and reports itself broken: the loop then knows
/// live updates have stopped, and makes a new signal once the server answers again.
final class NotifyChangeSignal: ChangeSignal, @unchecked Sendable {
  let fileDescriptor: Int32
  private let writeEnd: Int32
  private let connection: PostgresConnection
  private let context: PostgresListenContext
  private let broken = NSLock()
  private var closed = false

  init(
    address: PostgresLocation, environment: [String: String], channel: String, logger: Logger
  ) throws {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else {
      throw PostgresStoreError.failed(address.redacted, reason: "cannot create a pipe")
    }
    for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
    fileDescriptor = ends[0]
    writeEnd = ends[1]
    do {
      connection = try PostgresEventStore.connect(
        address, environment: environment, logger: logger)
    } catch {
      close(ends[0])
      close(ends[1])
      throw error
    }
    let writeEnd = ends[1]
    context = connection.addListener(channel: channel) { _, _ in
      var byte: UInt8 = 1
      _ = write(writeEnd, &byte, 1)
    }
    connection.closeFuture.whenComplete { [weak self] _ in self?.markBroken() }
    // LISTEN goes out before this query on the same connection: once it answers, no
    // later commit can be missed.
    do {
      _ = try connection.query("SELECT 1", logger: logger).wait()
    } catch {
      throw StoreError.unavailable(
        path: address.redacted, reason: PostgresEventStore.describe(error))
    }
  }

  // The last reference may go in the close callback above, on NIO's thread, where waiting
  // for the close would trap: close without waiting there, and close the pipe's write end
  // only once the connection is closed, so no late listener callback writes to a reused fd.
  deinit {
    context.stop()
    close(fileDescriptor)
    let writeEnd = writeEnd
    connection.closeWithoutBlockingItsLoop { close(writeEnd) }
  }

  /// The thread its connection's callbacks run on.
  var eventLoop: any EventLoop { connection.eventLoop }

  var isBroken: Bool {
    broken.lock()
    defer { broken.unlock() }
    return closed
  }

  private func markBroken() {
    broken.lock()
    closed = true
    broken.unlock()
    var byte: UInt8 = 1
    _ = write(writeEnd, &byte, 1)
  }

  func drain() -> Bool {
    var buffer = [UInt8](repeating: 0, count: 256)
    var any = false
    while read(fileDescriptor, &buffer, buffer.count) > 0 { any = true }
    return any
  }
}
