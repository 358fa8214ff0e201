import Foundation

/// A delivery's state in a few words, the same in the dashboard, `notify status` and the
/// post-mortem: `✓ slack 12:03:05`, `⧗ statuspage retry in 8 s`, `✗ email: exit 75`.
public enum DeliveryText {
  public static func mark(_ record: DeliveryRecord) -> String {
    switch record.phase {
    case .delivered: "✓"
    case .sending, .retrying, .resendAsked: "⧗"
    case .failed: "✗"
    case .uncertain: "?"
    }
  }

  /// Whether a send in progress was cut off: its deliverer no longer holds the lease
  /// (`running` is the holder now, when known). The next deliverer resends or marks it.
  static func isInterrupted(_ record: DeliveryRecord, running: String??) -> Bool {
    guard case .sending(let deliverer) = record.phase, let running else { return false }
    return running != deliverer
  }

  /// Short, for a row of the Updates pane. `running`: the deliverer holding the lease now
  /// (nil inside: none), when known.
  public static func short(
    _ record: DeliveryRecord, now: Date, offset: Int = 0, running: String?? = nil
  ) -> String {
    let name = record.destination
    if isInterrupted(record, running: running) { return "⧗ \(name) interrupted" }
    switch record.phase {
    case .delivered:
      if let by = record.confirmedBy {
        return "✓ \(name) arrived, said \(SafeText.name(by)) \(clock(record.at, offset))"
      }
      return "✓ \(name) \(clock(record.at, offset))"
    case .sending: return "⧗ \(name) sending"
    case .retrying(_, let at):
      let wait = max(0, Int(seconds: at.timeIntervalSince(now), rounding: .up))
      return "⧗ \(name) retry in \(DurationText.short(max(1, wait)))"
    case .resendAsked: return "⧗ \(name) resend asked"
    case .failed(let reason): return "✗ \(name): \(reason)"
    case .uncertain: return "? \(name) may have been sent"
    }
  }

  /// Long, for `notify status`: with the attempt count, reasons and the delivery's id.
  public static func line(_ record: DeliveryRecord, now: Date, running: String?? = nil) -> String {
    let attempts = record.attempts > 1 ? ", \(record.attempts) attempts" : ""
    let detail: String
    switch record.phase {
    case .sending where isInterrupted(record, running: running):
      detail =
        "interrupted at \(UTCTime.time(record.at)): its deliverer stopped mid-send; "
        + "the next one sends it again or asks you"
    case .delivered(let status, _):
      detail =
        record.confirmedBy.map {
          "arrived, said \(SafeText.name($0)) at \(UTCTime.time(record.at))"
        }
        ?? ("delivered \(UTCTime.time(record.at))" + (status.map { " (\($0))" } ?? ""))
    case .sending: detail = "sending since \(UTCTime.time(record.at))"
    case .retrying(let reason, let at):
      let wait = max(0, Int(seconds: at.timeIntervalSince(now), rounding: .up))
      detail = "failed: \(reason); retry in \(DurationText.short(max(1, wait)))"
    case .resendAsked(let by): detail = "resend asked by \(by)"
    case .failed(let reason): detail = "not delivered: \(reason)"
    case .uncertain(let reason): detail = "\(reason)"
    }
    return "\(mark(record)) \(record.destination) \(detail)\(attempts) [\(record.id)]"
  }

  /// For the post-mortem: where, when, and how it ended.
  public static func postMortem(_ record: DeliveryRecord) -> String {
    let tries = record.attempts > 1 ? " after \(record.attempts) attempts" : ""
    switch record.phase {
    case .delivered:
      if let by = record.confirmedBy {
        return
          "\(record.destination): arrived (said \(by) at \(UTCTime.dateTime(record.at)), after an interrupted send)\(tries)"
      }
      return "\(record.destination): delivered \(UTCTime.dateTime(record.at))\(tries)"
    case .failed(let reason): return "\(record.destination): not delivered (\(reason))\(tries)"
    case .uncertain: return "\(record.destination): may have been sent (interrupted)\(tries)"
    case .sending, .retrying, .resendAsked:
      return "\(record.destination): still being sent\(tries)"
    }
  }

  private static func clock(_ date: Date, _ offset: Int) -> String {
    UTCTime.time(date.addingTimeInterval(TimeInterval(offset)))
  }
}
