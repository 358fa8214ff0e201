import Foundation

/// The event vocabulary: every kind a store holds, by the name it is stored under. One
/// table: `Event.parts` names each case's kind, `decode` rebuilds each kind's case, the
/// compiler holds both exhaustive, and the round-trip test walks `allCases`. A new kind
/// is a case here, a case of `Event`, and a line in each of those two switches.
public enum EventKind: String, CaseIterable, Sendable {
  case declared
  case detailsChanged = "details-changed"
  case stepCompleted = "step-completed"
  case stepUndone = "step-undone"
  case roleAssigned = "role-assigned"
  case roleReleased = "role-released"
  case experimentProposed = "experiment-proposed"
  case experimentStarted = "experiment-started"
  case experimentConcluded = "experiment-concluded"
  case experimentAbandoned = "experiment-abandoned"
  case logged
  case logEdited = "log-edited"
  case logStruck = "log-struck"
  case stakeholderUpdated = "stakeholder-updated"
  case announced
  case updateOverdue = "update-overdue"
  case deliveryAttempted = "delivery-attempted"
  case delivered
  case deliveryFailed = "delivery-failed"
  case deliveryResend = "delivery-resend"
  case cadenceChanged = "cadence-changed"
  case probeAdded = "probe-added"
  case probeRemoved = "probe-removed"
  case probePaused = "probe-paused"
  case probeResumed = "probe-resumed"
  case probeChanged = "probe-changed"
  case recoveryProven = "recovery-proven"
  case whyAdded = "why-added"
  case followupAdded = "followup-added"
  case followupDone = "followup-done"
  case mitigated
  case customerVerified = "customer-verified"
  case resolved
  case reopened
  case undone
  case alertReceived = "alert-received"

  /// The event of this kind from its stored payload; throws when the payload does not
  /// decode as this kind's.
  func decode(_ json: String, with decoder: JSONDecoder) throws -> Event {
    func payload<T: Decodable>(_ type: T.Type) throws -> T {
      try decoder.decode(type, from: Data(json.utf8))
    }
    return switch self {
    case .declared: .declared(try payload(Declared.self))
    case .detailsChanged: .detailsChanged(try payload(DetailsChanged.self))
    case .stepCompleted: .stepCompleted(try payload(StepRef.self))
    case .stepUndone: .stepUndone(try payload(StepRef.self))
    case .roleAssigned: .roleAssigned(try payload(RoleChange.self))
    case .roleReleased: .roleReleased(try payload(RoleChange.self))
    case .experimentProposed: .experimentProposed(try payload(ExperimentProposed.self))
    case .experimentStarted: .experimentStarted(try payload(ExperimentRef.self))
    case .experimentConcluded: .experimentConcluded(try payload(ExperimentConcluded.self))
    case .experimentAbandoned: .experimentAbandoned(try payload(ExperimentRef.self))
    case .logged: .logged(try LogPayloadReader.read(json) ?? payload(LogAdded.self))
    case .logEdited: .logEdited(try payload(LogEdited.self))
    case .logStruck: .logStruck(try payload(LogStruck.self))
    case .stakeholderUpdated: .stakeholderUpdated(try payload(TextBody.self))
    case .announced: .announced(try payload(TextBody.self))
    case .updateOverdue: .updateOverdue(try payload(UpdateOverdue.self))
    case .deliveryAttempted: .deliveryAttempted(try payload(DeliveryAttempted.self))
    case .delivered: .delivered(try payload(Delivered.self))
    case .deliveryFailed: .deliveryFailed(try payload(DeliveryFailed.self))
    case .deliveryResend: .deliveryResend(try payload(DeliveryResend.self))
    case .cadenceChanged: .cadenceChanged(try payload(CadenceChanged.self))
    case .probeAdded: .probeAdded(try payload(ProbeSpec.self))
    case .probeRemoved: .probeRemoved(try payload(ProbeRef.self))
    case .probePaused: .probePaused(try payload(ProbeRef.self))
    case .probeResumed: .probeResumed(try payload(ProbeRef.self))
    case .probeChanged: .probeChanged(try payload(ProbeChanged.self))
    case .recoveryProven: .recoveryProven(try payload(RecoveryProven.self))
    case .whyAdded: .whyAdded(try payload(WhyAdded.self))
    case .followupAdded: .followupAdded(try payload(FollowupAdded.self))
    case .followupDone: .followupDone(try payload(FollowupRef.self))
    // Early stores wrote `mitigated` with no payload at all.
    case .mitigated: .mitigated((try? payload(Mitigated.self)) ?? Mitigated())
    case .customerVerified: .customerVerified(try payload(TextBody.self))
    case .resolved: .resolved(try payload(Resolved.self))
    case .reopened: .reopened(try payload(Reopened.self))
    case .undone: .undone(try payload(UndoRef.self))
    case .alertReceived: .alertReceived(try payload(AlertReceived.self))
    }
  }
}
