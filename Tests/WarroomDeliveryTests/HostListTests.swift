import Testing

@testable import WarroomDelivery

/// The hosts a deliverer lets probes reach: names whole, addresses, CIDR ranges.
@Suite("Probe host lists")
struct HostListTests {
  @Test func namesAddressesAndRangesMatchAsWritten() throws {
    let list = try HostList(["status.example.com", "10.0.0.0/8", "::1", "fd00::/8"])
    #expect(list.contains("status.example.com"))
    #expect(list.contains("STATUS.example.com"))
    #expect(!list.contains("evil.status.example.com"))
    #expect(list.contains("10.200.3.4"))
    #expect(!list.contains("11.0.0.1"))
    #expect(list.contains("[::1]"))
    #expect(list.contains("fd12::5"))
    #expect(!list.contains("fe80::1"))
    #expect(!list.contains("127.0.0.1"))
    #expect(!HostList().contains("127.0.0.1"), "nothing is allowed by default")
  }

  @Test(arguments: ["10.0.0.0/33", "not a host!", "", "1.2.3.4/x"])
  func badEntriesAreRefused(entry: String) {
    #expect(throws: HostList.Problem.self) { try HostList([entry]) }
  }
}
