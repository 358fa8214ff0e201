import Foundation

/// The messages stakeholders hear about, as a destination subscribes to them.
public enum MessageType: String, Sendable, CaseIterable, Codable {
  case declared
  case announce
  case update
  case mitigated
  case resolved
  case reopened
  /// The update countdown fell due with nothing posted: a nudge for the communicator.
  case overdue
}

extension Event {
  /// The message this event sends to stakeholders, if it is one.
  public var messageType: MessageType? {
    switch self {
    case .declared: .declared
    case .announced: .announce
    case .stakeholderUpdated: .update
    case .mitigated: .mitigated
    case .resolved: .resolved
    case .reopened: .reopened
    case .updateOverdue: .overdue
    default: nil
    }
  }

  /// Written by the deliverer about deliveries: bookkeeping, kept out of the timeline
  /// and out of reach of `undo`.
  public var isDeliveryRecord: Bool {
    switch self {
    case .deliveryAttempted, .delivered, .deliveryFailed, .deliveryResend: true
    default: false
    }
  }
}

// MARK: - Payloads

/// A deliverer began sending a message to a destination.
public struct DeliveryAttempted: Codable, Sendable, Equatable {
  public var delivery: String
  public var destination: String
  /// The event (sequence number) whose message is being sent.
  public var message: Int64
  /// One-based.
  public var attempt: Int
  /// Which deliverer (its lease holder id) made the attempt.
  public var deliverer: String

  public init(
    delivery: String, destination: String, message: Int64, attempt: Int, deliverer: String
  ) {
    self.delivery = delivery
    self.destination = destination
    self.message = message
    self.attempt = attempt
    self.deliverer = deliverer
  }
}

/// The destination took the message.
public struct Delivered: Codable, Sendable, Equatable {
  public var delivery: String
  public var destination: String
  public var message: Int64
  /// The HTTP status, or a command's exit status.
  public var status: Int?
  /// The receiver's own id for what it made (a Slack message's `ts`, a Statuspage
  /// incident's id), which later messages refer to.
  public var remote: String?

  /// True when a person said it arrived (`notify confirm`): a send that may have been
  /// made, settled by someone who saw it at the other end.
  public var confirmed: Bool?

  public init(
    delivery: String, destination: String, message: Int64, status: Int?, remote: String?,
    confirmed: Bool? = nil
  ) {
    self.delivery = delivery
    self.destination = destination
    self.message = message
    self.status = status
    self.remote = remote
    self.confirmed = confirmed
  }
}

/// A send failed, or was interrupted so that nobody knows whether it arrived.
public struct DeliveryFailed: Codable, Sendable, Equatable {
  public var delivery: String
  public var destination: String
  public var message: Int64
  public var reason: String
  /// When the deliverer tries again; nil when it will not (a permanent refusal, an hour
  /// of failures, or an interrupted send): a person may ask for a resend.
  public var retryAtMs: Int64?
  /// True when the send was interrupted (its deliverer stopped mid-send) and the receiver
  /// cannot tell a repeat: it may have been sent.
  public var uncertain: Bool?

  public init(
    delivery: String, destination: String, message: Int64, reason: String,
    retryAtMs: Int64? = nil, uncertain: Bool? = nil
  ) {
    self.delivery = delivery
    self.destination = destination
    self.message = message
    self.reason = reason
    self.retryAtMs = retryAtMs
    self.uncertain = uncertain
  }
}

/// A person asked to send a failed (or possibly sent) message again.
public struct DeliveryResend: Codable, Sendable, Equatable {
  public var delivery: String
  public var destination: String
  public var message: Int64

  public init(delivery: String, destination: String, message: Int64) {
    self.delivery = delivery
    self.destination = destination
    self.message = message
  }
}

/// The update countdown fell due (at `dueMs`) with no update posted.
public struct UpdateOverdue: Codable, Sendable, Equatable {
  public var dueMs: Int64
  public init(dueMs: Int64) { self.dueMs = dueMs }
}

// MARK: - Folded

/// A message for stakeholders, as recorded: what the deliverer sends.
public struct OutgoingMessage: Sendable, Equatable {
  public var seq: Int64
  public var type: MessageType
  /// What a person wrote (the update, the announcement, a reason); nil for bare events.
  public var text: String?
  public var by: String
  public var at: Date
  /// The incident's status colour right after this message.
  public var status: IncidentStatus
  /// A correction of the message recorded by this event, sent only where that one went.
  public var corrects: Int64?

