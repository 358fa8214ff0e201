import Foundation
import NIOSSL
import PostgresNIO

/// Turns an address's `sslmode` into PostgresNIO's TLS setting, as libpq reads the mode:
/// `require` encrypts but trusts any certificate; `verify-ca` checks the signature against
/// the root certificates (`sslrootcert`, else `~/.postgresql/root.crt`); `verify-full`
/// also checks the host name.
enum TLSSettings {
  static func make(for address: PostgresLocation, environment: [String: String]) throws
    -> PostgresConnection.Configuration.TLS
  {
    var configuration = TLSConfiguration.makeClientConfiguration()
    switch address.sslMode {
    case .disable:
      return .disable
    case .allow, .prefer, .require:
      configuration.certificateVerification = .none
    case .verifyCA, .verifyFull:
      let roots = address.rootCertificatePath(environment)
      guard FileManager.default.isReadableFile(atPath: roots) else {
        throw PostgresStoreError.badURL(
          address.redacted + " (sslmode=\(address.sslMode.rawValue) needs root certificates; "
            + "\(roots) cannot be read; name them with sslrootcert=PATH)")
      }
      configuration.trustRoots = .file(roots)
      configuration.certificateVerification =
        address.sslMode == .verifyFull ? .fullVerification : .noHostnameVerification
    }
    let context = try NIOSSLContext(configuration: configuration)
    return address.sslMode == .require || address.sslMode == .verifyCA
      || address.sslMode == .verifyFull
      ? .require(context) : .prefer(context)
  }
}
