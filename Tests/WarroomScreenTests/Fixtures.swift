import Foundation
import WarroomCore
import WarroomScreen

/// Incidents to render, built through the real rules and reducer with a fixed clock.
enum Fixtures {
  static let start = Date(timeIntervalSince1970: 1_798_000_000)  // 2026-12-23 04:26:40 UTC

  struct Builder {
    var state = IncidentState(id: IncidentID(number: 7))
    var now = Fixtures.start
    var seq: Int64 = 0
    /// Every event recorded, in order: what a store would hold.
    var envelopes: [EventEnvelope] = []

    init(_ declared: Declared) { record(.declared(declared), by: "alice") }

    mutating func record(_ event: Event, by actor: String) {
      seq += 1
      let envelope = EventEnvelope(
        seq: seq, incident: state.id, at: now, actor: actor, event: event)
      envelopes.append(envelope)
      Reducer.apply(envelope, to: &state)
    }

    mutating func send(_ command: Command, by actor: String = "alice") {
      do {
        for event in try Rules.decide(command, in: state) { record(event, by: actor) }
      } catch {
        preconditionFailure("fixtures only send commands the rules accept: \(error)")
      }
    }

    mutating func advance(minutes: Double) { now = now.addingTimeInterval(minutes * 60) }
  }

  /// Declared from an alert: two more joined it, one resolved, one acknowledged.
  static func alerted() -> Builder {
    var b = Builder(
      Declared(
        title: "CheckoutErrors: 5xx above 20%", source: "alertmanager: CheckoutErrors"))
    func alert(
      _ name: String, _ source: String, _ status: AlertStatus, started: Double,
      url: String? = nil, by: String? = nil
    ) -> Event {
      .alertReceived(
        AlertReceived(
          source: source, group: name, key: name, name: name, status: status,
          startedMs: Int64(milliseconds: Fixtures.start.addingTimeInterval(started * 60)),
          endedMs: status == .resolved ? Int64(milliseconds: b.now) : nil, url: url,
          summary: status == .firing ? "see the graph" : nil, acknowledgedBy: by))
    }
    b.record(
      alert("CheckoutErrors", "alertmanager", .firing, started: -6, url: "http://prom:9090/g"),
      by: "alertmanager")
    b.advance(minutes: 3)
    b.record(alert("CheckoutLatency", "grafana", .firing, started: -2), by: "grafana")
    b.record(
      alert("Payments down", "pagerduty", .firing, started: 1, by: "Dana Oncall"), by: "pagerduty")
    b.advance(minutes: 9)
    b.record(alert("CheckoutLatency", "grafana", .resolved, started: -2), by: "grafana")
    b.advance(minutes: 2)
    return b
  }

  static func freshP1() -> Builder {
    Builder(Declared(title: "Checkout returns 502 for EU customers"))
  }

  /// Overdue update, two experiments colliding on one target, no communicator, 500 entries.
  static func busy() -> Builder {
    var b = Builder(
      Declared(
        title: "Checkout returns 502 for EU customers", ticket: "IM-481",
        channel: "#inc-checkout", impact: "30% of EU orders fail"))
    b.send(.completeStep(1))
    b.send(.assignRole(.lead, "alice"))
    b.send(.assignRole(.recorder, "carol"))
    b.send(.assignRole(.ic, "dan"))
    b.send(.assignRole(.ic, "erin"))
    b.send(
      .proposeExperiment(
        hypothesis: "Connection pool exhausted", change: "raise pool", owner: "dan",
        target: "checkout-db"), by: "dan")
    b.send(
      .proposeExperiment(
        hypothesis: "Slow queries after index drop", change: nil, owner: "erin",
        target: "checkout-db"), by: "erin")
    b.send(
      .proposeExperiment(
        hypothesis: "Bad deploy v2.4.0", change: "roll back", owner: "dan", target: "checkout-api"),
      by: "dan")
    b.send(.startExperiment(1), by: "dan")
    b.send(.startExperiment(2), by: "erin")
    b.send(.concludeExperiment(3, .supported, "errors stop on v2.3.1"), by: "dan")
    b.send(.postUpdate("Investigating 502s on checkout"), by: "alice")
    for n in 1...500 {
      b.advance(minutes: 0.05)
      let kinds: [LogKind] = [.note, .note, .finding, .decision, .manualChange]
      b.send(
        .log(kinds[n % kinds.count], "entry \(n): checked shard \(n % 16) and its replicas"),
        by: n % 2 == 0 ? "carol" : "dan")
    }
    b.send(.addWhy(chain: nil, why: "Why 502?", because: "auth headers malformed"))
    b.send(.addFollowup("Contract test for the gateway", owner: "dan"))
    b.advance(minutes: 9)  // 25 + 9 minutes since the update, due every 30: 4:00 late
    return b
  }

