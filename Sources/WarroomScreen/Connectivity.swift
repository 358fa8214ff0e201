import Foundation
import WarroomCore

/// Whether the dashboard can reach its store, and what it holds until it can.
///
/// A store on a server can go away (a restart, a network blip). The dashboard then keeps
/// working on what it last saw, keeps each new submission queued in the order it was made,
/// and tries again with a growing pause; once the server answers it sends the queue,
/// oldest first, and catches up with what others wrote meanwhile. Pure: the event loop
/// reports what happened and asks when to try next.
public struct Connectivity: Equatable, Sendable {
  public enum Link: Equatable, Sendable {
    case online
    case offline(since: Date, reason: String, attempts: Int, nextAttempt: Date)
  }

  public var link: Link = .online
  /// Submissions not yet acknowledged by the store, oldest first.
  public private(set) var queue: [Submission] = []

  public init() {}

  public var isOnline: Bool { link == .online }

  /// When the loop should next try to reach the store, if it is offline.
  public var nextAttempt: Date? {
    if case .offline(_, _, _, let next) = link { return next }
    return nil
  }

  /// The pause before the next attempt: short at first, for a blip; never over 5 s, so a
  /// server that is back is noticed within seconds.
  public static func pause(afterAttempts attempts: Int) -> TimeInterval {
    min(5, 0.25 * pow(2, Double(min(attempts, 8))))
  }

  /// The store could not be reached (again).
  public mutating func lost(reason: String, now: Date) {
    switch link {
    case .online:
      link = .offline(
        since: now, reason: reason, attempts: 0,
        nextAttempt: now.addingTimeInterval(Self.pause(afterAttempts: 0)))
    case .offline(let since, _, let attempts, _):
      link = .offline(
        since: since, reason: reason, attempts: attempts + 1,
        nextAttempt: now.addingTimeInterval(Self.pause(afterAttempts: attempts + 1)))
    }
  }

  /// The store answered and the queue has been sent.
  public mutating func reconnected() { link = .online }

  /// Keeps a submission until the store acknowledges it.
  public mutating func hold(_ submission: Submission) { queue.append(submission) }

  /// The oldest held submission was acknowledged (or refused by the rules): let it go.
  @discardableResult
  public mutating func release() -> Submission? {
    queue.isEmpty ? nil : queue.removeFirst()
  }
}
