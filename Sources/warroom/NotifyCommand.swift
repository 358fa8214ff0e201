import ArgumentParser
import Foundation
import WarroomCore
import WarroomDelivery
import WarroomStore

/// `warroom notify`: look at and test what reaches stakeholders.
struct NotifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notify", abstract: "Test, preview and follow stakeholder deliveries.",
    subcommands: [Test.self, Preview.self, DeliveryStatus.self, Resend.self, Confirm.self])

  struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "test",
      abstract: "Send a test message to one destination now and say how it went.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ConfigOption
    @Argument(help: "The destination's name in the config.") var destination: String

    func run() throws {
      let config = try options.require()
      guard let target = config.destination(named: destination) else {
        let names = config.destinations.map(\.name).joined(separator: ", ")
        throw Failure(
          message: "no destination \"\(destination)\" in \(config.path)"
            + (names.isEmpty ? "" : " (it has \(names))"), code: 64)
      }
      var content = sampleContent(global: global, type: .update, text: "This is a test message.")
      content.isTest = true
      content.delivery = "test-\(UUID().uuidString.lowercased())"
      let message = content
      let (outcome, checked) = Blocking.await {
        let transport = Transport(destinations: [target])
        // A ticket or channel is checked, never created: a test opens nothing real.
        let checked = await transport.check(target)
        let outcome: SendOutcome
        if let checked {
          outcome = checked
        } else {
          outcome = await transport.send(message, to: target, parent: nil, now: Date())
        }
        await transport.shutdown()
        return (outcome, checked != nil)
      }
      switch outcome {
      case .delivered(let status, _) where checked:
        let what = target.kind.creates?.rawValue ?? "message"
        try Output.data(
          "✓ \(target.name): reachable and the credentials work" + (status.map { " (\($0))" } ?? "")
            + "; no \(what) was created")
      case .delivered(let status, _):
        try Output.data("✓ \(target.name): delivered" + (status.map { " (\($0))" } ?? ""))
      case .failed(let reason, _, _):
        throw Failure(message: "\(target.name): not delivered: \(reason)")
      }
    }
  }

  struct Preview: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "preview",
      abstract: "Print what each destination would receive for a message; sends nothing.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ConfigOption
    @Argument(help: "declared, announce, update, mitigated, resolved, reopened or overdue.")
    var type: String
    @Argument(help: "The text of the message.") var text: String?

    func run() throws {
      guard let messageType = MessageType(rawValue: type) else {
        let known = MessageType.allCases.map(\.rawValue).joined(separator: ", ")
        throw ValidationError("'\(type)' is not a message type; use one of \(known)")
      }
      let config = try options.require()
      let content = sampleContent(global: global, type: messageType, text: text)
      let chosen = config.destinations.filter { $0.messages.contains(messageType) }
      if chosen.isEmpty {
        try Output.data("no destination receives \(messageType.rawValue) messages")
        return
      }
      for destination in chosen {
        try Output.data("── \(destination.name) (\(destination.kind.rawValue)) ──")
        if let problem = destination.problem { try Output.data("(cannot send: \(problem))") }
        try Output.data(Preview.describe(content, destination))
      }
    }

    static func describe(_ content: MessageContent, _ destination: Destination) -> String {
      if destination.kind == .command {
        return "$ \(destination.command ?? "")\n"
          + DeliveryPreview.commandInput(content, destination)
      }
      let requests = WireFormat.requests(
        for: content, to: destination, parent: nil, now: Date())
      return requests.map { DeliveryPreview.describe($0, destination) }.joined(separator: "\n")
    }
  }

  struct DeliveryStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "status", abstract: "List every delivery of the incident, and the deliverer.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
      let store = try global.openStore()
      let state = try global.resolveIncident(in: store, orNewest: true)
      let now = Date()
      let lease = try store.lease(named: Lease.deliverer)
      let running: String? = lease.flatMap { $0.isExpired(at: now) ? nil : $0.holder }
      if let lease, !lease.isExpired(at: now) {
        try Output.data("deliverer: \(lease.description)")
      } else {
        try Output.data(
          "deliverer: none running (start `warroom relay`, or a dashboard with a config)")
      }
      if state.outgoing.isEmpty {
        try Output.data("\(state.id) has no messages for stakeholders yet")
        return
      }
      for message in state.outgoing {
        let text = message.text.map { ": \($0)" } ?? ""
        try Output.data(
          "#\(message.seq) \(message.type.rawValue) \(UTCTime.time(message.at)) \(message.by)\(text)"
        )
        let deliveries = state.deliveries(of: message.seq)
        if deliveries.isEmpty { try Output.data("  · not sent") }
        for record in deliveries {
          try Output.data("  " + DeliveryText.line(record, now: now, running: .some(running)))
        }
      }
    }
  }

  struct Resend: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "resend",
      abstract: "Send a failed (or possibly sent) delivery again.",
      discussion: "Delivery ids are listed by `warroom notify status`.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The delivery's id, such as INC-3-17-stakeholders.") var delivery: String
    func command() throws -> Command { .resendDelivery(delivery) }

    func run() throws {
      // Whether a deliverer runs decides if a send still marked "sending" can be going on.
      let store = try global.openStore()
      let now = Date()
      let live = try store.lease(named: Lease.deliverer).flatMap {
        $0.isExpired(at: now) ? nil : $0.holder
      }
      try global.perform(.resendDelivery(delivery, liveDeliverer: live))
      if live == nil {
        Output.warn("no deliverer is running: start warroom relay to send it")
      }
    }
  }
}

extension NotifyCommand {
  struct Confirm: IncidentCommand {
    static let configuration = CommandConfiguration(
      commandName: "confirm",
      abstract: "Settle a delivery that may have been sent: it arrived (you saw it there).",
      discussion: """
        For a delivery marked "may have been sent" (its deliverer stopped mid-send) or \
        given up: records who saw it arrive, and when. If it did not arrive, use resend.
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The delivery's id, such as INC-3-17-stakeholders.") var delivery: String
    func command() throws -> Command { .confirmDelivery(delivery) }
  }
}

/// A message for previews and tests: the current incident's, else a made-up one.
private func sampleContent(global: GlobalOptions, type: MessageType, text: String?)
  -> MessageContent
{
  var state: IncidentState
  if let store = try? global.openStore(),
    let current = try? global.resolveIncident(in: store, orNewest: true)
  {
    state = current
  } else {
    state = IncidentState(id: IncidentID(number: 0))
    state.isDeclared = true
    state.title = "Example: checkout fails for some customers"
    state.impact = "About 5% of checkouts fail"
    // Declared now, so its countdown and times are today's, never 1970's.
    state.declaredAt = Date()
  }
  let message = OutgoingMessage(
    seq: state.lastSeq + 1, type: type, text: text, by: global.who, at: Date(),
    status: state.status)
  let job = DeliveryJob(
    id: DeliveryID.make(incident: state.id, message: message.seq, destination: "preview"),
    destination: "preview", message: message, attempt: 1)
  return MessageContent(job: job, state: state, now: Date())
}

/// Runs async work from a synchronous command.
enum Blocking {
  static func await<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
      box.value = await work()
      done.signal()
    }
    done.wait()
    return box.value!
  }

  private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
  }
}
