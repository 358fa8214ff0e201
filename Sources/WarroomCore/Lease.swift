import Foundation

/// Who runs a store's single deliverer: a lease recorded in the store, renewed while its
/// holder lives, taken over when it expires or when its holder's process is gone.
public struct Lease: Sendable, Equatable {
  /// What the lease is for; the deliverer's is `Lease.deliverer`.
  public var name: String
  /// Unique to one running deliverer (a new one each start).
  public var holder: String
  /// What holds it, for people: `relay` or `dashboard`, and who runs it.
  public var label: String
  public var host: String
  public var pid: Int32
  public var expiresMs: Int64

  public init(
    name: String = Lease.deliverer, holder: String, label: String, host: String, pid: Int32,
    expiresMs: Int64
  ) {
    self.name = name
    self.holder = holder
    self.label = label
    self.host = host
    self.pid = pid
    self.expiresMs = expiresMs
  }

  public static let deliverer = "deliverer"
  /// The name the deliverer writes its own events under (probe findings, delivery records).
  public static let delivererActor = "warroom"
  /// How long a lease lasts unrenewed: a holder that stops is replaced within this.
  public static let term: TimeInterval = 12
  /// How often a holder renews.
  public static let renewEvery: TimeInterval = 4

  /// How far ahead of this machine's clock another's may run. A lease that claims to last
  /// longer than a term plus this was not written by a deliverer (or by one whose clock is
  /// badly wrong): it counts as expired, so a planted row cannot wedge delivery.
  public static let clockSkewAllowed: TimeInterval = 60

  public var expires: Date { Date(timeIntervalSince1970: TimeInterval(expiresMs) / 1000) }

  public func isExpired(at now: Date) -> Bool {
    expires <= now || expires > now.addingTimeInterval(Self.term + Self.clockSkewAllowed)
  }

  /// Whether `candidate` may take the lease that `current` describes: it is free, expired,
  /// already the candidate's, or held by `gone` (a holder known to have stopped).
  public static func mayTake(_ current: Lease?, by candidate: Lease, now: Date, gone: String?)
    -> Bool
  {
    guard let current else { return true }
    return current.holder == candidate.holder || current.isExpired(at: now)
      || (gone != nil && current.holder == gone)
  }

  /// One line for people: `relay alice@host1 (pid 42)`.
  public var description: String { "\(label) on \(host) (pid \(pid))" }
}
