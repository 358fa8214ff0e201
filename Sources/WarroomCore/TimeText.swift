import Foundation

/// Times as people type them for `--started-at` and `--detected-at`: a date and time in
/// UTC (`2026-11-27 02:58`, `2026-11-27T02:58:30Z`), with an offset
/// (`2026-11-27T03:58+01:00`), or a time alone, meaning the most recent such time in UTC
/// (`02:58` said at 03:20 means 18 minutes ago).
public enum TimeText {
  public static func parse(_ text: String, now: Date) -> Date? {
    var rest = Substring(text.trimmingCharacters(in: .whitespaces))
    var offset = 0
    if rest.hasSuffix("Z") || rest.hasSuffix("z") {
      rest = rest.dropLast()
    } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }),
      rest.distance(from: sign, to: rest.endIndex) == 6, rest[rest.index(sign, offsetBy: 3)] == ":"
    {
      let hours = Int(rest[rest.index(after: sign)..<rest.index(sign, offsetBy: 3)])
      let minutes = Int(rest[rest.index(sign, offsetBy: 4)...])
      guard let hours, let minutes, hours < 24, minutes < 60 else { return nil }
      offset = (hours * 3600 + minutes * 60) * (rest[sign] == "-" ? -1 : 1)
      rest = rest[..<sign]
    }
    let parts = rest.split(whereSeparator: { $0 == "T" || $0 == " " })
    guard parts.count == 1 || parts.count == 2 else { return nil }
    guard let clock = seconds(ofClock: parts.last!) else { return nil }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    if parts.count == 2 {
      let date = parts[0].split(separator: "-")
      guard date.count == 3, let y = Int(date[0]), let m = Int(date[1]), let d = Int(date[2]),
        (1970...9999).contains(y), (1...12).contains(m), (1...31).contains(d),
        let day = calendar.date(from: DateComponents(year: y, month: m, day: d)),
        calendar.component(.day, from: day) == d
      else { return nil }
      return day.addingTimeInterval(TimeInterval(clock - offset))
    }
    let midnight = calendar.startOfDay(for: now)
    var candidate = midnight.addingTimeInterval(TimeInterval(clock - offset))
    while candidate > now { candidate = candidate.addingTimeInterval(-86_400) }
    while now.timeIntervalSince(candidate) >= 86_400 {
      candidate = candidate.addingTimeInterval(86_400)
    }
    return candidate
  }

  /// `HH:MM` or `HH:MM:SS` as seconds since midnight.
  private static func seconds(ofClock text: Substring) -> Int? {
    let fields = text.split(separator: ":", omittingEmptySubsequences: false)
    guard fields.count == 2 || fields.count == 3,
      fields.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
      let h = Int(fields[0]), let m = Int(fields[1]), h < 24, m < 60
    else { return nil }
    let s = fields.count == 3 ? Int(fields[2]) ?? 60 : 0
    guard s < 60 else { return nil }
    return h * 3600 + m * 60 + s
  }
}
