import Foundation
import Testing

@testable import WarroomCore

@Suite("Countdown and durations")
struct CountdownTests {
  @Test func countsDownFromTheDeclarationThenFromTheLastUpdate() throws {
    var story = Story()
    var countdown = Countdown(state: story.state, now: story.now)
    #expect(countdown.remaining == 1800)
    #expect(countdown.phase == .calm)
    #expect(countdown.phrase == "due in 30:00")
    story.advance(minutes: 26)
    countdown = Countdown(state: story.state, now: story.now)
    #expect(countdown.phase == .warning)
    #expect(countdown.phrase == "due in 04:00")
    story.advance(minutes: 7.2)
    countdown = Countdown(state: story.state, now: story.now)
    #expect(countdown.phase == .overdue)
    #expect(countdown.phrase == "OVERDUE by 03:12")
    try story.send(.postUpdate("still digging"))
    #expect(story.state.updates.last?.onTime == false)
    countdown = Countdown(state: story.state, now: story.now)
    #expect(countdown.remaining == 1800)
    story.advance(minutes: 10)
    try story.send(.setCadence(15 * 60))
    #expect(Countdown(state: story.state, now: story.now).remaining == 300)
    try story.send(.postUpdate("on time"))
    #expect(story.state.updates.last?.onTime == true)
  }

  @Test func theBellRingsOnceAsTheUpdateFallsDue() {
    #expect(Countdown.justFellDue(from: .warning, to: .overdue))
    #expect(Countdown.justFellDue(from: .calm, to: .overdue))
    #expect(!Countdown.justFellDue(from: nil, to: .overdue))  // already late at start-up
    #expect(!Countdown.justFellDue(from: .overdue, to: .overdue))
    #expect(!Countdown.justFellDue(from: .warning, to: .warning))
    #expect(!Countdown.justFellDue(from: .stopped, to: .overdue))  // reopened long after
  }

  @Test func resolvedIncidentsNeedNoUpdates() throws {
    var story = Story()
    try story.send(.resolve(force: "test"))
    story.advance(minutes: 120)
    #expect(Countdown(state: story.state, now: story.now).phase == .stopped)
  }

  @Test(arguments: [
    ("30m", 1800), ("1h", 3600), ("1h30m", 5400), ("90s", 90), ("45", 2700), ("20 min", 1200),
    ("2h5m10s", 7510),
  ])
  func durationsParse(text: String, seconds: Int) {
    #expect(DurationText.parse(text) == seconds)
  }

  @Test(arguments: ["", "abc", "0", "-5", "m", "5x", "0m", "1.5h", "h1"])
  func badDurationsDoNot(text: String) {
    #expect(DurationText.parse(text) == nil)
  }

  @Test func durationsFormat() {
    #expect(DurationText.clock(307) == "05:07")
    #expect(DurationText.clock(-192) == "03:12")
    #expect(DurationText.clock(3907) == "1:05:07")
    #expect(DurationText.short(5400) == "1h30m")
    #expect(DurationText.age(93_784) == "1d 2h")
  }

  /// A countdown in whole minutes rounds up: it never says 0 while time is left.
  @Test(arguments: [
    (1800, "30m", "30"), (1741, "30m", "30"), (1740, "29m", "29"), (301, "6m", "6"),
    (60, "1m", "1"), (1, "1m", "1"), (3600, "1h 00m", "1:00"), (3601, "1h 01m", "1:01"),
    (7199, "2h 00m", "2:00"), (Int.max, "2562047788015215h 31m", "2562047788015215:31"),
  ])
  func minutesLeftRoundUp(seconds: Int, text: String, digits: String) {
    #expect(DurationText.minutesLeft(seconds).text == text)
    #expect(DurationText.minutesLeft(seconds).digits == digits)
  }
}
