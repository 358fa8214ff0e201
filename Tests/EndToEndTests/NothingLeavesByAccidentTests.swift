import Foundation
import Testing
import WarroomTestSupport

/// Issue 15 against the real binary: nothing reaches people, or lands in the wrong
/// incident, without a person meaning it.
@Suite("Nothing leaves the war room by accident", .serialized)
struct NothingLeavesByAccidentTests {
  let folder: TemporaryFolder
  let store: String

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("w.db")
  }

  @discardableResult
  func warroom(_ arguments: String..., environment: [String: String] = [:]) throws
    -> WarroomBinary.Result
  {
    try WarroomBinary.run(arguments + ["--store", store], environment: environment, timeout: 60)
  }

  @Test func withTwoOpenIncidentsAWriteMustSayWhichAndNothingIsStored() throws {
    try warroom("declare", "Checkout returns 502")
    try warroom("log", "first note")
    try warroom("declare", "APAC search is slow")
    let before = try warroom("store", "verify").stdout
    let refused = try warroom("log", "--manual-change", "Scaled checkout-api to 12")
    #expect(refused.status == 64, "\(refused.stderr)")
    #expect(refused.stderr.split(separator: "\n").count == 1)
    #expect(refused.stderr.contains("INC-1"), "\(refused.stderr)")
    #expect(refused.stderr.contains("INC-2"), "\(refused.stderr)")
    #expect(refused.stderr.contains("--incident"), "\(refused.stderr)")
    for arguments in [["update", "still on it"], ["mitigate"], ["step", "done", "2"]] {
      let result = try WarroomBinary.run(arguments + ["--store", store], timeout: 60)
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
    }
    #expect(try warroom("store", "verify").stdout == before, "nothing was stored")

    // Named, it lands where it was meant, and says so on stdout with the entry's number.
    let named = try warroom(
      "log", "--manual-change", "Scaled checkout-api to 12", "--incident", "1")
    #expect(named.status == 0, "\(named.stderr)")
    #expect(
      named.stdout == "INC-1 #2 manual change: Scaled checkout-api to 12\n", "\(named.stdout)")
    let fromEnvironment = try warroom(
      "log", "APAC note", environment: ["WARROOM_INCIDENT": "INC-2"])
    #expect(fromEnvironment.stdout == "INC-2 #1 note: APAC note\n", "\(fromEnvironment.stdout)")
    let bad = try warroom("log", "x", environment: ["WARROOM_INCIDENT": "INC-99"])
    #expect(bad.status == 1, "\(bad.stderr)")
    #expect(bad.stderr.contains("no incident INC-99"), "\(bad.stderr)")

    // Reading still works without naming one (the newest); resolving one leaves one open.
    #expect(try warroom("status").status == 0)
    #expect(try warroom("resolve", "--force", "drill", "--incident", "2").status == 0)
    let alone = try warroom("log", "only one open now")
    #expect(alone.status == 0, "\(alone.stderr)")
    #expect(alone.stdout.hasPrefix("INC-1 #3 note:"), "\(alone.stdout)")
  }

  @Test func everyWriteSaysWhatItStoredAndIdsStayBare() throws {
    #expect(try warroom("declare", "Checkout down").stdout == "INC-1\n")
    let mitigated = try warroom("mitigate")
    #expect(mitigated.stdout.hasPrefix("INC-1 event #2: "), "\(mitigated.stdout)")
    #expect(try warroom("experiment", "add", "Pool exhausted").stdout == "1\n")
    #expect(try warroom("followup", "add", "Add a contract test").stdout == "1\n")
  }
}