  public init(
    seq: Int64, type: MessageType, text: String?, by: String, at: Date, status: IncidentStatus,
    corrects: Int64? = nil
  ) {
    self.seq = seq
    self.type = type
    self.text = text
    self.by = by
    self.at = at
    self.status = status
    self.corrects = corrects
  }
}

/// One message on its way to one destination, as the delivery events tell it.
public struct DeliveryRecord: Sendable, Equatable {
  public var id: String
  public var destination: String
  public var message: Int64
  public var attempts = 0
  public var firstAttemptAt: Date?
  public var phase: Phase
  /// When it last changed.
  public var at: Date
  /// Who said it arrived, when a person settled it (`notify confirm`).
  public var confirmedBy: String?

  public enum Phase: Sendable, Equatable {
    case sending(deliverer: String)
    case delivered(status: Int?, remote: String?)
    case retrying(reason: String, retryAt: Date)
    /// Given up: refused for good, or failing for an hour. A person may resend.
    case failed(reason: String)
    /// Interrupted mid-send where the receiver cannot tell a repeat.
    case uncertain(reason: String)
    case resendAsked(by: String)
  }

  public var isDelivered: Bool {
    if case .delivered = phase { return true }
    return false
  }

  /// Delivered, being sent, or may have been sent: it may be at the other end.
  public var mayHaveArrived: Bool {
    switch phase {
    case .delivered, .sending, .uncertain: true
    case .retrying, .failed, .resendAsked: false
    }
  }

  /// Failed for good or may have been sent: waits for a person.
  public var needsPerson: Bool {
    switch phase {
    case .failed, .uncertain: true
    default: false
    }
  }
}

/// Names a delivery: the same on every attempt and in every process, so that a receiver
/// can recognise a repeat and every terminal agrees which delivery an event is about.
public enum DeliveryID {
  public static func make(incident: IncidentID, message: Int64, destination: String) -> String {
    "\(incident)-\(message)-\(destination)"
  }
}

extension IncidentState {
  /// Whether the message recorded by event `seq` may have reached `destination`: it was
  /// delivered, is being sent, or may have been sent. A message that failed, waits for a
  /// retry or was never tried has reached nobody there.
  public func mayHaveReached(_ seq: Int64, destination: String) -> Bool {
    delivery(DeliveryID.make(incident: id, message: seq, destination: destination))?
      .mayHaveArrived ?? false
  }

  /// Whether the message recorded by event `seq` may have reached anyone.
  public func mayHaveReachedAnyone(_ seq: Int64) -> Bool {
    deliveries(of: seq).contains(where: \.mayHaveArrived)
  }

  /// The delivery of one message to one destination, if any attempt was made.
  public func delivery(_ id: String) -> DeliveryRecord? {
    deliveryIndex[id].map { deliveries[$0] }
  }

  /// Deliveries of the message recorded by event `seq`, in the order first attempted.
  public func deliveries(of seq: Int64) -> [DeliveryRecord] {
    deliveryTally.positions(of: seq).map { deliveries[$0] }
  }

  /// Messages with a delivery that failed, waits for a person, or waits past its first
  /// retry: what the header warns about.
  public var undeliveredCount: Int {
    var messages: Set<Int64> = []
    // A message taken back before it arrived is cancelled, not undelivered.
    for record in deliveries where undone[record.message] == nil {
      switch record.phase {
      case .failed, .uncertain: messages.insert(record.message)
      case .retrying(_, let retryAt)
      where record.attempts >= 2 || retryAt.timeIntervalSince(record.at) > RetryPolicy.longestDelay:
        // Failing twice, or told to wait longer than backoff ever would: people must know.
        messages.insert(record.message)
      default: break
      }
    }
    return messages.count
  }

  /// The receiver's id for the first message delivered to `destination` (the Slack
  /// parent message, the Statuspage incident), which later messages refer to.
  public func parentRemote(of destination: String) -> String? {
    for record in deliveries where record.destination == destination {
      if case .delivered(_, let remote?) = record.phase { return remote }
    }
    return nil
  }
}

