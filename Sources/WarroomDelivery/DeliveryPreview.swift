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
