import Testing
import WarroomCore

/// The one check of http(s) addresses: what a socket can have, nothing more.
@Suite("Web addresses")
struct WebAddressTests {
  @Test(arguments: [
    ("http://127.0.0.1:8080/health", "127.0.0.1", 8080),
    ("https://Status.Example.com/x?y=1", "status.example.com", 443),
    ("http://[::1]:65535/", "::1", 65535),
    ("http://user@host:1", "host", 1),
  ])
  func usableAddressesAreRead(text: String, host: String, port: Int) throws {
    let address = try WebAddress.parse(text).get()
    #expect(address.host == host)
    #expect(address.effectivePort == port)
  }

  @Test(arguments: [
    "http://127.0.0.1:99999/", "http://[::1]:70000/", "http://127.0.0.1:9223372036854775807/",
    "http://127.0.0.1:0/", "http://127.0.0.1:-1/", "http://127.0.0.1:/", "http://:80/",
    "ftp://example.com/", "http+unix://%2Fvar%2Frun%2Fapp.sock/secret", "file:///etc/passwd",
    "http://exa mple.com/", "http://[::1/", "http://a:b:c/", "example.com", "",
    "http://127.0.0.1:８０/",
  ])
  func unusableAddressesSayWhy(text: String) {
    #expect(WebAddress.problem(text) != nil, "\(text)")
  }

  @Test func aStoredProbeWithABadPortIsUnusable() {
    let spec = ProbeSpec(name: "boom", kind: .http, target: "http://127.0.0.1:99999/")
    #expect(spec.problem?.contains("port") == true)
  }
}
