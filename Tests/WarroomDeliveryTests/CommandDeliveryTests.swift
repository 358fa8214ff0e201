import Foundation
import Testing
import WarroomCore

@testable import WarroomDelivery

/// `command` destinations: the message on stdin, its fields in the environment, the first
/// line of stderr as the reason, and a command that hangs cut at its timeout.
@Suite("Command deliveries")
struct CommandDeliveryTests {
  let now = Date(timeIntervalSince1970: 1_798_000_000)

  func content() -> MessageContent {
    var state = IncidentState(id: IncidentID(number: 3))
    state.isDeclared = true
    state.title = "Checkout down"
    let message = OutgoingMessage(
      seq: 9, type: .update, text: "all hands", by: "bob", at: now, status: .investigating)
    return MessageContent(
      job: DeliveryJob(id: "INC-3-9-mail", destination: "mail", message: message, attempt: 1),
      state: state, now: now)
  }

  func command(_ text: String, timeout: TimeInterval = 15) -> Destination {
    var destination = Destination(name: "mail", kind: .command, messages: [.update])
    destination.command = text
    destination.timeout = timeout
    return destination
  }

  func send(_ destination: Destination) async -> SendOutcome {
    let transport = Transport(destinations: [destination])
    defer { Task { await transport.shutdown() } }
    return await transport.send(content(), to: destination, parent: nil, now: now)
  }

  @Test func theMessageIsOnStdinAndItsFieldsInTheEnvironment() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "warroom-cmd-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("out").path
    let outcome = await send(
      command(
        "{ cat; echo \"$WARROOM_INCIDENT $WARROOM_MESSAGE_TYPE $WARROOM_DELIVERY\"; } > '\(out)'"))
    #expect(outcome == .delivered(status: 0, remote: nil))
    let written = try String(contentsOfFile: out, encoding: .utf8)
    #expect(written.contains("Stakeholder update: all hands"))
    #expect(written.hasSuffix("INC-3 update INC-3-9-mail\n"))
  }

  @Test func aFailureSaysItsExitAndTheFirstLineOfStderr() async {
    #expect(
      await send(command("echo 'mail: queue full' >&2; echo second >&2; exit 75"))
        == .failed(reason: "exit 75: mail: queue full", permanent: false, retryAfter: nil))
    // Not found or not executable: waiting will not help.
    guard
      case .failed(let reason, let permanent, _) = await send(command("/nonexistent/sendmail -t"))
    else {
      Issue.record("delivered")
      return
    }
    #expect(reason.hasPrefix("exit 127"))
    #expect(permanent)
  }

  @Test func aCommandThatNeverExitsIsCutAtItsTimeoutWithItsChildren() throws {
    // Run on this thread and proven by how it ended: an async test's wait also counts the
    // time the busy test runner takes to resume it.
    let run = try ChildProcess.shell(
      "sleep 300 & echo started; sleep 300", environment: ["PATH": "/usr/bin:/bin"],
      stdin: Data(), timeout: 1)
    #expect(run.timedOut)
    #expect(run.status == 128 + SIGKILL)
    #expect(String(decoding: run.stdout, as: UTF8.self) == "started\n")
  }

  @Test func aCommandThatOverstaysIsAFailureThatIsRetried() async {
    #expect(
      await send(command("sleep 300", timeout: 1))
        == .failed(
          reason: "the command did not finish within 1s", permanent: false, retryAfter: nil))
  }
}
