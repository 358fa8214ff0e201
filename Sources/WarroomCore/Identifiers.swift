import Foundation

/// An incident's identifier, such as `INC-7`. Unique within a store.
public struct IncidentID: RawRepresentable, Hashable, Codable, Sendable, Comparable,
  CustomStringConvertible
{
  public var rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }

  /// The identifier for the n-th incident declared in a store.
  public init(number: Int) { self.rawValue = "INC-\(number)" }

  /// Accepts `INC-7`, `inc-7` or `7`.
  public init?(parsing text: String) {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if let number = Int(trimmed), number > 0 {
      self.init(number: number)
    } else if trimmed.uppercased().hasPrefix("INC-"), let number = Int(trimmed.dropFirst(4)),
      number > 0
    {
      self.init(number: number)
    } else if !trimmed.isEmpty {
      // Identifiers copied from elsewhere are kept as they are.
      self.init(rawValue: trimmed)
    } else {
      return nil
    }
  }

  /// The number in `INC-n`, when the identifier has that form.
  public var number: Int? {
    rawValue.hasPrefix("INC-") ? Int(rawValue.dropFirst(4)) : nil
  }

  public var description: String { rawValue }

  public static func < (lhs: IncidentID, rhs: IncidentID) -> Bool {
    switch (lhs.number, rhs.number) {
    case let (l?, r?): l < r
    default: lhs.rawValue < rhs.rawValue
    }
  }
}
