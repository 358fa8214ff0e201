import Foundation
import PropertyBased
import Testing
import WarroomTestSupport

@testable import WarroomCore

/// The quick reader of `logged` payloads must answer exactly as `JSONDecoder` does
/// whenever it answers at all, and must answer for what warroom itself writes.
@Suite("Reading log payloads without JSONDecoder")
struct LogPayloadReaderTests {
  static func decoded(_ payload: String) -> LogAdded? {
    try? JSONDecoder().decode(LogAdded.self, from: Data(payload.utf8))
  }

  static func text(_ random: inout SplitMix) -> String {
    var text = ""
    for _ in 0..<random.below(24) {
      switch random.below(6) {
      case 0: text += ["\"", "\\", "/", "\\u", "\\\"", "{", "}", ",", ":"][random.below(9)]
      case 1: text.unicodeScalars.append(Unicode.Scalar(UInt8(random.below(0x20))))
      default: text.unicodeScalars.append(random.scalar(ascii: random.below(2) == 0))
      }
    }
    return text
  }

  /// What warroom writes, with any text: read quickly, and the same as JSONDecoder reads it.
  @Test func whatWarroomWritesIsReadQuicklyAndTheSame() async {
    await propertyCheck(count: 500, input: Gen.uint64()) { seed in
      var random = SplitMix(seed)
      let added = LogAdded(
        kind: LogKind.allCases[random.below(LogKind.allCases.count)], text: Self.text(&random))
      let ours = (try? PayloadJSON.encode(added)) ?? ""
      let foundations = String(
        decoding: (try? JSONEncoder().encode(added)) ?? Data(), as: UTF8.self)
      for payload in [ours, foundations] {
        #expect(LogPayloadReader.read(payload) == added, "\(payload)")
        #expect(Self.decoded(payload) == added, "\(payload)")
      }
    }
  }

  /// Any payload, well formed or broken: when the quick reader answers, JSONDecoder gives
  /// the same answer; when JSONDecoder refuses, so does the quick reader.
  @Test func anyPayloadIsReadAsJSONDecoderReadsIt() async {
    let pieces = [
      "{", "}", "\"kind\"", "\"text\"", ":", ",", " ", "\n", "\t", "\r", "\"note\"",
      "\"manual-change\"", "\"finding\"", "\"x\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"",
      "\"\\ud800\"", "\"\\uZZZZ\"", "\"\\q\"", "\"a\\\"b\"", "1", "null", "[]", "\"extra\"",
      "\u{0}", "\u{1F}", "\"\u{7}\"", "\"é\"", "\"\\/\"", "\u{FEFF}",
    ]
    await propertyCheck(count: 2000, input: Gen.uint64()) { seed in
      var random = SplitMix(seed)
      var payload: String
      if random.below(2) == 0 {
        // A valid payload, then a few edits.
        let added = LogAdded(kind: .note, text: Self.text(&random))
        payload = (try? PayloadJSON.encode(added)) ?? ""
        for _ in 0..<random.below(3) {
          var scalars = Array(payload.unicodeScalars)
          let at = random.below(scalars.count + 1)
          if random.below(2) == 0, at < scalars.count {
            scalars.remove(at: at)
          } else {
            scalars.insert(contentsOf: pieces[random.below(pieces.count)].unicodeScalars, at: at)
          }
          payload = String(String.UnicodeScalarView(scalars))
        }
      } else {
        payload = (0..<random.below(10)).map { _ in pieces[random.below(pieces.count)] }.joined()
      }
      let quick = LogPayloadReader.read(payload)
      let slow = Self.decoded(payload)
      if let quick { #expect(quick == slow, "\(payload.debugDescription)") }
      if slow == nil { #expect(quick == nil, "\(payload.debugDescription)") }
    }
  }

  @Test func theUsualShapesAndTheRefusals() {
    #expect(
      LogPayloadReader.read(#" { "text" : "a\nb\u00e9" , "kind" : "finding" } "#)
        == LogAdded(kind: .finding, text: "a\nb\u{e9}"))
    #expect(LogPayloadReader.read(#"{"kind":"note","text":"x","at":1}"#) == nil, "another member")
    #expect(LogPayloadReader.read(#"{"kind":"note","kind":"note","text":"x"}"#) == nil)
    #expect(LogPayloadReader.read(#"{"kind":"note","text":"\ud83d\ude00"}"#) == nil, "surrogates")
    #expect(LogPayloadReader.read("{\"kind\":\"note\",\"text\":\"a\u{1}\"}") == nil)
    #expect(LogPayloadReader.read(#"{"kind":"gossip","text":"x"}"#) == nil)
    // The event still decodes through JSONDecoder where the quick reader declines.
    let event = try? Event(
      typeName: "logged", payloadJSON: #"{"kind":"note","text":"\ud83d\ude00","at":1}"#)
    #expect(event == .logged(LogAdded(kind: .note, text: "😀")))
  }
}
