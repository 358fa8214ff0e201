import Crypto
import Foundation
import Testing
import WarroomCore

@testable import WarroomDelivery

/// The exact requests each kind of receiver gets, and how answers are read.
@Suite("Wire formats")
struct WireFormatTests {
  let now = Date(timeIntervalSince1970: 1_798_000_000)

  func content(_ type: MessageType = .update, text: String? = "Rolled back; errors falling")
    -> MessageContent
  {
    var state = IncidentState(id: IncidentID(number: 3))
    Reducer.apply(
      EventEnvelope(
        seq: 1, incident: state.id, at: now, actor: "ann",
        event: .declared(Declared(title: "Checkout <down> & out", impact: "5% fail"))),
      to: &state)
    let message = OutgoingMessage(
      seq: 9, type: type, text: text, by: "bob", at: now, status: .investigating)
    return MessageContent(
      job: DeliveryJob(id: "INC-3-9-x", destination: "x", message: message, attempt: 1),
      state: state, now: now)
  }

  func destination(_ kind: DestinationKind, url: String? = "https://example.test/hook")
    -> Destination
  {
    var destination = Destination(name: "x", kind: kind, messages: [.update])
    destination.url = url
    return destination
  }

  func body(_ request: WireRequest) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
  }

  @Test func slackWebhookPostsTextAndAMrkdwnSectionWithMarkupEscaped() throws {
    let requests = WireFormat.requests(
      for: content(), to: destination(.slackWebhook), parent: nil, now: now)
    #expect(requests.count == 1)
    let request = requests[0]
    #expect(request.method == "POST")
    #expect(request.url == "https://example.test/hook")
    #expect(request.header("Content-Type") == "application/json; charset=utf-8")
    let json = body(request)
    // What a phone shows: the news first, so no two updates read alike.
    #expect(
      json["text"] as? String
        == "[P1 RED] INC-3 Stakeholder update: Rolled back; errors falling · Checkout &lt;down&gt; &amp; out"
    )
    let blocks = try #require(json["blocks"] as? [[String: Any]])
    #expect(blocks[0]["type"] as? String == "section")
    let text = try #require(blocks[0]["text"] as? [String: Any])
    #expect(text["type"] as? String == "mrkdwn")
    #expect(
      text["text"] as? String
        == "🔴 *INC-3 · P1 · RED* · Checkout &lt;down&gt; &amp; out\n*Stakeholder update*\nRolled back; errors falling\n*Impact:* 5% fail\n*Next update:* by 04:56 UTC"
    )
  }

  @Test func tripleMustacheAndAmpersandCannotPassMarkupToSlack() throws {
    var slack = destination(.slackWebhook)
    slack.template = "{{{text}}} | {{&text}} | {{text}}"
    var message = content()
    message.text = "<!channel> & <https://evil.example|click>"
    let body = self.body(WireFormat.requests(for: message, to: slack, parent: nil, now: now)[0])
    let section = ((body["blocks"] as? [[String: Any]])?.first?["text"] as? [String: Any])?["text"]
    let escaped = "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"
    #expect(section as? String == "\(escaped) | \(escaped) | \(escaped)")
  }

  @Test func aDestinationsOwnTemplateReplacesTheBuiltInTextStillEscaped() throws {
    var slack = destination(.slackWebhook)
    slack.template = "{{incident}} ({{colour}}): {{text}} (by {{by}}, next {{nextUpdate}})"
    var message = content()
    message.text = "rolled back <v2.4.0> & watching"
    let body = self.body(WireFormat.requests(for: message, to: slack, parent: nil, now: now)[0])
    let section = ((body["blocks"] as? [[String: Any]])?.first?["text"] as? [String: Any])?["text"]
    #expect(
      section as? String
        == "INC-3 (red): rolled back &lt;v2.4.0&gt; &amp; watching (by bob, next 04:56 UTC)")
    // Plain destinations get the words as written.
    var mail = Destination(name: "mail", kind: .command, messages: [.update])
    mail.template = "{{subject}}\n\n{{text}}"
    #expect(
      DeliveryPreview.commandInput(message, mail)
        == "[P1 RED] INC-3: Checkout <down> & out - Stakeholder update\n\nrolled back <v2.4.0> & watching\n"
    )
  }

  @Test func aMentionTypedIntoAnUpdateCannotPingTheChannel() throws {
    let request = WireFormat.requests(
      for: content(text: "<!channel> see <https://evil|here>"), to: destination(.slackWebhook),
      parent: nil, now: now)[0]
    let text = String(decoding: request.body, as: UTF8.self)
    #expect(!text.contains("<!channel>"))
    #expect(text.contains("&lt;!channel&gt;"))
  }

  @Test func slackWebAPIThreadsUnderTheParentAndEditsItWhenTheColourChanges() throws {
    var slack = destination(.slack, url: "http://127.0.0.1:9/api")
    slack.token = "xoxb-1"
    slack.channel = "C42"
    slack.replyBroadcast = true
    let first = WireFormat.requests(
      for: content(.declared, text: nil), to: slack, parent: nil, now: now)
    #expect(first.map(\.url) == ["http://127.0.0.1:9/api/chat.postMessage"])
    #expect(first[0].header("Authorization") == "Bearer xoxb-1")
    #expect(body(first[0])["thread_ts"] == nil)
    #expect(body(first[0])["channel"] as? String == "C42")
    var yellow = content(.mitigated, text: nil)
    yellow.status = .mitigated
    let later = WireFormat.requests(for: yellow, to: slack, parent: "1700.1", now: now)
    #expect(
      later.map(\.url) == [
        "http://127.0.0.1:9/api/chat.postMessage", "http://127.0.0.1:9/api/chat.update",
      ])
    #expect(body(later[0])["thread_ts"] as? String == "1700.1")
    #expect(body(later[0])["reply_broadcast"] as? Bool == true)
    #expect(body(later[1])["ts"] as? String == "1700.1")
    // An update in the thread leaves the parent alone.
    #expect(WireFormat.requests(for: content(), to: slack, parent: "1700.1", now: now).count == 1)
  }

  @Test func teamsGetsAnAdaptiveCardInAMessage() throws {
    let json = body(
      WireFormat.requests(for: content(), to: destination(.teams), parent: nil, now: now)[0])
    #expect(json["type"] as? String == "message")
    let attachment = try #require((json["attachments"] as? [[String: Any]])?.first)
    #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
    let card = try #require(attachment["content"] as? [String: Any])
    #expect(card["type"] as? String == "AdaptiveCard")
    #expect(card["version"] as? String == "1.4")
    #expect((card["body"] as? [[String: Any]])?.count == 4)
  }

  @Test func statuspageCreatesThenUpdatesTheIncidentWithTheMappedStatus() throws {
    var page = destination(.statuspage, url: "http://127.0.0.1:9/sp")
    page.token = "key"
    page.pageID = "p 1"
    page.componentIDs = ["c1"]
    page.impact = "major"
    let create = WireFormat.requests(
      for: content(.declared, text: nil), to: page, parent: nil, now: now)[0]
    #expect(create.method == "POST")
    #expect(create.url == "http://127.0.0.1:9/sp/v1/pages/p%201/incidents")
    #expect(create.header("Authorization") == "OAuth key")
    let incident = try #require(body(create)["incident"] as? [String: Any])
    #expect(incident["status"] as? String == "investigating")
    #expect(incident["name"] as? String == "Checkout <down> & out")
    #expect(incident["component_ids"] as? [String] == ["c1"])
    #expect(incident["impact_override"] as? String == "major")
    var green = content(.resolved, text: nil)
    green.status = .resolved
    green.statusPageStatus = "resolved"
    let patch = WireFormat.requests(for: green, to: page, parent: "sp-9", now: now)[0]
    #expect(patch.method == "PATCH")
    #expect(patch.url == "http://127.0.0.1:9/sp/v1/pages/p%201/incidents/sp-9")
    let fields = try #require(body(patch)["incident"] as? [String: Any])
    #expect(fields["status"] as? String == "resolved")
    #expect((fields["components"] as? [String: String]) == ["c1": "operational"])
  }

  @Test func statuspageSaysIdentifiedOnceAnExperimentSupportedACause() {
    var events: [Event] = [
      .declared(Declared(title: "t")),
      .experimentProposed(ExperimentProposed(id: 1, hypothesis: "h")),
      .experimentStarted(ExperimentRef(id: 1)),
      .experimentConcluded(ExperimentConcluded(id: 1, outcome: .supported, result: "r")),
    ]
    let id = IncidentID(number: 1)
    var seq: Int64 = 0
    let state = Reducer.fold(
      id,
      events.map { event in
        seq += 1
        return EventEnvelope(seq: seq, incident: id, at: now, actor: "a", event: event)
      })
    events.removeAll()
    #expect(MessageContent.statusPageStatus(status: .investigating, state: state) == "identified")
    #expect(MessageContent.statusPageStatus(status: .mitigated, state: state) == "monitoring")
    #expect(
      MessageContent.statusPageStatus(status: .investigating, state: IncidentState(id: state.id))
        == "investigating")
  }

  @Test func theWebhookIsSignedOverTheTimestampAndTheExactBody() throws {
    var hook = destination(.webhook)
    hook.secret = "s3cret"
    let request = WireFormat.requests(for: content(), to: hook, parent: nil, now: now)[0]
    #expect(request.header("X-Warroom-Delivery") == "INC-3-9-x")
    #expect(request.header("X-Warroom-Timestamp") == "1798000000")
    var signed = Data("1798000000.".utf8)
    signed.append(request.body)
    let expected = HMAC<SHA256>.authenticationCode(
      for: signed, using: SymmetricKey(data: Data("s3cret".utf8))
    )
    .map { String(format: "%02x", $0) }.joined()
    #expect(request.header("X-Warroom-Signature") == "v1=" + expected)
    let json = body(request)
    #expect(json["version"] as? Int == 1)
    #expect(json["delivery"] as? String == "INC-3-9-x")
    let incident = try #require(json["incident"] as? [String: Any])
    #expect(incident["colour"] as? String == "red")
    let message = try #require(json["message"] as? [String: Any])
    #expect(message["type"] as? String == "update")
    #expect(message["text"] as? String == "Rolled back; errors falling")
    #expect(message["by"] as? String == "bob")
    #expect(json["next_update_due"] as? String == "2026-12-23T04:56:40.000Z")
    // Without a secret, no signature (and nothing pretends to be one).
    #expect(
      WireFormat.requests(for: content(), to: destination(.webhook), parent: nil, now: now)[0]
        .header("X-Warroom-Signature") == nil)
  }

  @Test func answersAreReadAsDeliveredRetryOrPermanent() {
    func outcome(
      _ status: Int, _ body: String = "", headers: [(String, String)] = [],
      kind: DestinationKind = .webhook
    )
      -> SendOutcome
    {
      WireFormat.outcome(
        of: WireResponse(status: status, headers: headers, body: Data(body.utf8)), kind: kind)
    }
    #expect(outcome(200) == .delivered(status: 200, remote: nil))
    #expect(
      outcome(500, "oops\nmore")
        == .failed(reason: "HTTP 500: oops", permanent: false, retryAfter: nil))
    #expect(
      outcome(404, "no_service")
        == .failed(reason: "HTTP 404: no_service", permanent: true, retryAfter: nil))
    #expect(outcome(408) == .failed(reason: "HTTP 408", permanent: false, retryAfter: nil))
    #expect(
      outcome(429, headers: [("Retry-After", "7")])
        == .failed(reason: "HTTP 429", permanent: false, retryAfter: 7))
    #expect(
      outcome(200, "{\"ok\":true,\"ts\":\"17.1\"}", kind: .slack)
        == .delivered(status: 200, remote: "17.1"))
    #expect(
      outcome(200, "{\"ok\":false,\"error\":\"channel_not_found\"}", kind: .slack)
        == .failed(reason: "Slack: channel_not_found", permanent: true, retryAfter: nil))
    #expect(
      outcome(200, "not json", kind: .slack)
        == .failed(
          reason: "Slack: an answer that is not Slack's JSON", permanent: true, retryAfter: nil))
    #expect(
      outcome(201, "{\"id\":\"abc\"}", kind: .statuspage) == .delivered(status: 201, remote: "abc"))
    // A control character in an answer never reaches a terminal or a record raw.
    guard case .failed(let reason, _, _) = outcome(502, "\u{1b}]52;c;aGk=\u{07}bad") else {
      Issue.record("not a failure")
      return
    }
    #expect(!reason.unicodeScalars.contains { $0.value < 0x20 })
  }

  @Test func anEmailHasOneLineHeadersWhateverTheTitleHolds() {
    var message = content()
    message.title = "Evil\r\nBcc: everyone@example.com"
    let input = Transport.commandInput(message, text: "body", to: ["oncall@example.com"])
    let headers = input.components(separatedBy: "\n\n")[0].split(separator: "\n")
    #expect(headers.count == 6)
    #expect(!headers.contains { $0.hasPrefix("Bcc:") })
    #expect(headers[0] == "To: oncall@example.com")
  }

  @Test func textsFollowTheState() throws {
    var resolved = content(.resolved, text: nil)
    resolved.status = .resolved
    let plain = MessageText.render(resolved, style: .plain, template: nil)
    #expect(plain.contains("Impact was: 5% fail"), "\(plain)")
    var doubted = content(.mitigated, text: "probe checkout still does not pass: watching")
    doubted.status = .mitigated
    #expect(doubted.headline == "Mitigated")
    #expect(
      !MessageText.render(doubted, style: .plain, template: nil).contains("no longer affected"))
    let teams = body(
      WireFormat.requests(for: doubted, to: destination(.teams), parent: nil, now: now)[0])
    #expect(
      (teams["summary"] as? String)?.hasPrefix(
        "[P1 YELLOW] INC-3 Mitigated: probe checkout still does not pass") == true)
  }
}
