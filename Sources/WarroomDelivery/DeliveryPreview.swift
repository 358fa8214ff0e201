import Foundation
import WarroomCore

/// What `warroom notify preview` prints: each request as it would go, secrets masked.
public enum DeliveryPreview {
  public static func describe(_ request: WireRequest, _ destination: Destination) -> String {
    let url =
      destination.urlIsSecret && request.url == destination.url
      ? "<the address in \(destination.name)'s url_env or url_file>" : request.url
    var lines = ["\(request.method) \(url)"]
    for (name, value) in request.headers {
      let shown =
        name.lowercased() == "authorization"
        ? (value.split(separator: " ").first.map { "\($0) ********" } ?? "********") : value
      lines.append("\(name): \(shown)")
    }
    lines.append("")
    if let object = try? JSONSerialization.jsonObject(with: request.body),
      let pretty = try? JSONSerialization.data(
        withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    {
      lines.append(String(decoding: pretty, as: UTF8.self))
    } else {
      lines.append(String(decoding: request.body, as: UTF8.self))
    }
    return lines.joined(separator: "\n")
  }

  /// What a `command` destination's program reads on stdin.
  public static func commandInput(_ content: MessageContent, _ destination: Destination) -> String {
    Transport.commandInput(
      content, text: MessageText.render(content, style: .plain, template: destination.template),
      to: destination.emailTo)
  }
}

extension DeliveryPreview {
  /// What each destination that takes `type` would show people if the message were sent
  /// now, as text (one block per destination, headed by its name): for the dashboard's
  /// deliberate confirmation, before anything leaves.
  public static func stakeholderTexts(
    type: MessageType, text: String?, state: IncidentState, by: String,
    destinations: [Destination], now: Date
  ) -> [String] {
    let status: IncidentStatus
    switch type {
    case .mitigated: status = .mitigated
    case .resolved: status = .resolved
    case .reopened, .declared: status = .investigating
    default: status = state.status
    }
    let message = OutgoingMessage(
      seq: state.lastSeq + 1, type: type, text: text, by: by, at: now, status: status)
    var lines: [String] = []
    for destination in destinations where destination.rule.wants(type, severity: state.severity) {
      let job = DeliveryJob(
        id: DeliveryID.make(
          incident: state.id, message: message.seq, destination: destination.name),
        destination: destination.name, message: message, attempt: 1)
      let content = MessageContent(job: job, state: state, now: now)
      let style = MessageText.styles(for: destination.kind).first ?? .plain
      lines.append("→ \(destination.name) (\(destination.kind.rawValue)):")
      let rendered = MessageText.render(content, style: style, template: destination.template)
      lines += rendered.split(separator: "\n", omittingEmptySubsequences: false).map {
        "    " + String($0)
      }
    }
    return lines
  }
}
