import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import WarroomStore

/// Opening and closing connections: bounded in time, encrypted as the address asks.
extension PostgresEventStore {
  /// Opens a connection, encrypted as the address asks, within a bounded time: a server
  /// that is down or unreachable is reported in seconds, never waited on forever.
  static func connect(
    _ address: PostgresLocation, environment: [String: String], logger: Logger
  ) throws -> PostgresConnection {
    let tls: PostgresConnection.Configuration.TLS
    do {
      tls = try TLSSettings.make(for: address, environment: environment)
    } catch let error as PostgresStoreError {
      throw error
    } catch {
      throw PostgresStoreError.badURL(address.redacted + " (TLS: \(describe(error)))")
    }
    var configuration = PostgresConnection.Configuration(
      host: address.host, port: address.port, username: address.user,
      password: address.password, database: address.database, tls: tls)
    configuration.options.connectTimeout = .seconds(5)
    let connection: PostgresConnection
    do {
      // The TCP connect is bounded by the option; TLS, authentication and start-up by this.
      connection = try PostgresConnection.connect(
        on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1,
        logger: logger
      ).wait(atMost: connectTimeout)
    } catch {
      throw StoreError.unavailable(path: address.redacted, reason: Self.describe(error))
    }
    guard let schema = address.schema else { return connection }
    do {
      // The name passed `PostgresLocation.schemaProblem`, so it is safe to splice in.
      // Several first users may race to create it; whoever loses finds it there.
      _ = try? connection.query(
        "CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: logger
      ).wait(atMost: connectTimeout) { connection.closeWithoutBlockingItsLoop() }
      _ = try connection.query("SET search_path TO \(unescaped: schema)", logger: logger)
        .wait(atMost: connectTimeout) { connection.closeWithoutBlockingItsLoop() }
      return connection
    } catch {
      connection.closeWithoutBlockingItsLoop()
      if isConnectionLoss(error) {
        throw StoreError.unavailable(path: address.redacted, reason: Self.describe(error))
      }
      // The server was reached: it is the schema it refused.
      throw PostgresStoreError.failed(
        address.redacted, reason: "cannot use schema \(schema): \(Self.describe(error))")
    }
  }

  /// Connecting, TLS and authentication included, and each start-up statement.
  static let connectTimeout = TimeAmount.seconds(10)
}

extension PostgresConnection {
  /// Closes the connection, waiting for it (so the server hears a proper goodbye before
  /// the process exits), except on the connection's own event loop, where waiting would
  /// trap: a deinit may run there when a callback or a test lets go of the last reference.
  func closeWithoutBlockingItsLoop() {
    let closing: EventLoopFuture<Void> = close()
    // Kept alive until closed: PostgresNIO expects a connection to be closed before it goes.
    closing.whenComplete { _ in withExtendedLifetime(self) {} }
    // A server that stopped answering must not hold the process at exit: 2 s at most.
    if !eventLoop.inEventLoop { _ = try? closing.wait(atMost: .seconds(2)) }
  }
}
