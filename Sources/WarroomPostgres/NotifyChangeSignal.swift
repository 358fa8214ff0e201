import Foundation
import Logging
import PostgresNIO
import WarroomStore

/// LISTENs on a connection of its own and turns each NOTIFY into a byte on a pipe, so the
/// event loop waits on PostgreSQL exactly as it waits on the keyboard. When that
/// connection drops, it wakes the loop too and reports itself broken: the loop then knows
/// live updates have stopped, and makes a new signal once the server answers again.
final class NotifyChangeSignal: ChangeSignal, @unchecked Sendable {
  /// Held by the listener callback too, so it stays open while a late NOTIFY may write.
  private let pipe: WakePipe
  private let connection: PostgresConnection
  private let context: PostgresListenContext

  init(
    address: PostgresLocation, environment: [String: String], channel: String, logger: Logger
  ) throws {
    guard let pipe = WakePipe() else {
      throw PostgresStoreError.failed(address.redacted, reason: "cannot create a pipe")
    }
    self.pipe = pipe
    connection = try PostgresEventStore.connect(address, environment: environment, logger: logger)
    context = connection.addListener(channel: channel) { _, _ in pipe.wake() }
    connection.closeFuture.whenComplete { _ in pipe.wake() }
    // LISTEN goes out before this query on the same connection: once it answers, no
    // later commit can be missed.
    do {
      _ = try connection.query("SELECT 1", logger: logger).wait()
    } catch {
      throw StoreError.unavailable(
        path: address.redacted, reason: PostgresEventStore.describe(error))
    }
  }

  // May run on NIO's thread, so the connection is closed without waiting there.
  deinit {
    context.stop()
    connection.closeWithoutBlockingItsLoop()
  }

  var fileDescriptor: Int32 { pipe.fileDescriptor }

  /// The thread its connection's callbacks run on.
  var eventLoop: any EventLoop { connection.eventLoop }

  var isBroken: Bool { connection.isClosed }

  func drain() -> Bool { pipe.drain() }
}
