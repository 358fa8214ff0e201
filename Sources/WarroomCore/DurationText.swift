/// Durations as people type and read them: `30m`, `1h30m`, `90s`, `45`, and `mm:ss`.
public enum DurationText {
  /// The longest duration anyone types: a year. Longer ones are refused rather than
  /// carried into date arithmetic, where they would overflow.
  public static let maximumSeconds = 366 * 86_400

  /// Parses `1h30m`, `20m`, `90s` or a bare number of minutes into seconds.
  /// Returns nil for anything else, including zero, negative values and anything longer
  /// than `maximumSeconds`.
  public static func parse(_ text: String) -> Int? {
    let lower = text.lowercased().filter { !$0.isWhitespace }
    if lower.isEmpty || lower.count > 40 { return nil }
    if let minutes = Int(lower) {
      return minutes > 0 && minutes <= maximumSeconds / 60 ? minutes * 60 : nil
    }
    var total = 0
    var digits = ""
    var unit = ""
    var sawPart = false
    func flush() -> Bool {
      guard let value = Int(digits) else { return false }
      let scale: Int
      switch unit {
      case "h", "hr", "hrs", "hour", "hours": scale = 3600
      case "m", "min", "mins", "minute", "minutes": scale = 60
      case "s", "sec", "secs", "second", "seconds": scale = 1
      default: return false
      }
      guard value <= maximumSeconds else { return false }
      total += value * scale
      guard total <= maximumSeconds else { return false }
      digits = ""
      unit = ""
      sawPart = true
      return true
    }
    for character in lower {
      if character.isASCII, character.isNumber {
        if !unit.isEmpty { guard flush() else { return nil } }
        digits.append(character)
      } else if character.isLetter {
        guard !digits.isEmpty else { return nil }
        unit.append(character)
      } else {
        return nil
      }
    }
    guard flush(), sawPart, total > 0 else { return nil }
    return total
  }

  /// `05:07` for 307 seconds; `1:05:07` past an hour. Negative values read as their size.
  public static func clock(_ seconds: Int) -> String {
    let value = Int(clamping: seconds.magnitude)
    let hours = value / 3600
    let minutes = (value % 3600) / 60
    let secs = value % 60
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(two(minutes)):\(two(secs))"
  }

  /// Whole minutes, rounded up as a countdown rounds: `30m` (for 29:01 to 30:00 left),
  /// `1h 05m`; the digits alone for large type: `30`, `1:05`.
  public static func minutesLeft(_ seconds: Int) -> (text: String, digits: String) {
    let minutes = seconds / 60 + (seconds % 60 > 0 ? 1 : 0)
    guard minutes >= 60 else { return ("\(minutes)m", "\(minutes)") }
    let rest = minutes % 60 < 10 ? "0\(minutes % 60)" : "\(minutes % 60)"
    return ("\(minutes / 60)h \(rest)m", "\(minutes / 60):\(rest)")
  }

  /// `30m`, `1h`, `1h30m`, `45s`: the shortest way to write a duration.
  public static func short(_ seconds: Int) -> String {
    let hours = seconds / 3600
    let minutes = (seconds % 3600) / 60
    let secs = seconds % 60
    var text = ""
    if hours > 0 { text += "\(hours)h" }
    if minutes > 0 { text += "\(minutes)m" }
    if secs > 0 || text.isEmpty { text += "\(secs)s" }
    return text
  }

  /// `2h 5m 0s`, `3m 48s`, `40s`: a duration to the second, for the post-mortem.
  public static func precise(_ seconds: Int) -> String {
    let value = max(0, seconds)
    let days = value / 86_400
    let hours = (value % 86_400) / 3600
    let minutes = (value % 3600) / 60
    let secs = value % 60
    var parts: [String] = []
    if days > 0 { parts.append("\(days)d") }
    if days > 0 || hours > 0 { parts.append("\(hours)h") }
    if days > 0 || hours > 0 || minutes > 0 { parts.append("\(minutes)m") }
    parts.append("\(secs)s")
    return parts.joined(separator: " ")
  }

  /// `3d 4h`, `2h 5m`, `12m`, `40s`: an age at a glance.
  public static func age(_ seconds: Int) -> String {
    let value = max(0, seconds)
    let days = value / 86_400
    let hours = (value % 86_400) / 3600
    let minutes = (value % 3600) / 60
    if days > 0 { return "\(days)d \(hours)h" }
    if hours > 0 { return "\(hours)h \(minutes)m" }
    if minutes > 0 { return "\(minutes)m" }
    return "\(value)s"
  }
}
