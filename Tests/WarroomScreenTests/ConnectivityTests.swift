import Foundation
import Testing
import WarroomCore

@testable import WarroomScreen

@Suite("Connectivity")
struct ConnectivityTests {
  let start = Date(timeIntervalSince1970: 1_798_000_000)

  @Test func retriesBackOffButNeverWaitMoreThanFiveSeconds() {
    let pauses = (0..<12).map { Connectivity.pause(afterAttempts: $0) }
    #expect(pauses.prefix(5) == [0.25, 0.5, 1, 2, 4])
    #expect(pauses.dropFirst(5).allSatisfy { $0 == 5 })
  }

  @Test func goingOfflineCountsAttemptsFromTheFirstLoss() {
    var link = Connectivity()
    #expect(link.isOnline)
    #expect(link.nextAttempt == nil)
    link.lost(reason: "refused", now: start)
    #expect(link.nextAttempt == start.addingTimeInterval(0.25))
    link.lost(reason: "still refused", now: start.addingTimeInterval(1))
    #expect(
      link.link
        == .offline(
          since: start, reason: "still refused", attempts: 1,
          nextAttempt: start.addingTimeInterval(1.5)))
    link.reconnected()
    #expect(link.isOnline)
  }

  @Test func heldSubmissionsLeaveOldestFirst() {
    var link = Connectivity()
    let notes = ["one", "two", "three"].map {
      Submission(action: .command(.log(.note, $0)), actor: "a", at: start)
    }
    for note in notes { link.hold(note) }
    #expect(link.release() == notes[0])
    #expect(link.queue == Array(notes.dropFirst()))
    #expect(Set(notes.map(\.request)).count == 3)
  }

  @Test func aSubmissionSaysWhatItIs() {
    let note = Submission(action: .command(.log(.manualChange, "pool 200")), actor: "a", at: start)
    #expect(note.label == "MANUAL CHANGE \"pool 200\"")
    #expect(note.logEntry?.text == "pool 200")
    let role = Submission(action: .command(.assignRole(.lead, "bo")), actor: "a", at: start)
    #expect(role.logEntry == nil)
    #expect(role.label == "bo as Lead")
  }
}
