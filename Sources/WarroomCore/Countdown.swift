import Foundation

/// The stakeholder-update countdown, derived from state and the clock; never stored.
public struct Countdown: Sendable, Equatable {
  public enum Phase: Sendable, Equatable {
    /// Plenty of time.
    case calm
    /// Due within `Countdown.warningWindow`.
    case warning
    /// Past due: counting up.
    case overdue
    /// Resolved incidents need no more updates.
    case stopped
  }

  public var dueAt: Date
  /// Seconds until due; negative once overdue.
  public var remaining: Int
  public var phase: Phase

  /// How long before due the countdown starts to warn.
  public static let warningWindow = 5 * 60

  public init(state: IncidentState, now: Date) {
    dueAt = Self.dueDate(of: state)
    remaining = Int(seconds: dueAt.timeIntervalSince(now), rounding: .up)
    if state.status == .resolved {
      phase = .stopped
    } else if remaining < 0 {
      phase = .overdue
    } else if remaining <= Self.warningWindow {
      phase = .warning
    } else {
      phase = .calm
    }
  }

  /// When the next stakeholder update is due: the last one (or the declaration) plus cadence.
  public static func dueDate(of state: IncidentState) -> Date {
    let since = state.updates.last?.at ?? state.declaredAt
    return since.addingTimeInterval(TimeInterval(state.cadence))
  }

  /// Whether the countdown just passed due between two looks at it: the moment for one
  /// bell. Not at start-up (no earlier look), and not again while it stays overdue.
  public static func justFellDue(from previous: Phase?, to current: Phase) -> Bool {
    guard let previous else { return false }
    return current == .overdue && previous != .overdue && previous != .stopped
  }

  /// `due in 12:04`, `OVERDUE by 03:12`, or `no updates needed (resolved)`.
  public var phrase: String {
    switch phase {
    case .stopped: "no more updates needed (resolved)"
    case .overdue: "OVERDUE by \(DurationText.clock(-remaining))"
    case .calm, .warning: "due in \(DurationText.clock(remaining))"
    }
  }
}
