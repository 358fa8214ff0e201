import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import WarroomCore
import WarroomStore

/// Telling a lost connection from a wrong statement, and saying either in words a person
/// at a terminal can act on.
extension PostgresEventStore {
  /// Whether an error means the connection (or the server) went away, rather than that the
  /// statement was wrong: only then is trying again later the right answer.
  static func isConnectionLoss(_ error: any Error) -> Bool {
    guard let psql = error as? PSQLError else {
      // Not from the protocol layer: sockets, channels and timeouts from NIO.
      return
        !(error is StoreError || error is Refusal || error is PostgresStoreError
        || error is DecodingError)
    }
    switch psql.code {
    case .clientClosedConnection, .serverClosedConnection, .connectionError, .uncleanShutdown,
      .poolClosed:
      return true
    case .server:
      // SQLSTATE class 08 (connection exception) and 57P (the server shutting down).
      let state = psql.serverInfo?[.sqlState] ?? ""
      return state.hasPrefix("08") || state.hasPrefix("57P")
    default:
      return false
    }
  }

  static func describe(_ error: any Error) -> String {
    if let psql = error as? PSQLError {
      if let message = psql.serverInfo?[.message] { return message }
      switch psql.code {
      case .sslUnsupported: return "the server does not offer TLS, and sslmode asks for it"
      // Only the statement watchdog closes a connection from this side mid-query.
      case .clientClosedConnection: return "no answer within 15 s"
      case .serverClosedConnection: return "the server closed the connection"
      default: break
      }
      if let underlying = psql.underlying { return describe(underlying) }
      return "\(psql.code)"
    }
    if let ssl = error as? NIOSSLError { return "TLS: \(ssl)" }
    if let noAnswer = error as? NoAnswer { return noAnswer.description }
    // NIO's own texts are for developers: say what a person at a terminal can act on.
    if let connecting = error as? NIOConnectionError {
      if let first = connecting.connectionErrors.first { return describe(first.error) }
      if connecting.dnsAError != nil || connecting.dnsAAAAError != nil {
        return "host \(connecting.host) not found"
      }
      return "no address for \(connecting.host)"
    }
    if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
    if case ChannelError.connectTimeout = error { return "no answer within 5 s" }
    if error is ChannelError { return "the connection closed (\(error))" }
    return "\(error)"
  }
}
