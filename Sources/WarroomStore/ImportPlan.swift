/// How a copy of events lands in a store, decided once for every backend: in number
/// order whatever order they came in; an event already stored under its number must be
/// the same event, or the whole import is refused (a store is copied whole or not at
/// all); a new one must continue the numbers without a gap, since readers and the hash
/// chain count on a number for every event.
public struct ImportPlan: Equatable, Sendable {
  /// The events to insert, in number order, each the next number after the one before.
  public var additions: [StoredEvent] = []
  public var alreadyThere = 0

  /// `highest`: the store's highest number now. `stored`: the event a store holds under
  /// a number (asked only for numbers at or below `highest`).
  public static func make(
    _ events: [StoredEvent], highest: Int64, location: String,
    stored: (Int64) throws -> StoredEvent?
  ) throws -> ImportPlan {
    var plan = ImportPlan()
    var next = highest
    for event in events.sorted(by: { $0.seq < $1.seq }) {
      if event.seq <= highest {
        guard try stored(event.seq) == event else {
          throw StoreError.conflict(path: location, seq: event.seq)
        }
        plan.alreadyThere += 1
      } else if event.seq <= next {
        // Listed twice in the same import (sorted, so it is the addition just made): only
        // the very same event may repeat.
        guard plan.additions.last == event else {
          throw StoreError.conflict(path: location, seq: event.seq)
        }
        plan.alreadyThere += 1
      } else {
        guard event.seq == next + 1 else {
          throw StoreError.conflict(path: location, seq: event.seq)
        }
        plan.additions.append(event)
        next = event.seq
      }
    }
    return plan
  }

  public var result: ImportResult {
    ImportResult(added: additions.count, alreadyThere: alreadyThere)
  }
}
