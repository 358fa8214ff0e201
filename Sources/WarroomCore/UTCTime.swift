import Foundation

/// Times as the post-mortem and the status line print them: always UTC, so people in
/// different time zones read the same timeline.
public enum UTCTime {
  private static let calendar: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar
  }()

  private static func parts(_ date: Date) -> DateComponents {
    calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
  }

  private static func two(_ value: Int?) -> String {
    let v = value ?? 0
    return v < 10 ? "0\(v)" : "\(v)"
  }

  /// `2026-11-27 00:31:05 UTC`
  public static func dateTime(_ date: Date) -> String {
    let p = parts(date)
    return "\(p.year ?? 0)-\(two(p.month))-\(two(p.day)) \(time(date)) UTC"
  }

  /// `00:31:05`
  public static func time(_ date: Date) -> String {
    let p = parts(date)
    return "\(two(p.hour)):\(two(p.minute)):\(two(p.second))"
  }

  /// `00:31`
  public static func hourMinute(_ date: Date) -> String {
    let p = parts(date)
    return "\(two(p.hour)):\(two(p.minute))"
  }

  /// `2026-11-27T00:31:05.123Z`, for machine-readable output.
  public static func iso8601(_ date: Date) -> String {
    let p = parts(date)
    let millis =
      Int(seconds: date.timeIntervalSince1970 * 1000, rounding: .toNearestOrAwayFromZero) % 1000
    let m = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
    return "\(p.year ?? 0)-\(two(p.month))-\(two(p.day))T\(time(date)).\(m)Z"
  }
}
