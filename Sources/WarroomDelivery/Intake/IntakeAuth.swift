import Crypto
import Foundation

/// Who may post alerts: each sender proves itself the way it knows how. A wrong or
/// missing credential is refused (401) before the body is read for anything else.
public enum IntakeAuth {
  /// How old (or how far ahead) a signed generic alert's timestamp may be.
  public static let freshness: TimeInterval = 5 * 60

  /// `Authorization: Bearer TOKEN` (Alertmanager's `http_config.authorization`, Grafana's
  /// contact point), compared in constant time.
  public static func bearer(_ header: String?, token: String) -> Bool {
    // The scheme's name is case-insensitive (RFC 9110); the token is not.
    guard !token.isEmpty, let header, header.prefix(7).lowercased() == "bearer " else {
      return false
    }
    return equalInConstantTime(Data(header.dropFirst(7).utf8), Data(token.utf8))
  }

  /// `X-PagerDuty-Signature: v1=HEX[,v1=HEX…]`: one of them is HMAC-SHA256 of the raw
  /// body with the webhook's secret (PagerDuty lists several while a secret rotates).
  public static func pagerDuty(_ header: String?, body: Data, secret: String) -> Bool {
    guard !secret.isEmpty, let header else { return false }
    let expected = Data(hex(hmac(secret: secret, body)).utf8)
    return header.split(separator: ",").contains { entry in
      let signature = entry.trimmingCharacters(in: .whitespaces)
      return signature.hasPrefix("v1=")
        && equalInConstantTime(Data(signature.dropFirst(3).utf8), expected)
    }
  }

  /// `X-Warroom-Timestamp` (Unix seconds) and `X-Warroom-Signature: v1=HEX`, HMAC-SHA256
  /// of the timestamp, a `.` and the body: as warroom signs its own webhooks. A timestamp
  /// more than five minutes from `now` is refused, so a captured request cannot be replayed.
  public static func warroomSignature(
    timestamp: String?, signature: String?, body: Data, secret: String, now: Date
  ) -> Bool {
    guard !secret.isEmpty, let timestamp, let signature, signature.hasPrefix("v1="),
      timestamp.count <= 12, let seconds = Int64(timestamp),
      abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= freshness
    else { return false }
    let expected = WireFormat.signature(secret: secret, timestamp: timestamp, body: body)
    return equalInConstantTime(Data(signature.dropFirst(3).utf8), Data(expected.utf8))
  }

  static func hmac(secret: String, _ body: Data) -> Data {
    Data(
      HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))))
  }

  static func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }

  /// Compares without stopping at the first difference, so the time taken says nothing
  /// about how much of a guess was right.
  static func equalInConstantTime(_ a: Data, _ b: Data) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
  }
}
