/// Where an incident stands in its lifecycle: red while investigating, yellow once
/// mitigated, green once resolved for good.
public enum IncidentStatus: String, Codable, Sendable, CaseIterable {
  case investigating
  case mitigated
  case resolved

  /// The colour word the process uses when announcing status.
  public var colourWord: String {
    switch self {
    case .investigating: "red"
    case .mitigated: "yellow"
    case .resolved: "green"
    }
  }
}
