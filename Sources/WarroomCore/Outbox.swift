import Foundation

/// Where a destination sends, as far as delivery rules care: which kinds of receiver can
/// recognise a repeated send.
public enum DestinationKind: String, Sendable, CaseIterable, Codable {
  case slackWebhook = "slack-webhook"
  case slack
  case teams
  case statuspage
  case webhook
  case command
  /// Tickets (`[[ticket]]`): the declaration creates one, later messages comment on it.
  case jira
  case github
  /// The war-room channel (`[[channel]]`): the declaration creates it, later messages set
  /// its topic.
  case slackChannel = "slack-channel"

  /// Whether sending this message again after an interrupted send is harmless: the
  /// webhook receiver deduplicates by delivery id; a Statuspage update names the incident
  /// it changes, as a channel's topic does (only their creation is not repeatable).
  /// Everything else would post, create or comment twice.
  public func resendsSafely(_ type: MessageType, hasParent: Bool) -> Bool {
    switch self {
    case .webhook: true
    case .statuspage, .slackChannel: type != .declared && hasParent
    case .slackWebhook, .slack, .teams, .command, .jira, .github: false
    }
  }

  /// What its first message makes, where it makes something people keep using: the
  /// incident's ticket, or its channel.
  public var creates: CreatedThing? {
    switch self {
    case .jira, .github: .ticket
    case .slackChannel: .channel
    default: nil
    }
  }
}

/// A ticket or a channel that a destination creates for the incident.
public enum CreatedThing: String, Sendable {
  case ticket, channel

  /// The incident's detail it fills, from the created thing's id as the peer answered
  /// (`OPS-42`; a GitHub issue's number; a Slack channel's `ID#name`).
  /// The remote comes from the store, where anyone who can write it may have planted a
  /// row: only the shapes the peers hand out are adopted.
  public func details(from remote: String, kind: DestinationKind) -> DetailsChanged? {
    func only(_ text: Substring, _ allowed: (Character) -> Bool) -> Bool {
      !text.isEmpty && text.count <= 80 && text.allSatisfy { $0.isASCII && allowed($0) }
    }
    switch (self, kind) {
    case (.ticket, .github):
      guard only(remote[...], \.isNumber) else { return nil }
      return DetailsChanged(ticket: "#" + remote)
    case (.ticket, _):
      let parts = remote.split(separator: "-", omittingEmptySubsequences: false)
      guard parts.count == 2, only(parts[0], { $0.isLetter || $0.isNumber || $0 == "_" }),
        only(parts[1], \.isNumber)
      else { return nil }
      return DetailsChanged(ticket: remote)
    case (.channel, _):
      guard only(SlackChannelID.id(in: remote)[...], { $0.isLetter || $0.isNumber }) else {
        return nil
      }
      guard let name = SlackChannelID.name(in: remote) else {
        return DetailsChanged(channel: SlackChannelID.id(in: remote))
      }
      guard only(name[...], { $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_" }) else {
        return nil
      }
      return DetailsChanged(channel: "#" + name)
    }
  }
}

/// A Slack channel as the channel destination records it: `ID#name`. The id is what
/// Slack's methods take (the topic, invitations); the name is what people type and read.
public enum SlackChannelID {
  public static func remote(id: String, name: String?) -> String {
    name.map { id + "#" + $0 } ?? id
  }
  public static func id(in remote: String) -> String {
    String(remote.split(separator: "#", maxSplits: 1).first ?? Substring(remote))
  }
  public static func name(in remote: String) -> String? {
    let parts = remote.split(separator: "#", maxSplits: 1)
    return parts.count == 2 ? String(parts[1]) : nil
  }
}

/// One configured destination, as the outbox sees it.
public struct DestinationRule: Sendable, Equatable {
  public var name: String
  public var kind: DestinationKind
  public var messages: Set<MessageType>
  /// Nil for every severity.
  public var severities: Set<Severity>?
  /// It posts in the incident's own channel (`incident_channel = true`): its messages wait
  /// for the incident to have one, up to `Outbox.channelWait`.
  public var waitsForChannel = false

  public init(
    name: String, kind: DestinationKind, messages: Set<MessageType>,
    severities: Set<Severity>? = nil, waitsForChannel: Bool = false
  ) {
    self.name = name
    self.kind = kind
    self.messages = messages
    self.severities = severities
    self.waitsForChannel = waitsForChannel
  }

