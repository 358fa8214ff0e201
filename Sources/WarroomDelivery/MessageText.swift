import Foundation
import Mustache
import WarroomCore

/// The words of a message, from a Mustache template: a built-in one per style, or the
/// destination's own file. Values are escaped for where the text goes (Slack's mrkdwn
/// must not let `<!channel>` or a link through), so a template never has to.
enum MessageText {
  enum Style {
    /// Slack's mrkdwn.
    case slack
    /// Plain text: e-mail, Teams, commands, the webhook's summary.
    case plain
    /// The public status page: no internal names, no incident number.
    case statusPage
  }

  static func render(_ content: MessageContent, style: Style, template custom: String?) -> String {
    let contentType = style == .slack ? "WARROOM_SLACK" : "TEXT"
    registerContentTypes
    let source = "{{% CONTENT_TYPE: \(contentType)}}" + (custom ?? builtIn(style))
    // Built-in templates are tested; a custom one was parsed when the config was read.
    guard let template = try? MustacheTemplate(string: source) else { return content.subject }
    let text = template.render(context(content))
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The values a template may use (documented in the README).
  static func context(_ content: MessageContent) -> [String: Any] {
    var values: [String: Any] = [
      "delivery": content.delivery, "incident": content.incident, "title": content.title,
      "severity": content.severity, "status": content.status.rawValue, "colour": content.colour,
      "colourUpper": content.colour.uppercased(), "icon": content.icon,
      "headline": content.headline, "type": content.type.rawValue, "by": content.by,
      "at": UTCTime.iso8601(content.at), "time": UTCTime.hourMinute(content.at) + " UTC",
      "subject": content.subject,
    ]
    if let text = content.text, !text.isEmpty { values["text"] = text }
    if let impact = content.impact, !impact.isEmpty { values["impact"] = impact }
    if let ticket = content.ticket, !ticket.isEmpty { values["ticket"] = ticket }
    if let channel = content.channel, !channel.isEmpty { values["channel"] = channel }
    if let next = content.nextUpdateText { values["nextUpdate"] = next }
    if content.isTest { values["test"] = true }
    return values
  }

  static func builtIn(_ style: Style) -> String {
    switch style {
    case .slack:
      """
      {{icon}} *{{incident}} · {{severity}} · {{colourUpper}}* · {{title}}
      *{{headline}}*{{#text}}
      {{text}}{{/text}}{{#impact}}
      *Impact:* {{impact}}{{/impact}}{{#nextUpdate}}
      *Next update:* by {{nextUpdate}}{{/nextUpdate}}
      """
    case .plain:
      """
      {{incident}} · {{severity}} · {{colourUpper}} · {{title}}
      {{headline}}{{#text}}: {{text}}{{/text}}{{#impact}}
      Impact: {{impact}}{{/impact}}{{#nextUpdate}}
      Next update by {{nextUpdate}}.{{/nextUpdate}}
      """
    case .statusPage:
      """
      {{#text}}{{text}}{{/text}}{{^text}}{{headline}}.{{/text}}{{#nextUpdate}} Next update by {{nextUpdate}}.{{/nextUpdate}}
      """
    }
  }

  /// Registered once, before the first template is parsed.
  private static let registerContentTypes: Void = {
    MustacheContentTypes.register(SlackText(), named: "WARROOM_SLACK")
  }()
}

/// Slack's mrkdwn reads `&`, `<` and `>` as markup (mentions, links): values are escaped
/// as Slack documents.
struct SlackText: MustacheContentType {
  func escapeText(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      default: out.append(character)
      }
    }
    return out
  }
}
