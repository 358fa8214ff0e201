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

  /// The largest template file. swift-mustache's parser measures string distances from
  /// the start as it goes (`Parser.read(count:)`), so its time grows with the square of
  /// the template's size (measured: 250 KB took 9.5 s a parse, 32 KB 0.15 s); a message
  /// template is a few hundred bytes, and this bound keeps the worst case short.
  static let templateLimit = 32 << 10

  /// The styles a kind renders its text in.
  static func styles(for kind: DestinationKind) -> [Style] {
    switch kind {
    case .slack, .slackWebhook: [.slack]
    case .statuspage: [.statusPage]
    case .teams, .webhook, .command, .jira, .github, .slackChannel: [.plain]
    }
  }

  /// Parses a destination's template as each of its styles will render it (filling the
  /// cache), or says why it is not valid Mustache.
  static func prepare(template: String, for kind: DestinationKind) throws {
    for style in styles(for: kind) {
      let source = self.source(style: style, template: template)
      if parsed(source) == nil { _ = try MustacheTemplate(string: source) }
    }
  }

  static func source(style: Style, template custom: String?) -> String {
    let contentType = style == .slack ? "WARROOM_SLACK" : "TEXT"
    registerContentTypes
    return "{{% CONTENT_TYPE: \(contentType)}}" + (custom ?? builtIn(style))
  }

  static func render(_ content: MessageContent, style: Style, template custom: String?) -> String {
    let source = source(style: style, template: custom)
    // Built-in templates are tested; a custom one was checked when the config was read.
    guard let template = parsed(source) else { return content.subject }
    let text = template.render(context(content, style: style))
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// A plain-text template (an alert's title, a channel's name), parsed once per process.
  static func textTemplate(_ template: String) -> MustacheTemplate? {
    parsed("{{% CONTENT_TYPE: TEXT}}" + template)
  }

  /// Each template is parsed once per process, not once per message.
  static func parsed(_ source: String) -> MustacheTemplate? {
    if let known = cache.withLock({ $0[source] }) { return known }
    guard let template = try? MustacheTemplate(string: source) else { return nil }
    cache.withLock { $0[source] = template }
    return template
  }

  private static let cache = Locked<[String: MustacheTemplate]>([:])

  /// The values a template may use (documented in the README). For Slack every string is
  /// escaped here, before any template sees it, so `{{{text}}}` and `{{&text}}` (which
  /// skip Mustache's own escaping) cannot let `<!channel>` or a hidden link through.
  static func context(_ content: MessageContent, style: Style = .plain) -> [String: Any] {
    let values = plainContext(content)
    guard style == .slack else { return values }
    return values.mapValues { value in
      (value as? String).map { SlackText.escape($0) as Any } ?? value
    }
  }

  static func plainContext(_ content: MessageContent) -> [String: Any] {
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
    values["impactLabel"] = content.impactLabel
    values["notification"] = content.notification
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
      *{{impactLabel}}:* {{impact}}{{/impact}}{{#nextUpdate}}
      *Next update:* by {{nextUpdate}}{{/nextUpdate}}
      """
    case .plain:
      """
      {{incident}} · {{severity}} · {{colourUpper}} · {{title}}
      {{headline}}{{#text}}: {{text}}{{/text}}{{#impact}}
      {{impactLabel}}: {{impact}}{{/impact}}{{#nextUpdate}}
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
/// as Slack documents, once, in the context (see `MessageText.context`); the content type
/// only stops Mustache from escaping them again as HTML.
struct SlackText: MustacheContentType {
  func escapeText(_ text: String) -> String { text }

  static func escape(_ text: String) -> String {
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
