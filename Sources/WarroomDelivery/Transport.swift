import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import WarroomCore

/// Sends deliveries: HTTP for every kind but `command`, a program for that. Never throws:
/// every failure is an outcome with a reason a person can act on, and never holds a
/// secret (no URL, no token).
public final class Transport: Sendable {
  private let clients: [String: HTTPClient]

  /// Connecting has its own 5 s; each destination's `timeout` bounds the request.
  static let connectTimeout = TimeAmount.seconds(5)

  public init(destinations: [Destination]) {
    var clients: [String: HTTPClient] = [:]
    for destination in destinations where destination.kind != .command {
      var tls = TLSConfiguration.makeClientConfiguration()
      if let ca = destination.caFile { tls.trustRoots = .file(ca) }
      let configuration = HTTPClient.Configuration(
        tlsConfiguration: tls, redirectConfiguration: .disallow,
        timeout: .init(connect: Self.connectTimeout, read: .seconds(Int64(destination.timeout))))
      clients[destination.name] = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: configuration)
    }
    self.clients = clients
  }

  public func shutdown() async {
    for client in clients.values { try? await client.shutdown() }
  }

  public func send(
    _ content: MessageContent, to destination: Destination, parent: String?, now: Date
  ) async -> SendOutcome {
    if let problem = destination.problem {
      return .failed(reason: problem, permanent: true, retryAfter: nil)
    }
    if destination.kind == .command { return await runCommand(content, destination) }
    guard let client = clients[destination.name] else {
      return .failed(reason: "no HTTP client for it", permanent: true, retryAfter: nil)
    }
    if destination.kind == .slackChannel, parent == nil {
      return await createChannel(content, destination, client: client)
    }
    if destination.incidentChannel, (content.channel ?? "").isEmpty {
      return .failed(
        reason: "the incident has no channel yet: a [[channel]] creates one, or set it with "
          + "warroom edit --channel", permanent: false, retryAfter: nil)
    }
    let outcome = await sendRequests(content, destination, parent: parent, client: client, now: now)
    // A creation whose answer names nothing would make every later message create again.
    if let thing = destination.kind.creates, parent == nil,
      case .delivered(let status, nil) = outcome
    {
      return .failed(
        reason: "HTTP \(status ?? 0) named no \(thing.rawValue): it may have been created; "
          + "look, then set it with warroom edit --\(thing.rawValue)",
        permanent: true, retryAfter: nil)
    }
    return outcome
  }

  private func sendRequests(
    _ content: MessageContent, _ destination: Destination, parent: String?, client: HTTPClient,
    now: Date
  ) async -> SendOutcome {
    let requests = WireFormat.requests(
      for: content, to: destination, parent: parent, now: now)
    guard let first = requests.first else {
      return .failed(reason: "nothing to send", permanent: true, retryAfter: nil)
    }
    let outcome: SendOutcome
    switch await Self.execute(first, client: client, timeout: destination.timeout) {
    case .success(let response): outcome = WireFormat.outcome(of: response, kind: destination.kind)
    case .failure(let failure):
      return .failed(reason: failure.reason, permanent: false, retryAfter: nil)
    }
    // A follow-up (Slack's parent edited to the new colour) is best effort: the message
    // itself was delivered.
    if case .delivered = outcome {
      for request in requests.dropFirst() {
        _ = await Self.execute(request, client: client, timeout: destination.timeout)
      }
    }
    return outcome
  }

  /// For a destination that creates a ticket or a channel, `notify test` checks instead of
  /// sending: a test must never open a real ticket or channel. Nil for other kinds.
  public func check(_ destination: Destination) async -> SendOutcome? {
    guard destination.kind.creates != nil else { return nil }
    if let problem = destination.problem {
      return .failed(reason: problem, permanent: true, retryAfter: nil)
    }
    guard let client = clients[destination.name] else {
      return .failed(reason: "no HTTP client for it", permanent: true, retryAfter: nil)
    }
    let request =
      destination.kind == .slackChannel
      ? SlackChannelFormat.check(destination) : TicketFormat.check(destination)
    switch await Self.execute(request, client: client, timeout: destination.timeout) {
    case .success(let response):
      return WireFormat.outcome(of: response, kind: destination.kind)
    case .failure(let failure):
      return .failed(reason: failure.reason, permanent: false, retryAfter: nil)
    }
  }

  /// Creates the war-room channel: a taken name is tried again as `-2`, `-3`… (up to 9),
  /// then the topic is set and people are invited (best effort: the channel exists).
  func createChannel(_ content: MessageContent, _ destination: Destination, client: HTTPClient)
    async -> SendOutcome
  {
    for attempt in 1...9 {
      let request = SlackChannelFormat.create(content, destination, attempt: attempt)
      let response: WireResponse
      switch await Self.execute(request, client: client, timeout: destination.timeout) {
      case .success(let answer): response = answer
      case .failure(let failure):
        return .failed(reason: failure.reason, permanent: false, retryAfter: nil)
      }
      if SlackChannelFormat.error(response) == "name_taken" { continue }
      let outcome = WireFormat.outcome(of: response, kind: .slackChannel)
      if case .delivered(_, let remote?) = outcome {
        for followUp in SlackChannelFormat.followUps(
          content, destination, channel: SlackChannelID.id(in: remote))
        {
          _ = await Self.execute(followUp, client: client, timeout: destination.timeout)
        }
      }
      return outcome
    }
    return .failed(
      reason: "Slack: name_taken: nine names are taken (change name under [[channel]])",
      permanent: true, retryAfter: nil)
  }

  /// One request under a deadline.
  static func execute(_ wire: WireRequest, client: HTTPClient, timeout: TimeInterval) async
    -> Result<WireResponse, Failure>
  {
    var request = HTTPClientRequest(url: wire.url)
    request.method = .init(rawValue: wire.method)
    for (name, value) in wire.headers { request.headers.add(name: name, value: value) }
    if !wire.body.isEmpty { request.body = .bytes(ByteBuffer(bytes: wire.body)) }
    let sent = request
    let headed = Locked(false)
    do {
      // The timeout covers the whole exchange, the answer's body included: a receiver
      // that answers 200 and then never finishes must not hold the destination. (The
      // client's own deadline is later, so this one speaks.)
      return .success(
        try await Deadline.run(seconds: timeout) {
          let response = try await client.execute(sent, timeout: .seconds(Int64(timeout) + 5))
          headed.withLock { $0 = true }
          // The answer's start is enough to read it; the rest is drained, not kept (a huge
          // body on a 200 must not turn a delivery into a failure, and then a repeat).
          var body = Data()
          for try await chunk in response.body {
            if body.count < Self.bodyKept {
              body.append(contentsOf: chunk.readableBytesView.prefix(Self.bodyKept - body.count))
            }
          }
          return WireResponse(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) }, body: body)
        })
    } catch {
      return .failure(
        Failure(reason: describe(error, timeout: timeout, headed: headed.withLock { $0 })))
    }
  }

  /// How much of an answer is kept: Slack's and Statuspage's answers are a few hundred bytes.
  static let bodyKept = 256 << 10

  struct Failure: Error {
    var reason: String
  }

  /// An error in words, without the URL (which may hold a secret).
  /// `headed`: the answer's status and headers had arrived (its body had not finished).
  static func describe(_ error: any Error, timeout: TimeInterval, headed: Bool = false) -> String {
    if error is Deadline.Exceeded {
      return "no \(headed ? "whole " : "")answer within \(DurationText.short(Int(timeout)))"
    }
    if let error = error as? HTTPClientError {
      switch error {
      case .connectTimeout: return "no connection within 5 s"
      case .readTimeout, .deadlineExceeded:
        return "no answer within \(DurationText.short(Int(timeout)))"
      case .remoteConnectionClosed: return "the connection was closed before an answer"
      case .tlsHandshakeTimeout: return "TLS: no handshake within 5 s"
      case .invalidURL, .emptyHost, .emptyScheme: return "its url is not a usable address"
      case .cancelled: return "cancelled"
      default: return "HTTP client: \(error)"
      }
    }
    if let error = error as? NIOSSLError { return "TLS: " + tlsReason(error) }
    if let error = error as? NIOSSLExtraError { return "TLS: \(error)" }
    let text = String(describing: error)
    if text.contains("connectionRefused") || text.contains("Connection refused") {
      return "connection refused"
    }
    if text.contains("Connection reset") || text.contains("connectionReset") {
      return "the connection was reset"
    }
    if text.contains("unknown host") || text.contains("NXDOMAIN") || text.contains("resolve") {
      return "host not found"
    }
    // Anything else, short and without addresses.
    let words = text.split(separator: " ").filter { !$0.contains("://") }.joined(separator: " ")
    return String(SafeText.oneLine(words).prefix(160))
  }

  static func tlsReason(_ error: NIOSSLError) -> String {
    let text = String(describing: error)
    if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
      return "the server's certificate is not trusted (set ca_file for a private CA)"
    }
    return String(SafeText.oneLine(text).prefix(160))
  }

  // MARK: Commands

  /// Runs the destination's command: the message on stdin (a whole e-mail when `to` is
  /// set), its fields in the environment.
  func runCommand(_ content: MessageContent, _ destination: Destination) async -> SendOutcome {
    let text = MessageText.render(content, style: .plain, template: destination.template)
    let input = Data(Self.commandInput(content, text: text, to: destination.emailTo).utf8)
    let environment = Self.commandEnvironment(content, text: text)
    let command = destination.command ?? "false"
    let timeout = destination.timeout
    let result: Result<ChildProcess.Result, ChildProcess.LaunchError> =
      await withCheckedContinuation {
        continuation in
        // A program's run blocks its thread: never one of the cooperative pool's few.
        Thread.detachNewThread {
          do throws(ChildProcess.LaunchError) {
            continuation.resume(
              returning: .success(
                try ChildProcess.shell(
                  command, environment: environment, stdin: input, timeout: timeout)))
          } catch {
            continuation.resume(returning: .failure(error))
          }
        }
      }
    switch result {
    case .failure(let error):
      return .failed(reason: error.reason, permanent: false, retryAfter: nil)
    case .success(let run):
      if run.timedOut {
        return .failed(
          reason: "the command did not finish within \(DurationText.short(Int(timeout)))",
          permanent: false, retryAfter: nil)
      }
      if run.status == 0 { return .delivered(status: 0, remote: nil) }
      let line =
        String(decoding: run.stderr.prefix(2000), as: UTF8.self)
        .split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
      let said = SafeText.oneLine(line).trimmingCharacters(in: .whitespaces)
      // 126 and 127: the shell could not run it; waiting will not help.
      return .failed(
        reason: "exit \(run.status)" + (said.isEmpty ? "" : ": " + String(said.prefix(160))),
        permanent: run.status == 126 || run.status == 127, retryAfter: nil)
    }
  }

  /// The message as a program reads it: with `to`, an RFC 5322 message for `sendmail -t`
  /// (headers on one line each, the subject encoded when not ASCII).
  static func commandInput(_ content: MessageContent, text: String, to: [String]) -> String {
    guard !to.isEmpty else { return text + "\n" }
    let recipients = to.map { SafeText.oneLine($0) }.joined(separator: ", ")
    return [
      "To: \(recipients)",
      "Subject: \(encodedHeader(content.subject))",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
      "X-Warroom-Delivery: \(content.delivery)",
      "",
      text,
      "",
    ].joined(separator: "\n")
  }

  /// A header value as RFC 2047 wants it when it is not plain ASCII.
  static func encodedHeader(_ value: String) -> String {
    let line = SafeText.oneLine(value)
    if line.unicodeScalars.allSatisfy({ $0.isASCII }) { return line }
    return "=?UTF-8?B?" + Data(line.utf8).base64EncodedString() + "?="
  }

  static func commandEnvironment(_ content: MessageContent, text: String) -> [String: String] {
    var environment = [
      "PATH": ProcessInfo.processInfo.environment["PATH"]
        ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
      "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/",
      "LANG": "C.UTF-8",
      "WARROOM_DELIVERY": content.delivery,
      "WARROOM_INCIDENT": content.incident,
      "WARROOM_TITLE": SafeText.oneLine(content.title),
      "WARROOM_SEVERITY": content.severity,
      "WARROOM_STATUS": content.status.rawValue,
      "WARROOM_COLOUR": content.colour,
      "WARROOM_MESSAGE_TYPE": content.type.rawValue,
      "WARROOM_SUBJECT": content.subject,
      "WARROOM_TEXT": content.text ?? "",
      "WARROOM_BY": content.by,
      "WARROOM_AT": UTCTime.iso8601(content.at),
      "WARROOM_NEXT_UPDATE_DUE": content.nextUpdateDue.map { UTCTime.iso8601($0) } ?? "",
    ]
    if content.isTest { environment["WARROOM_TEST"] = "1" }
    return environment.mapValues { $0.replacingOccurrences(of: "\0", with: "") }
  }
}