extension Event {
  /// What a person wrote that the message carries; called with the state after the event.
  func messageText(in state: IncidentState) -> String? {
    switch self {
    case .announced(let body), .stakeholderUpdated(let body): body.text
    case .mitigated(let m): m.reason
    case .resolved(let r): r.forcedReason
    case .reopened(let r): r.reason
    default: nil
    }
  }
}

extension IncidentState {
  /// When stakeholders first had the update: its earliest delivery, or nil when it was
  /// never delivered anywhere (or no destination was configured).
  public func firstDelivered(_ update: StakeholderUpdate) -> Date? {
    deliveries(of: update.seq).filter(\.isDelivered).map(\.at).min()
  }

  /// Whether anything in this incident delivers stakeholder updates, as far as the record
  /// shows (the core never sees a config): some update has a delivery.
  public var deliversUpdates: Bool { deliveryTally.updates.records > 0 }

  /// Whether stakeholders have the update: delivered somewhere, or nothing in this
  /// incident delivers updates. One posted while no deliverer runs has reached nobody.
  public func reached(_ update: StakeholderUpdate) -> Bool {
    !deliversUpdates || firstDelivered(update) != nil
  }

  /// Whether any update reached stakeholders (`reached` for one of them): delivered
  /// somewhere, or nothing in this incident delivers updates. The checklist asks this
  /// after every event, so it is read from `deliveryTally` rather than the deliveries.
  public var anUpdateReachedStakeholders: Bool {
    !updates.isEmpty && (!deliversUpdates || deliveryTally.updates.delivered > 0)
  }

  /// Whether the event numbered `seq` posted a stakeholder update (`updates` is in
  /// number order: the fold appends them as it meets them).
  func isStakeholderUpdate(_ seq: Int64) -> Bool {
    var low = 0
    var high = updates.count
    while low < high {
      let middle = (low + high) / 2
      if updates[middle].seq < seq { low = middle + 1 } else { high = middle }
    }
    return low < updates.count && updates[low].seq == seq
  }

  /// On time as stakeholders saw it: posted before it was due and, where updates are
  /// delivered, delivered before it was due too.
  public func reachedOnTime(_ update: StakeholderUpdate) -> Bool {
    guard update.onTime else { return false }
    if !deliversUpdates { return true }
    guard let delivered = firstDelivered(update) else { return false }
    return delivered <= update.due
  }
}

/// How many delivery records each message has and how many of them are delivered, and
/// the same summed over stakeholder updates, kept as the fold meets deliveries and
/// updates. Scanning every delivery after every event made folding a day-long incident
/// quadratic: 6 s for 100k events with updates delivered to two destinations.
public struct DeliveryTally: Sendable, Equatable {
  public struct Counts: Sendable, Equatable {
    public var records = 0
    public var delivered = 0
  }

  /// By message number: where its deliveries are in `IncidentState.deliveries`, and how
  /// many of them are delivered. A delivery can name a message before it is folded (a row
  /// planted by hand), so every message is kept, to be summed in when it is.
  var positionsByMessage: [Int64: [Int]] = [:]
  var deliveredByMessage: [Int64: Int] = [:]
  /// Summed over the messages that are stakeholder updates.
  public internal(set) var updates = Counts()

  public init() {}

  /// Where the deliveries of `message` are in `IncidentState.deliveries`.
  public func positions(of message: Int64) -> [Int] { positionsByMessage[message] ?? [] }

  /// A delivery record of `message` was added at `position`.
  mutating func added(message: Int64, at position: Int, isUpdate: Bool, isDelivered: Bool) {
    positionsByMessage[message, default: []].append(position)
    if isUpdate { updates.records += 1 }
    changed(message: message, isUpdate: isUpdate, wasDelivered: false, isDelivered: isDelivered)
  }

  /// A delivery record of `message` went from `wasDelivered` to `isDelivered`.
  mutating func changed(message: Int64, isUpdate: Bool, wasDelivered: Bool, isDelivered: Bool) {
    let change = (isDelivered ? 1 : 0) - (wasDelivered ? 1 : 0)
    guard change != 0 else { return }
    deliveredByMessage[message, default: 0] += change
    if isUpdate { updates.delivered += change }
  }

  /// The event numbered `seq` posted an update: deliveries already naming it count.
  mutating func updatePosted(_ seq: Int64) {
    updates.records += positions(of: seq).count
    updates.delivered += deliveredByMessage[seq] ?? 0
  }
}
