import Crypto
import Foundation
import PropertyBased
import Testing
import WarroomTestSupport

@testable import WarroomStore

/// The chain's hash is written into every stored event, so its bytes may never change:
/// the quick writer of `EventChain.LinkBytes` is held to known digests and to the rule
/// written out the plain way.
@Suite("The chain's hash")
struct EventChainTests {
  /// Digests computed outside Swift (Python's hashlib over the same bytes), at the
  /// integer limits and with text beyond ASCII.
  @Test func knownRowsHashAsTheyAlwaysHave() {
    let edge = StoredEvent(
      seq: .min, incident: "INC-7", atMilliseconds: .max, actor: "bob é", type: "logged",
      payload: #"{"kind":"note","text":"🚒"}"#, osUser: nil)
    #expect(
      EventChain.hash(previous: String(repeating: "ab", count: 32), edge)
        == "4e28222d9ac4b60fde9ff8716d8f61ee1bfc1771f12931524b5b0ab45ca038d4")
    let first = StoredEvent(
      seq: 1, incident: "INC-1", atMilliseconds: 0, actor: "a", type: "declared",
      payload: "{}", osUser: "root")
    #expect(
      EventChain.hash(previous: "", first)
        == "19f41fdc9c97f728ba51bf4ec9bdecc1851a5e6b26f576ae4e6bb9ed7c38a9de")
  }

  /// Any row: the same digest as the rule spelled out with string interpolation, and the
  /// same from the in-place reading's buffers.
  @Test func anyRowHashesAsTheRuleSpelledOut() async {
    let numbers: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, .max, .min, .max - 1, .min + 1]
    let pieces = ["", "a", "é", "🚒", "\u{0}", "\n", ":", "12:", "\"", "INC-1", "e\u{301}"]
    await propertyCheck(count: 1000, input: Gen.uint64()) { seed in
      var random = SplitMix(seed)
      func number() -> Int64 {
        random.below(2) == 0
          ? numbers[random.below(numbers.count)] : Int64(bitPattern: random.next())
      }
      func text() -> String {
        (0..<random.below(6)).map { _ in pieces[random.below(pieces.count)] }.joined()
      }
      let previous = random.below(4) == 0 ? "" : text()
      let event = StoredEvent(
        seq: number(), incident: text(), atMilliseconds: number(), actor: text(),
        type: text(), payload: text(), osUser: random.below(3) == 0 ? nil : text())
      func field(_ text: String) -> String { "\(text.utf8.count):\(text)" }
      let spelledOut =
        previous + "\n" + field(String(event.seq)) + field(event.incident)
        + field(String(event.atMilliseconds)) + field(event.actor) + field(event.osUser ?? "")
        + field(event.type) + field(event.payload)
      let expected = SHA256.hash(data: Array(spelledOut.utf8))
        .map { String(format: "%02x", $0) }.joined()
      #expect(EventChain.hash(previous: previous, event) == expected, "\(event)")
      let inPlace = Array(previous.utf8).withUnsafeBufferPointer { previous in
        Array(event.incident.utf8).withUnsafeBufferPointer { incident in
          Array(event.actor.utf8).withUnsafeBufferPointer { actor in
            Array((event.osUser ?? "").utf8).withUnsafeBufferPointer { osUser in
              Array(event.type.utf8).withUnsafeBufferPointer { type in
                Array(event.payload.utf8).withUnsafeBufferPointer { payload in
                  EventChain.digest(
                    previous: previous, seq: event.seq, incident: incident,
                    atMilliseconds: event.atMilliseconds, actor: actor, osUser: osUser,
                    type: type, payload: payload)
                }
              }
            }
          }
        }
      }
      #expect(String(decoding: inPlace, as: UTF8.self) == expected)
    }
  }
}
