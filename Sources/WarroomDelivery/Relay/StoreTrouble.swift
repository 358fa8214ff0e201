import Foundation

/// How a loop that writes the store behaves while the store fails: it waits before trying
/// again, half a second at first and twice as long each time up to 30 s, so that a full
/// disk costs no CPU and fills no log; the first failure and the recovery are each said
/// once. A value: the loop owns it and passes the clock in.
public struct StoreTrouble: Sendable {
  static let firstPause: TimeInterval = 0.5
  static let longestPause: TimeInterval = 30

  /// Since when the store fails, and when to try it next; nil while it works.
  private(set) var since: Date?
  private(set) var nextTry: Date?
  private var pause: TimeInterval = 0

  /// Whether the store may be tried now.
  public func mayTry(at now: Date) -> Bool { nextTry.map { now >= $0 } ?? true }

  /// How long until the next try, in seconds; nil while the store works.
  public func wait(at now: Date) -> TimeInterval? {
    nextTry.map { max(0, $0.timeIntervalSince(now)) }
  }

  /// Records a failure; true when it is the first (the one to say).
  mutating func failed(at now: Date) -> Bool {
    let first = since == nil
    if first { since = now }
    pause = first ? Self.firstPause : min(Self.longestPause, pause * 2)
    nextTry = now.addingTimeInterval(pause)
    return first
  }

  /// Records a success; returns since when it had failed, if it had (the one to say).
  mutating func cleared() -> Date? {
    defer {
      since = nil
      nextTry = nil
      pause = 0
    }
    return since
  }
}
