import Foundation
import Mustache
import WarroomCore

/// A routing rule (`[[intake.rule]]`): the first whose `match` fits an alert decides.
public struct IntakeRule: Sendable, Equatable {
  public enum Action: String, Sendable, CaseIterable {
    case declare, attach, ignore
  }

  /// Label → value, all of which must hold; `source` and `urgency` match the alert's
  /// source and PagerDuty urgency rather than labels.
  public var match: [String: String]
  public var action: Action
  /// The severity of an incident this rule declares.
  public var severity: Severity?
  /// The declared incident's title, a Mustache template over the alert (`{{name}}`,
  /// `{{labels.service}}`, `{{description}}`, `{{source}}`).
  public var title: String?

  public init(
    match: [String: String], action: Action, severity: Severity? = nil, title: String? = nil
  ) {
    self.match = match
    self.action = action
    self.severity = severity
    self.title = title
  }

  func fits(_ alert: Alert) -> Bool {
    match.allSatisfy { key, value in
      switch key {
      case "source": alert.source.rawValue == value
      case "urgency": alert.urgency == value
      default: alert.labels[key] == value
      }
    }
  }
}

/// What becomes of one alert.
public enum AlertRoute: Sendable, Equatable {
  /// Declare an incident with this severity and title (a firing alert only).
  case declare(Severity, title: String)
  /// A finding in the open incident, or an unrouted alert while none is open.
  case attach
  case ignore
}

public enum AlertRouting {
  /// The first rule that fits decides. Without one: a firing alert labelled `severity`
  /// `critical` (or a PagerDuty incident of high urgency) declares a P1; anything else
  /// attaches. A resolved alert never declares: it attaches, to tell the incident.
  public static func route(_ alert: Alert, rules: [IntakeRule]) -> AlertRoute {
    if let rule = rules.first(where: { $0.fits(alert) }) {
      switch rule.action {
      case .ignore: return .ignore
      case .attach: return .attach
      case .declare:
        guard alert.status == .firing else { return .attach }
        return .declare(rule.severity ?? .p1, title: title(of: alert, template: rule.title))
      }
    }
    let critical =
      alert.labels["severity"]?.lowercased() == "critical"
      || (alert.source == .pagerduty && alert.urgency == "high")
    guard critical, alert.status == .firing else { return .attach }
    return .declare(.p1, title: title(of: alert, template: nil))
  }

  /// The declared incident's title: the rule's template over the alert, else the alert's
  /// name and summary. Made one inert line, within the title's limit.
  public static func title(of alert: Alert, template: String?) -> String {
    var text = alert.description.map { "\(alert.name): \($0)" } ?? alert.name
    if let template, let parsed = MessageText.textTemplate(template) {
      let rendered = parsed.render(context(alert)).trimmingCharacters(in: .whitespacesAndNewlines)
      if !rendered.isEmpty { text = rendered }
    }
    return AlertIntake.line(text, 200)
  }

  /// Checks a rule's template when the config is read, so a typo is one line at start.
  public static func checkTemplate(_ template: String) -> String? {
    // Parsed here once, into the cache the sends use.
    if MessageText.textTemplate(template) != nil { return nil }
    do {
      _ = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + template)
      return nil
    } catch {
      return "the title template does not parse: \(error)"
    }
  }

  static func context(_ alert: Alert) -> [String: Any] {
    var values: [String: Any] = [
      "name": alert.name, "source": alert.source.rawValue, "status": alert.status.rawValue,
      "group": alert.group, "labels": alert.labels,
    ]
    if let description = alert.description { values["description"] = description }
    if let url = alert.url { values["url"] = url }
    if let urgency = alert.urgency { values["urgency"] = urgency }
    return values
  }
}
