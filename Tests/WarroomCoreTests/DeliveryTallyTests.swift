import Foundation
import Testing
import WarroomCore
import WarroomTestSupport

/// The checklist's "an update reached stakeholders" is read from counts kept as the fold
/// goes; these tests hold it, after every event, to the definition: scan every delivery
/// of every update.
@Suite("Delivery tally")
struct DeliveryTallyTests {
  let start = Date(timeIntervalSince1970: 1_798_000_000)
  let id = IncidentID(number: 1)

  /// The definition, by brute force.
  static func reached(_ state: IncidentState) -> Bool {
    guard !state.updates.isEmpty else { return false }
    let posted = Set(state.updates.map(\.seq))
    let ofUpdates = state.deliveries.filter { posted.contains($0.message) }
    return ofUpdates.isEmpty || ofUpdates.contains(where: \.isDelivered)
  }

  @Test(arguments: 0..<60)
  func theTallyAgreesWithEveryDeliveryScannedAfterEveryEvent(seed: Int) {
    var random = SplitMix(UInt64(seed) &* 104_729 &+ 17)
    var state = IncidentState(id: id)
    var seq: Int64 = 1
    Reducer.apply(
      EventEnvelope(
        seq: seq, incident: id, at: start, actor: "ann",
        event: .declared(Declared(title: "Checkout down"))), to: &state)
    for _ in 0..<(40 + random.below(120)) {
      seq += 1
      // Deliveries name earlier messages mostly, sometimes one not folded yet (a row
      // planted by hand) or one that is not an update.
      let message = Int64(1 + random.below(Int(seq) + 6))
      let delivery = "d\(random.below(12))"
      let destination = random.below(2) == 0 ? "slack" : "hook"
      let event: Event
      switch random.below(7) {
      case 0: event = .stakeholderUpdated(TextBody(text: "update at \(seq)"))
      case 1: event = .logged(LogAdded(kind: .note, text: "note \(seq)"))
      case 2:
        event = .deliveryAttempted(
          DeliveryAttempted(
            delivery: delivery, destination: destination, message: message, attempt: 1,
            deliverer: "relay"))
      case 3:
        event = .delivered(
          Delivered(
            delivery: delivery, destination: destination, message: message, status: 200,
            remote: nil))
      case 4:
        event = .deliveryFailed(
          DeliveryFailed(
            delivery: delivery, destination: destination, message: message, reason: "503",
            retryAtMs: nil))
      case 5:
        event = .deliveryResend(
          DeliveryResend(delivery: delivery, destination: destination, message: message))
      default: event = .announced(TextBody(text: "we are down"))
      }
      Reducer.apply(
        EventEnvelope(
          seq: seq, incident: id, at: start.addingTimeInterval(Double(seq)), actor: "ann",
          event: event), to: &state)
      #expect(
        state.anUpdateReachedStakeholders == Self.reached(state),
        "seed \(seed), after #\(seq) \(event)")
      #expect(
        state.deliveries(of: message) == state.deliveries.filter { $0.message == message },
        "seed \(seed), deliveries of #\(message) after #\(seq)")
      for update in state.updates {
        let delivered = state.deliveries.filter { $0.message == update.seq && $0.isDelivered }
        let deliversUpdates = state.deliveries.contains { record in
          state.updates.contains { $0.seq == record.message }
        }
        #expect(state.reached(update) == (!deliversUpdates || !delivered.isEmpty))
      }
    }
  }
}
