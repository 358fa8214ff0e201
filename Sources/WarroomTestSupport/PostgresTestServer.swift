import Foundation

/// The PostgreSQL server tests may use: `$WARROOM_TEST_POSTGRES`, a URL such as
/// `postgres://postgres@127.0.0.1:55433/postgres`. `.ci/run` starts a throwaway one.
public enum PostgresTestServer {
  public static var url: String? {
    ProcessInfo.processInfo.environment["WARROOM_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
  }

  /// Whether that server speaks TLS (`$WARROOM_TEST_POSTGRES_TLS`; `.ci/run` turns it on).
  public static var hasTLS: Bool {
    url != nil && ProcessInfo.processInfo.environment["WARROOM_TEST_POSTGRES_TLS"] == "1"
  }

  /// The same server with a schema named after `key`, so every test has a store of its own.
  public static func isolated(_ url: String, _ key: String) -> String {
    var hash: UInt64 = 1_469_598_103_934_665_603  // FNV-1a: stable across runs
    for byte in key.utf8 {
      hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
    }
    return url + (url.contains("?") ? "&" : "?") + "schema=t\(String(hash, radix: 36))"
  }
}
