import Foundation
import Testing
import WarroomCore
import WarroomTestSupport

/// The checklist asks after every event whether an update reached stakeholders and whether
/// people wrote in the log; both are read from counts kept as the fold goes. These tests
/// hold them, after every event, to the definitions: scan every delivery of every update,
/// and every entry of the log.
@Suite("Counts the fold keeps for the checklist")
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
      switch random.below(11) {
      case 0: event = .stakeholderUpdated(TextBody(text: "update at \(seq)"))
      case 1: event = .logged(LogAdded(kind: .note, text: "note \(seq)"))
      case 8:
        let roles: [Role] = [.lead, .communicator, .recorder]
        let role = roles[random.below(3)]
        event =
          random.below(3) == 0
          ? .roleReleased(RoleChange(role: role, person: "ann"))
          : .roleAssigned(RoleChange(role: role, person: "ann"))
      case 9:
        event = random.below(2) == 0 ? .mitigated() : .reopened(Reopened(reason: "relapse"))
      case 10: event = .detailsChanged(DetailsChanged(ticket: random.below(2) == 0 ? "" : "IM-7"))
      case 7:
        event = .alertReceived(
          AlertReceived(
            source: "alertmanager", group: "g\(random.below(3))", key: "k\(random.below(4))",
            name: "HighErrorRate", status: .firing))
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
      // Some entries are the deliverer's (a probe's findings), which are not people's.
      let actor = random.below(3) == 0 ? Lease.delivererActor : "ann"
      Reducer.apply(
        EventEnvelope(
          seq: seq, incident: id, at: start.addingTimeInterval(Double(seq)), actor: actor,
          event: event), to: &state)
      #expect(
        state.entriesByPeople == state.log.filter { $0.by != Lease.delivererActor }.count)
      for (index, step) in state.runbook.steps.enumerated() {
        guard let check = step.auto else { continue }
        #expect(
          (state.autoSteps[index] != nil) == AutoChecks.holds(check, in: state),
          "seed \(seed), step \(index + 1) (\(check)) after #\(seq)")
      }
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
