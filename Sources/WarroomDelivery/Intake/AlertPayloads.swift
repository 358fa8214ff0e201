import Foundation
import WarroomCore

/// The bodies each sender posts, read into `Alert`s. Each reader takes the documented
/// shape and nothing looser: a body that is not it is refused with one line saying what
/// is missing, never half-read.
public enum AlertPayloads {
  /// Bodies larger than this are refused whole (413).
  public static let largestBody = 1 << 20

  public static func read(_ source: Alert.Source, body: Data) throws(IntakeRefusal) -> [Alert] {
    guard body.count <= largestBody else {
      throw IntakeRefusal(413, "body larger than 1 MiB")
    }
    switch source {
    case .alertmanager: return try alertmanager(body)
    case .grafana: return try grafana(body)
    case .pagerduty: return try pagerDuty(body)
    case .generic: return try generic(body)
    }
  }

  // MARK: - Alertmanager (webhook version 4) and Grafana (webhook contact point)

  private struct GroupedAlerts: Decodable {
    struct One: Decodable {
      var status: String
      var labels: [String: String]
      var annotations: [String: String]?
      var startsAt: String?
      var endsAt: String?
      var generatorURL: String?
      var fingerprint: String?
      var dashboardURL: String?
      var panelURL: String?
    }
    var version: String?
    var groupKey: String?
    var status: String?
    var alerts: [One]
    var title: String?
  }

  static func alertmanager(_ body: Data) throws(IntakeRefusal) -> [Alert] {
    let payload = try decode(GroupedAlerts.self, body, "an Alertmanager webhook")
    guard payload.version == "4" else {
      throw .badBody(
        "Alertmanager webhook version \(payload.version ?? "missing"): warroom reads version 4")
    }
    return try grouped(payload, source: .alertmanager)
  }

  static func grafana(_ body: Data) throws(IntakeRefusal) -> [Alert] {
    try grouped(decode(GroupedAlerts.self, body, "a Grafana webhook"), source: .grafana)
  }

  private static func grouped(_ payload: GroupedAlerts, source: Alert.Source)
    throws(IntakeRefusal) -> [Alert]
  {
    var alerts: [Alert] = []
    for (index, one) in payload.alerts.enumerated() {
      guard let status = Alert.Status(rawValue: one.status) else {
        throw .badBody(
          "alert \(index + 1): status \"\(one.status)\" is neither firing nor resolved")
      }
      guard let group = nonEmpty(payload.groupKey) ?? nonEmpty(one.fingerprint) else {
        throw .badBody("alert \(index + 1): no groupKey and no fingerprint to tell it apart")
      }
      let annotations = one.annotations ?? [:]
      let name = nonEmpty(one.labels["alertname"]) ?? nonEmpty(payload.title) ?? "alert"
      alerts.append(
        Alert(
          source: source, group: group, key: nonEmpty(one.fingerprint) ?? name, name: name,
          status: status, labels: one.labels, startedAt: one.startsAt.flatMap(date),
          // A firing alert's endsAt is when it would lapse, not an end: only a resolved
          // one's is.
          endedAt: status == .resolved ? one.endsAt.flatMap(date) : nil,
          url: nonEmpty(one.generatorURL) ?? nonEmpty(one.panelURL) ?? nonEmpty(one.dashboardURL),
          description: nonEmpty(annotations["summary"]) ?? nonEmpty(annotations["description"])))
    }
    return alerts
  }

  // MARK: - PagerDuty (webhooks v3)

  private struct PagerDutyWebhook: Decodable {
    struct Event: Decodable {
      struct Agent: Decodable { var summary: String? }
      struct Incident: Decodable {
        struct Service: Decodable { var summary: String? }
        var id: String
        var title: String?
        var urgency: String?
        var html_url: String?
        var created_at: String?
        var service: Service?
      }
      var event_type: String
      var occurred_at: String?
      var agent: Agent?
      var data: Incident?
    }
    var event: Event
  }

  static func pagerDuty(_ body: Data) throws(IntakeRefusal) -> [Alert] {
    let event = try decode(PagerDutyWebhook.self, body, "a PagerDuty v3 webhook").event
    let status: Alert.Status
    switch event.event_type {
    case "incident.triggered", "incident.acknowledged", "incident.reopened": status = .firing
    case "incident.resolved": status = .resolved
    default: return []  // annotations, priority changes, pings: nothing to route
    }
    guard let incident = event.data, !incident.id.isEmpty else {
      throw .badBody("\(event.event_type) without the incident's data.id")
    }
    var labels: [String: String] = [:]
    if let service = nonEmpty(incident.service?.summary) { labels["service"] = service }
    return [
      Alert(
        source: .pagerduty, group: incident.id, name: nonEmpty(incident.title) ?? incident.id,
        status: status, labels: labels, urgency: nonEmpty(incident.urgency),
        startedAt: incident.created_at.flatMap(date), url: nonEmpty(incident.html_url),
        acknowledgedBy: event.event_type == "incident.acknowledged"
          ? nonEmpty(event.agent?.summary) : nil)
    ]
  }

  // MARK: - Generic

  private struct GenericAlert: Decodable {
    var title: String
    var severity: String?
    var dedup_key: String
    var status: String
    var description: String?
    var url: String?
  }

  static func generic(_ body: Data) throws(IntakeRefusal) -> [Alert] {
    let payload = try decode(GenericAlert.self, body, "a generic alert")
    guard let status = Alert.Status(rawValue: payload.status) else {
      throw .badBody("status \"\(payload.status)\" is neither firing nor resolved")
    }
    guard !payload.dedup_key.isEmpty, !payload.title.isEmpty else {
      throw .badBody("title and dedup_key must not be empty")
    }
    return [
      Alert(
        source: .generic, group: payload.dedup_key, name: payload.title, status: status,
        labels: payload.severity.map { ["severity": $0] } ?? [:], url: nonEmpty(payload.url),
        description: nonEmpty(payload.description))
    ]
  }

  // MARK: - Reading

  private static func decode<T: Decodable>(_ type: T.Type, _ body: Data, _ what: String)
    throws(IntakeRefusal) -> T
  {
    do {
      return try JSONDecoder().decode(type, from: body)
    } catch let DecodingError.keyNotFound(key, context) {
      let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
      throw .badBody("not \(what): \(path) is missing")
    } catch let DecodingError.typeMismatch(_, context) {
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      throw .badBody("not \(what): \(path.isEmpty ? "the body" : path) has the wrong type")
    } catch {
      throw .badBody("not \(what): the body is not JSON of that shape")
    }
  }

  private static func nonEmpty(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return text
  }

  /// RFC 3339 times, with or without fractional seconds (Alertmanager sends nanoseconds).
  static func date(_ text: String) -> Date? {
    // Alertmanager's "no time" is year 1; a time outside what a store keeps is no time.
    guard let date = anyDate(text), date.timeIntervalSince1970 >= 0,
      date.timeIntervalSince1970 * 1000 <= Double(Limits.milliseconds.upperBound)
    else { return nil }
    return date
  }

  private static func anyDate(_ text: String) -> Date? {
    let plain = ISO8601DateFormatter()
    if let date = plain.date(from: text) { return date }
    // Foundation reads at most milliseconds: cut the fraction to three digits.
    var trimmed = text
    if let dot = text.firstIndex(of: "."),
      let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." })
    {
      let fraction = text[text.index(after: dot)..<end].prefix(3)
      trimmed = String(text[..<dot]) + "." + fraction + String(text[end...])
    }
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return fractional.date(from: trimmed)
  }
}
