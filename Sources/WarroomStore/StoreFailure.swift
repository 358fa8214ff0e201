import WarroomCore

/// What a failed store call means for whoever made it, decided once for the dashboard,
/// the command line and the relay: a refusal by the process's rules, a server that may
/// answer again (send the same request again: its id makes that safe), a full disk (hold
/// what was asked until there is room), or a store this warroom cannot use.
public struct StoreFailure: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    case refused
    case away
    case full
    case unusable
  }

  public let kind: Kind
  /// One line for people, without the store's name where the place already says it.
  public let reason: String

  public init(_ error: any Error) {
    switch error {
    case let refusal as Refusal:
      (kind, reason) = (.refused, refusal.message)
    case StoreError.unavailable(_, let reason):
      (kind, self.reason) = (.away, reason)
    case StoreError.diskFull:
      (kind, reason) = (.full, "the disk holding the store is full")
    case let error as StoreError:
      (kind, reason) = (.unusable, error.description)
    default:
      (kind, reason) = (.unusable, Self.firstLine("\(error)"))
    }
  }

  /// Whether what was asked should be held and tried again later (the dashboard keeps
  /// it queued; the relay pauses and tries again).
  public var isWorthHolding: Bool { kind == .away || kind == .full }

  private static func firstLine(_ text: String) -> String {
    String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
  }
}