  public func wants(_ type: MessageType, severity: Severity) -> Bool {
    messages.contains(type) && (severities?.contains(severity) ?? true)
  }
}

/// A send to make now.
public struct DeliveryJob: Sendable, Equatable {
  public var id: String
  public var destination: String
  public var message: OutgoingMessage
  /// One-based.
  public var attempt: Int

  public init(id: String, destination: String, message: OutgoingMessage, attempt: Int) {
    self.id = id
    self.destination = destination
    self.message = message
    self.attempt = attempt
  }

  /// The event recording that `deliverer` began this send.
  public func attempted(by deliverer: String) -> Event {
    .deliveryAttempted(
      DeliveryAttempted(
        delivery: id, destination: destination, message: message.seq, attempt: attempt,
        deliverer: deliverer))
  }
}

/// How a send went, as the transport saw it.
public enum SendOutcome: Sendable, Equatable {
  case delivered(status: Int?, remote: String?)
  /// `permanent`: the receiver refused it for good (a 4xx other than 408 and 429, a bad
  /// configuration); `retryAfter`: the receiver said when to try again.
  case failed(reason: String, permanent: Bool, retryAfter: TimeInterval?)
}

/// What the single deliverer does next, decided from the incident alone: the store is the
/// outbox. Pure: the clock and what the deliverer has in flight are passed in.
public enum Outbox {
  /// Messages older than this when first seen are not sent: a deliverer started on an old
  /// store must not replay the past to stakeholders.
  public static let sendsMessagesYoungerThan: TimeInterval = 3600
  /// How long a message for the incident's channel waits for the channel to exist (the
  /// relay creating it, or a person setting it) before it is tried anyway and fails with
  /// what to do.
  public static let channelWait: TimeInterval = 300

  public enum Action: Sendable, Equatable {
    case send(DeliveryJob)
    /// An attempt by a deliverer that stopped mid-send, to a receiver that cannot tell a
    /// repeat: record that it may have been sent, for a person to decide.
    case markUncertain(DeliveryFailed)
    /// The countdown fell due with nothing posted.
    case noteOverdue(UpdateOverdue)
  }

  public static func plan(
    _ state: IncidentState, destinations: [DestinationRule], now: Date, inFlight: Set<String>
  ) -> [Action] {
    guard state.isDeclared else { return [] }
    var actions: [Action] = []
    for destination in destinations {
      // One message at a time per destination, in order: a thread's parent and a status
      // page's incident exist before the messages that refer to them.
      for message in state.outgoing {
        // A correction goes wherever the mistaken message may have gone, whatever the
        // destination usually takes; a message taken back before it reached a destination
        // is cancelled there (never sent, never retried), and so is its correction.
        if let corrected = message.corrects {
          guard state.mayHaveReached(corrected, destination: destination.name) else { continue }
        } else {
          guard destination.wants(message.type, severity: state.severity) else { continue }
          if state.undone[message.seq] != nil,
            !state.mayHaveReached(message.seq, destination: destination.name)
          {
            continue
          }
        }
        let id = DeliveryID.make(
          incident: state.id, message: message.seq, destination: destination.name)
        if inFlight.contains(id) { break }
        let job = { (attempt: Int) in
          DeliveryJob(id: id, destination: destination.name, message: message, attempt: attempt)
        }
        guard let record = state.delivery(id) else {
          // In order: while the first waits for the channel, the rest wait behind it.
          if destination.waitsForChannel, state.channel == nil,
            now.timeIntervalSince(message.at) < channelWait
          {
            break
          }
          if now.timeIntervalSince(message.at) <= sendsMessagesYoungerThan {
            actions.append(.send(job(1)))
            break
          }
          continue
        }
        switch record.phase {
        case .delivered, .failed, .uncertain:
          continue
        case .sending:
          // Not in flight here, so its deliverer stopped mid-send (this one holds the lease).
          if destination.kind.resendsSafely(
            message.type, hasParent: state.parentRemote(of: destination.name) != nil)
          {
            actions.append(.send(job(record.attempts + 1)))
          } else {
            actions.append(
              .markUncertain(
                DeliveryFailed(
                  delivery: id, destination: destination.name, message: message.seq,
                  reason: destination.kind.creates.map {
                    "the \($0.rawValue) may have been created: its deliverer stopped mid-send"
                  } ?? "may have been sent: its deliverer stopped mid-send", uncertain: true)))
          }
        case .retrying(_, let retryAt):
          if now >= retryAt { actions.append(.send(job(record.attempts + 1))) }
        case .resendAsked:
          actions.append(.send(job(record.attempts + 1)))
        }
        break
      }
    }
    if destinations.contains(where: { $0.wants(.overdue, severity: state.severity) }),
      state.status != .resolved
    {
      let due = Countdown.dueDate(of: state)
      let dueMs = Int64(milliseconds: due)
      if now > due, !state.overdueNoted.contains(dueMs) {
        actions.append(.noteOverdue(UpdateOverdue(dueMs: dueMs)))
      }
    }
    return actions
  }

