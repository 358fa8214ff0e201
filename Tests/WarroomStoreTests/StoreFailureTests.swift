import Testing
import WarroomCore
import WarroomStore

/// One reading of a failed store call for every caller.
@Suite("Store failures")
struct StoreFailureTests {
  struct Odd: Error, CustomStringConvertible {
    var description: String { "first line\nsecond line" }
  }

  @Test func eachFailureIsReadOnce() {
    let cases: [(any Error, StoreFailure.Kind, String, Bool)] = [
      (Refusal("experiment #3 is not running"), .refused, "experiment #3 is not running", false),
      (
        StoreError.unavailable(path: "postgres://db/w", reason: "no answer within 5 s"), .away,
        "no answer within 5 s", true
      ),
      (
        StoreError.diskFull(path: "/srv/w.db", doing: "the write"), .full,
        "the disk holding the store is full", true
      ),
      (
        StoreError.readOnly(path: "/srv/w.db"), .unusable,
        "/srv/w.db is read-only: nothing was written", false
      ),
      (Odd(), .unusable, "first line", false),
    ]
    for (error, kind, reason, held) in cases {
      let failure = StoreFailure(error)
      #expect(failure.kind == kind, "\(error)")
      #expect(failure.reason == reason)
      #expect(failure.isWorthHolding == held)
    }
  }
}
