import Foundation
import Testing
import WarroomCore

@testable import WarroomDelivery

/// Tickets and channels on the wire, request by request, and the answers they read.
@Suite("Ticket and channel formats")
struct TicketAndChannelFormatTests {
  let now = Date(timeIntervalSince1970: 1_798_000_000)

  func content(_ type: MessageType, title: String = "Checkout returns 502!") -> MessageContent {
    var state = IncidentState(id: IncidentID(number: 12))
    Reducer.apply(
      EventEnvelope(
        seq: 1, incident: state.id, at: now, actor: "ann",
        event: .declared(Declared(title: title))), to: &state)
    Reducer.apply(
      EventEnvelope(
        seq: 2, incident: state.id, at: now, actor: "ann",
        event: .roleAssigned(RoleChange(role: .lead, person: "ann"))), to: &state)
    let message = OutgoingMessage(
      seq: 9, type: type, text: nil, by: "ann", at: now, status: .investigating)
    return MessageContent(
      job: DeliveryJob(id: "INC-12-9-x", destination: "x", message: message, attempt: 1),
      state: state, now: now)
  }

  func jira(user: String? = "ops@example.com") -> Destination {
    var destination = Destination(name: "jira", kind: .jira, messages: CreatedConfig.ticketMessages)
    destination.url = "https://acme.atlassian.net"
    destination.project = "OPS"
    destination.issueType = "Incident"
    destination.token = "tok"
    destination.user = user
    destination.resolvedTransition = "31"
    return destination
  }

  func body(_ request: WireRequest) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
  }

  @Test func jiraCreatesThenCommentsThenTransitions() throws {
    let create = WireFormat.requests(for: content(.declared), to: jira(), parent: nil, now: now)
    #expect(create.count == 1)
    #expect(create[0].url == "https://acme.atlassian.net/rest/api/3/issue")
    #expect(create[0].header("Authorization") == "Basic b3BzQGV4YW1wbGUuY29tOnRvaw==")
    let fields = try #require(body(create[0])["fields"] as? [String: Any])
    #expect(fields["summary"] as? String == "[P1] INC-12: Checkout returns 502!")
    let comment = WireFormat.requests(
      for: content(.mitigated), to: jira(user: nil), parent: "OPS-42", now: now)
    #expect(comment.map(\.url) == ["https://acme.atlassian.net/rest/api/3/issue/OPS-42/comment"])
    #expect(comment[0].header("Authorization") == "Bearer tok", "Data Center: a bearer token")
    let resolved = WireFormat.requests(
      for: content(.resolved), to: jira(), parent: "OPS-42", now: now)
    #expect(
      resolved.map(\.url).last == "https://acme.atlassian.net/rest/api/3/issue/OPS-42/transitions")
    #expect((body(resolved[1])["transition"] as? [String: String]) == ["id": "31"])
  }

  @Test func anAtlassianDocumentKeepsParagraphsAndLines() {
    let document = TicketFormat.document("one\ntwo\n\nthree")
    let content = document["content"] as? [[String: Any]] ?? []
    #expect(content.count == 2)
    let first = content.first?["content"] as? [[String: Any]] ?? []
    #expect(first.map { $0["type"] as? String } == ["text", "hardBreak", "text"])
  }

  @Test func answersGiveTheTicketOrSayWhatToChange() {
    func answer(_ status: Int, _ body: String) -> WireResponse {
      WireResponse(status: status, headers: [], body: Data(body.utf8))
    }
    #expect(
      WireFormat.outcome(of: answer(201, #"{"id":"10","key":"OPS-42"}"#), kind: .jira)
        == .delivered(status: 201, remote: "OPS-42"))
    // A key that is not one is never adopted as the incident's ticket.
    #expect(
      WireFormat.outcome(of: answer(201, #"{"key":"\u001b]8;;x"}"#), kind: .jira)
        == .delivered(status: 201, remote: nil))
    #expect(
      WireFormat.outcome(of: answer(201, #"{"number":17}"#), kind: .github)
        == .delivered(status: 201, remote: "17"))
    guard
      case .failed(let reason, let permanent, _) = WireFormat.outcome(
        of: answer(400, #"{"errorMessages":[],"errors":{"project":"valid project is required"}}"#),
        kind: .jira)
    else { Issue.record("a 400 delivered"); return }
    #expect(permanent)
    #expect(
      reason
        == "Jira: HTTP 400: project: valid project is required (check project and issue_type in [[ticket]])"
    )
    guard
      case .failed(let scope, _, _) = WireFormat.outcome(
        of: answer(200, #"{"ok":false,"error":"missing_scope"}"#), kind: .slackChannel)
    else { Issue.record("missing_scope delivered"); return }
    #expect(scope.contains("channels:manage"))
    #expect(CreatedThing.ticket.details(from: "17", kind: .github)?.ticket == "#17")
    // Rows planted in the store are not adopted as the incident's ticket or channel.
    for planted in [
      "OPS-42\u{1B}[2J", "OPS-", "-42", "OPS-42-1", "ÖPS-4",
      String(repeating: "A", count: 90) + "-1",
    ] {
      #expect(CreatedThing.ticket.details(from: planted, kind: .jira) == nil, "\(planted)")
    }
    #expect(CreatedThing.ticket.details(from: "17; rm", kind: .github) == nil)
    #expect(CreatedThing.channel.details(from: "C01#Inc 3", kind: .slackChannel) == nil)
    #expect(CreatedThing.channel.details(from: "C0\u{9B}1#inc", kind: .slackChannel) == nil)
    #expect(
      CreatedThing.channel.details(from: "C01#inc-3-db", kind: .slackChannel)?.channel
        == "#inc-3-db")
  }

  @Test func aChannelIsNamedAsSlackAllowsAndTakesItsHoldersAlong() {
    var destination = Destination(name: "slack-channel", kind: .slackChannel, messages: [])
    destination.token = "xoxb"
    destination.invite = ["U0ONCALL"]
    destination.people = ["ann": "U0ANN"]
    let declared = content(.declared, title: "Checkout: 502s in EU (über-bad) \u{1B}[31m")
    #expect(
      SlackChannelFormat.name(declared, template: destination.channelName, attempt: 1)
        == "inc-12-checkout-502s-in-eu-ber-bad-31m")
    #expect(
      SlackChannelFormat.name(declared, template: destination.channelName, attempt: 3)
        .hasSuffix("-3"))
    #expect(
      SlackChannelFormat.name(declared, template: "war room {{number}}", attempt: 1)
        == "war-room-12")
    let followUps = SlackChannelFormat.followUps(declared, destination, channel: "C0X")
    #expect(
      followUps.map(\.url) == [
        "https://slack.com/api/conversations.setTopic",
        "https://slack.com/api/conversations.invite",
      ])
    #expect(body(followUps[1])["users"] as? String == "U0ONCALL,U0ANN")
  }
}
