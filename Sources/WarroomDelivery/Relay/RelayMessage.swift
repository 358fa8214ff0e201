import Foundation
import WarroomCore

/// Everything that reaches the relay's update function: the loop's turn, a stop, and the
/// answer to each effect.
public enum RelayMessage: Sendable {
  /// The loop woke (a change in the store, a finished send, a second passed): a turn.
  /// `jitter`, in [0, 1), spreads retry times (the update function draws no randomness).
  case turn(Date, jitter: Double)
  /// Stop: no new sends; those in flight are waited for until the deadline.
  case stop(deadline: Date)
  /// The lease as read, and the holder to treat as gone (its process on this host died).
  case leaseRead(Lease?, gone: String?)
  case leaseClaimed(Lease)
  case eventsRead([EventEnvelope])
  /// The head write landed (`refused` false) or the rules refused it (another relay got
  /// there first); the incident as the store left it either way.
  case recorded(IncidentState, refused: Bool)
  case headWitnessed(Int64)
  case sendFinished(FinishedSend)
  case probeRead(ProbeResult)
  /// Alerts the intake accepted, to be written; the sender waits for the answer.
  case alertsReceived(IntakeBatch)
  /// What alerts became (`id` nil for alerts that waited for an incident), and how many
  /// still wait.
  case alertsRecorded(id: Int?, IntakeRecorder.Outcome, waiting: Int)
  /// Alerts could not be written now; the sender is told to send them again.
  case alertsFailed(id: Int?, String)
  /// A step of the turn failed; why, in one line.
  case failed(RelayEffect.Step, String)
  /// The next phase of the turn (see `RelayEffect.next`).
  case next(RelayEffect.Phase)
}

/// Alerts from one request, and the number its waiting sender is answered under.
public struct IntakeBatch: Sendable {
  public var id: Int
  public var alerts: [Alert]

  public init(id: Int, alerts: [Alert]) {
    self.id = id
    self.alerts = alerts
  }
}

/// What the update function asks the loop to do. Each is answered by at most one message.
public enum RelayEffect: Sendable {
  public enum Step: Sendable { case lease, read, write, samples, witness }
  public enum Phase: Sendable { case recordFinished, read, endTurn, release }

  case readLease
  case claimLease(Lease, now: Date, gone: String?)
  case releaseLease(Lease)
  case readEvents(after: Int64)
  /// Writes the relay's own record through the rules, against `incident`.
  case record(Command, incident: IncidentState, at: Date)
  case send(DeliveryJob, IncidentID, MessageContent, Destination, parent: String?)
  case check(key: String, IncidentID, ProbeSpec)
  case keepSamples([ProbeSample])
  case witnessHead
  /// Writes alerts through the intake's rules (see `IntakeRecorder`).
  case recordAlerts(IntakeBatch)
  /// Alerts that waited for an incident join one that is open now.
  case attachWaitingAlerts
  /// Answers the sender of a batch.
  case answerIntake(id: Int, IntakeAnswer)
  case report(Deliverer.Report)
  /// Answered at once by `.next(phase)`: the turn goes on after what came before.
  case next(Phase)
  /// Stop the workers; the loop ends.
  case finish
}
