/// How bad an incident is. P1 is a customer-visible outage, the case this tool exists for.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
  case p1 = "P1"
  case p2 = "P2"
  case p3 = "P3"
  case p4 = "P4"

  /// Accepts `P1`, `p1` or `1`.
  public init?(parsing text: String) {
    let upper = text.uppercased()
    self.init(rawValue: upper.hasPrefix("P") ? upper : "P" + upper)
  }

  public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }
}
