/// The focus roles of a war room. Lead, communicator and recorder have one holder each;
/// any number of engineers (ICs) run experiments.
public enum Role: String, Codable, Sendable, CaseIterable {
  case lead
  case communicator
  case recorder
  case ic

  /// Whether the role has exactly one holder at a time (assigning it hands it over).
  public var isSingleHolder: Bool { self != .ic }

  public var title: String {
    switch self {
    case .lead: "Lead"
    case .communicator: "Communicator"
    case .recorder: "Recorder"
    case .ic: "IC"
    }
  }
}
