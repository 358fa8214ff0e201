import Foundation
import PostgresNIO

/// Facts about the store's own connection, for tests of encryption and connection loss.
extension PostgresEventStore {
  /// The server process serving this store's connection.
  func backendProcessID() throws -> Int32 {
    try scalar("SELECT pg_backend_pid()", as: Int32.self) ?? 0
  }

  /// Whether this store's connection is encrypted with TLS.
  func isEncrypted() throws -> Bool {
    try scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", as: Bool.self) ?? false
  }

  /// Ends another server process's connection, as a crash or a network cut would.
  func terminateBackend(_ pid: Int32) throws {
    _ = try scalar("SELECT pg_terminate_backend(\(pid))", as: Bool.self)
  }
}
