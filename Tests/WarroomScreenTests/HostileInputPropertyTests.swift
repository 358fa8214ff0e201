import Foundation
import PropertyBased
import Testing
import WarroomCore
import WarroomReports
import WarroomScreen
import WarroomTestSupport

/// Whatever a row holds, the decoder, the reducer, the reports and the renderer neither
/// crash nor put a raw control character on screen. Rows are built the way an attacker
/// with write access to the store would: every known type, with numbers at the integer
/// limits, text of any Unicode, wrong JSON types, and garbage.
@Suite("Hostile rows: decode, fold, report, render")
struct HostileInputPropertyTests {
  static let types = [
    "declared", "details-changed", "step-completed", "step-undone", "role-assigned",
    "role-released", "experiment-proposed", "experiment-started", "experiment-concluded",
    "experiment-abandoned", "logged", "stakeholder-updated", "cadence-changed", "why-added",
    "followup-added", "followup-done", "mitigated", "customer-verified", "resolved", "reopened",
    "announced", "update-overdue", "delivery-attempted", "delivered", "delivery-failed",
    "delivery-resend", "probe-added", "probe-removed", "probe-paused", "probe-resumed",
    "probe-changed", "recovery-proven", "from-the-future",
  ]
  static let keys = [
    "step", "id", "chain", "seconds", "cadence", "title", "text", "why", "because", "role",
    "person", "kind", "outcome", "result", "hypothesis", "target", "owner", "severity",
    "runbook", "reason", "forcedReason", "delivery", "destination", "message", "attempt",
    "deliverer", "status", "remote", "retryAtMs", "uncertain", "dueMs", "name", "target",
    "everySeconds", "windowSeconds", "timeoutSeconds", "state", "value", "probes", "below",
  ]
  static let numbers = [
    "0", "-1", "1", "13", "9223372036854775807", "-9223372036854775808",
    "99999999999999999999", "1e308", "-0", "3.5", "NaN",
  ]

  /// A hostile row drawn from a seed: a known type (or one from the future), a payload of
  /// fields whose values are numbers at the limits, text of any Unicode, wrong types or
  /// deep nesting (or plain garbage), and a time anywhere in `Int64`.
  static func row(_ random: inout SplitMix) -> (type: String, payload: String, at: Int64) {
    let type = types[random.below(types.count)]
    let payload: String
    if random.below(6) == 0 {
      payload = String(
        String.UnicodeScalarView((0..<random.below(20)).map { _ in random.scalar(ascii: true) }))
    } else {
      let fields = (0..<random.below(7)).map { _ in
        "\"\(keys[random.below(keys.count)])\":\(value(&random))"
      }
      payload = "{" + fields.joined(separator: ",") + "}"
    }
    let times: [Int64] = [Int64.min, -1, 0, 1_798_000_000_000, 253_402_300_799_999, Int64.max]
    return (type, payload, times[random.below(times.count)])
  }

  static func value(_ random: inout SplitMix) -> String {
    switch random.below(4) {
    case 0: return numbers[random.below(numbers.count)]
    case 1:
      let text = String(
        String.UnicodeScalarView((0..<random.below(12)).map { _ in random.scalar(ascii: false) }))
      return "\"" + jsonEscaped(text) + "\""
    case 2:
      return ["true", "null", "[]", "{}", "\"lead\"", "\"P1\"", "\"note\""][random.below(7)]
    default:
      let depth = random.below(600)
      return String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }
  }

  static func jsonEscaped(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// A declared incident, then the random rows, folded, reported and drawn.
  @Test func anyRowsFoldReportAndRenderSafely() async {
    await propertyCheck(count: 400, input: Gen.uint64()) { seed in
      var random = SplitMix(seed)
      let rows = (0...random.below(8)).map { _ in Self.row(&random) }
      var state = IncidentState(id: IncidentID(number: 1))
      let start = Date(timeIntervalSince1970: 1_798_000_000)
      Reducer.apply(
        EventEnvelope(
          seq: 1, incident: state.id, at: start, actor: "alice",
          event: .declared(Declared(title: "x"))), to: &state)
      var envelopes: [EventEnvelope] = []
      for (index, row) in rows.enumerated() {
        let envelope = EventEnvelope.stored(
          seq: Int64(index + 2), incident: "INC-1", atMilliseconds: row.at,
          actor: "mallory\u{1B}]52;c;x\u{07}", type: row.type, payload: row.payload)
        envelopes.append(envelope)
        Reducer.apply(envelope, to: &state)
      }
      let now = start.addingTimeInterval(600)
      let report = StatusReport(state: state, now: now)
      #expect(!Self.hasRawControl(report.text, allowingNewlines: true))
      #expect(!Self.hasRawControl(PostMortem.markdown(state, now: now), allowingNewlines: true))
      let json = try JSONText.encode(JSONExport(state: state, events: envelopes, now: now))
      #expect(!Self.hasRawControl(json, allowingNewlines: true))
      for (width, height) in [(80, 24), (200, 60)] {
        let frame = DashboardRenderer.render(
          RenderContext(state: state, model: DashboardModel(me: "alice"), now: now, storeName: "s"),
          width: width, height: height)
        #expect(!Self.hasRawControl(frame.grid.text, allowingNewlines: true))
      }
    }
  }

  /// The decoder alone, at volume: every payload either decodes to an event whose numbers
  /// are in range, or is kept as `.unknown`/`.unreadable` with its text untouched.
  @Test func theDecoderNeverTrapsAndKeepsWhatItCannotRead() async {
    let count = Int(ProcessInfo.processInfo.environment["WARROOM_DECODER_CASES"] ?? "") ?? 100_000
    await propertyCheck(count: count, input: Gen.uint64()) { seed in
      var random = SplitMix(seed)
      let row = Self.row(&random)
      let event = Event.stored(type: row.type, payload: row.payload)
      switch event {
      case .unknown(let type, let payload), .unreadable(let type, let payload, _):
        #expect(type == row.type)
        #expect(payload == row.payload)
      default:
        #expect(event.rangeProblem == nil)
      }
    }
  }

  static func hasRawControl(_ text: String, allowingNewlines: Bool) -> Bool {
    text.unicodeScalars.contains {
      if allowingNewlines && $0 == "\n" { return false }
      return $0.value < 0x20 || (0x7F...0x9F).contains($0.value)
    }
  }
}