  /// The event recording how a send went.
  public static func record(
    _ outcome: SendOutcome, of job: DeliveryJob, firstAttemptAt: Date, now: Date, jitter: Double
  ) -> Event {
    switch outcome {
    case .delivered(let status, let remote):
      return .delivered(
        Delivered(
          delivery: job.id, destination: job.destination, message: job.message.seq,
          status: status, remote: remote))
    case .failed(let reason, let permanent, let retryAfter):
      var retryAt: Date? = nil
      var said = reason
      if !permanent {
        retryAt = RetryPolicy.next(
          after: job.attempt, firstAttemptAt: firstAttemptAt, now: now, retryAfter: retryAfter,
          jitter: jitter)
        if retryAt == nil {
          said += "; gave up after \(DurationText.short(Int(RetryPolicy.giveUpAfter)))"
        }
      }
      return .deliveryFailed(
        DeliveryFailed(
          delivery: job.id, destination: job.destination, message: job.message.seq, reason: said,
          retryAtMs: retryAt.map { Int64(milliseconds: $0) }))
    }
  }
}

/// When to try a failed send again: exponential backoff with jitter, from 1 s to 5 min,
/// honouring a receiver's `Retry-After`, and giving up an hour after the first attempt.
public enum RetryPolicy {
  public static let firstDelay: TimeInterval = 1
  public static let longestDelay: TimeInterval = 300
  public static let giveUpAfter: TimeInterval = 3600

  /// The pause after attempt `attempt` (one-based) failed; `jitter` in 0..<1 spreads it
  /// over the upper half of the backoff, so retries from many places do not align.
  public static func delay(after attempt: Int, jitter: Double) -> TimeInterval {
    let exponent = Double(min(max(attempt - 1, 0), 30))
    let backoff = min(longestDelay, firstDelay * pow(2, exponent))
    return max(firstDelay, backoff * (0.5 + 0.5 * min(max(jitter, 0), 1)))
  }

  /// When to try again, or nil to give up. A receiver's `Retry-After` is honoured up to
  /// the give-up time, where one last attempt is made: a receiver that asks for an hour
  /// (or for the year 9999) gets until then, not an instant surrender.
  public static func next(
    after attempt: Int, firstAttemptAt: Date, now: Date, retryAfter: TimeInterval?,
    jitter: Double
  ) -> Date? {
    let deadline = giveUpTime(firstAttemptAt: firstAttemptAt)
    guard now < deadline else { return nil }
    var wait = delay(after: attempt, jitter: jitter)
    if let retryAfter, retryAfter.isFinite { wait = max(wait, retryAfter) }
    return min(now.addingTimeInterval(wait), deadline)
  }

  /// The last moment a delivery is retried: an hour after its first attempt.
  public static func giveUpTime(firstAttemptAt: Date) -> Date {
    firstAttemptAt.addingTimeInterval(giveUpAfter)
  }
}

extension Int64 {
  /// Milliseconds since 1970, rounded as stores round them and clamped to what events may
  /// hold.
  public init(milliseconds date: Date) {
    let value = Int64(
      Int(seconds: date.timeIntervalSince1970 * 1000, rounding: .toNearestOrAwayFromZero))
    self = Swift.min(
      Swift.max(value, Limits.milliseconds.lowerBound), Limits.milliseconds.upperBound)
  }
}