  /// Messages on their way: the declaration delivered everywhere, the announcement retrying
  /// on Statuspage, an update refused for good by e-mail.
  static func delivered() -> Builder {
    var b = Builder(
      Declared(title: "Checkout returns 502 for EU customers", impact: "30% of EU orders fail"))
    b.send(.assignRole(.communicator, "bob"))
    b.advance(minutes: 2)
    b.send(.announce("Checkout is failing for some EU customers; we are on it"), by: "bob")
    b.advance(minutes: 10)
    b.send(.postUpdate("Rolled back v2.4.0; error rate falling"), by: "bob")
    func deliver(_ message: Int, _ destination: String, _ outcome: Event?, attempts: Int = 1) {
      let seq = b.state.outgoing[message].seq
      let id = DeliveryID.make(incident: b.state.id, message: seq, destination: destination)
      for attempt in 1...attempts {
        b.send(
          .recordDelivery(
            .deliveryAttempted(
              DeliveryAttempted(
                delivery: id, destination: destination, message: seq, attempt: attempt,
                deliverer: "relay"))), by: "warroom")
      }
      guard var event = outcome else { return }
      switch event {
      case .delivered(var d):
        (d.delivery, d.destination, d.message) = (id, destination, seq)
        event = .delivered(d)
      case .deliveryFailed(var f):
        (f.delivery, f.destination, f.message) = (id, destination, seq)
        event = .deliveryFailed(f)
      default: break
      }
      b.send(.recordDelivery(event), by: "warroom")
    }
    let ok = Event.delivered(
      Delivered(delivery: "", destination: "", message: 0, status: 200, remote: nil))
    for destination in ["slack", "statuspage", "email"] { deliver(0, destination, ok) }
    deliver(1, "slack", ok)
    deliver(
      1, "statuspage",
      .deliveryFailed(
        DeliveryFailed(
          delivery: "", destination: "", message: 0, reason: "HTTP 503",
          retryAtMs: Int64(milliseconds: b.now.addingTimeInterval(8)))), attempts: 3)
    deliver(2, "slack", ok)
    deliver(
      2, "email",
      .deliveryFailed(DeliveryFailed(delivery: "", destination: "", message: 0, reason: "exit 75")))
    deliver(2, "statuspage", nil)
    return b
  }

  /// Three probes: one recovering (3 of its 5 minutes), one unknown, one failing.
  static func probed() -> Builder {
    var b = Builder(Declared(title: "Checkout returns 502 for EU customers"))
    var checkout = ProbeSpec(name: "checkout", kind: .http, target: "https://shop.example/health")
    checkout.maxLatencyMs = 500
    var errors = ProbeSpec(name: "error-rate", kind: .prometheus, target: "http://prom:9090")
    errors.query = "sum(rate(http_errors_total[5m]))"
    errors.below = 0.01
    let login = ProbeSpec(name: "login", kind: .command, target: "/usr/local/bin/check-login")
    for spec in [checkout, errors, login] { b.send(.addProbe(spec)) }
    func seen(_ name: String, _ state: ProbeState, _ value: String?, _ reason: String?) {
      b.send(
        .recordProbe(
          .probeChanged(ProbeChanged(name: name, state: state, value: value, reason: reason))),
        by: "warroom")
    }
    seen("checkout", .failing, "502 in 40 ms", "HTTP 502, expected 200")
    seen("error-rate", .unknown, nil, "no data (empty result)")
    seen("login", .failing, nil, "exit 1: login page times out")
    b.advance(minutes: 20)
    seen("checkout", .passing, "200 in 87 ms", nil)
    b.advance(minutes: 3)
    return b
  }
}
