import Foundation
import WarroomCore

/// The full record of an incident for machines: every event as stored, and the folded state.
public struct JSONExport: Encodable {
  public struct StoredEvent: Encodable {
    var seq: Int64
    var at: String
    var actor: String
    var type: String
    var payload: JSONFragment
    /// The operating-system user and, on PostgreSQL, the database role that wrote it.
    var osUser: String?
    var dbRole: String?
    /// Why the fold left it out, when it did (a newer type, an unreadable row).
    var skipped: String?
  }

  public var incident: String
  public var exportedAt: String
  public var status: StatusReport
  public var events: [StoredEvent]
  /// Log entries as flat rows of strings (as before corrections existed), with the
  /// latest text, and `struckBy`/`struckAt`/`struckReason` when withdrawn.
  public var log: [[String: String]]
  /// Every earlier version of a corrected entry, oldest first.
  public var corrections: [[String: String]]
  public var experiments: [[String: String]]
  public var updates: [[String: String]]
  public var whyChains: [[[String: String]]]
  public var followups: [[String: String]]

  public init(state: IncidentState, events: [EventEnvelope], now: Date) {
    incident = state.id.rawValue
    exportedAt = UTCTime.iso8601(now)
    status = StatusReport(state: state, now: now)
    let skipped = Dictionary(
      state.skipped.map { ($0.seq, $0.reason) }, uniquingKeysWith: { first, _ in first })
    self.events = events.map {
      StoredEvent(
        seq: $0.seq, at: UTCTime.iso8601($0.at), actor: $0.actor, type: $0.event.typeName,
        payload: JSONFragment(text: $0.event.payloadJSON()), osUser: $0.osUser,
        dbRole: $0.dbRole, skipped: skipped[$0.seq])
    }
    log = state.log.map { entry in
      var row = [
        "number": String(entry.number), "at": UTCTime.iso8601(entry.at), "by": entry.by,
        "kind": entry.kind.rawValue, "text": entry.text,
      ]
      if let struck = entry.struck {
        row["struckBy"] = struck.by
        row["struckAt"] = UTCTime.iso8601(struck.at)
        row["struckReason"] = struck.text ?? ""
      }
      return row
    }
    corrections = state.log.flatMap { entry in
      entry.corrections.map {
        [
          "entry": String(entry.number), "text": $0.text ?? "", "replacedBy": $0.by,
          "replacedAt": UTCTime.iso8601($0.at),
        ]
      }
    }
    experiments = state.experiments.map { e in
      var row = [
        "id": String(e.id), "hypothesis": e.hypothesis, "state": e.state.rawValue,
        "proposedBy": e.proposed.by, "proposedAt": UTCTime.iso8601(e.proposed.at),
      ]
      row["change"] = e.change
      row["owner"] = e.owner
      row["target"] = e.target
      row["outcome"] = e.outcome?.rawValue
      row["result"] = e.result
      return row
    }
    updates = state.updates.map {
      ["at": UTCTime.iso8601($0.at), "by": $0.by, "text": $0.text, "onTime": String($0.onTime)]
    }
    whyChains = state.whyChains.map { chain in
      chain.map { ["why": $0.why, "because": $0.because, "by": $0.by] }
    }
    followups = state.followups.map { f in
      var row = ["id": String(f.id), "text": f.text, "done": String(f.done != nil)]
      row["owner"] = f.owner
      return row
    }
  }
}

/// JSON text embedded as a value, not as a string: the payload exactly as stored.
/// A payload that is not JSON (an unreadable row), or nested deeper than any warroom
/// writes (re-encoding a 500-deep planted row took 0.4 s), is kept verbatim as a string.
public struct JSONFragment: Encodable {
  var text: String
  static let maximumDepth = 32

  public func encode(to encoder: any Encoder) throws {
    guard Self.depth(of: text) <= Self.maximumDepth,
      let value = try? JSONDecoder().decode(AnyJSON.self, from: Data(text.utf8))
    else {
      var container = encoder.singleValueContainer()
      try container.encode(text)
      return
    }
    try value.encode(to: encoder)
  }

  /// The deepest nesting of arrays and objects, brackets inside strings aside.
  static func depth(of json: String) -> Int {
    var depth = 0
    var deepest = 0
    var inString = false
    var escaped = false
    for byte in json.utf8 {
      if inString {
        if escaped {
          escaped = false
        } else if byte == UInt8(ascii: "\\") {
          escaped = true
        } else if byte == UInt8(ascii: "\"") {
          inString = false
        }
        continue
      }
      switch byte {
      case UInt8(ascii: "\""): inString = true
      case UInt8(ascii: "["), UInt8(ascii: "{"):
        depth += 1
        deepest = max(deepest, depth)
      case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
      default: break
      }
    }
    return deepest
  }
}

/// Any JSON value, for re-encoding stored payloads of any type, known or not.
enum AnyJSON: Codable {
  case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([AnyJSON].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: AnyJSON].self))
    }
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .number(let value):
      if value == value.rounded(), abs(value) < 1e15 {
        try container.encode(Int64(value))
      } else {
        try container.encode(value)
      }
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }
}

/// Pretty, key-sorted JSON text, safe to print on a terminal: the encoder escapes C0
/// controls, and every other character `SafeText` treats as special (DEL, C1 controls,
/// bidirectional overrides, invisible ones) is escaped here as `\uXXXX`. JSON's
/// structure is ASCII, so such characters can only stand inside strings, where the
/// escape means the same character to any JSON reader.
public enum JSONText {
  public static func encode<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let text = String(decoding: try encoder.encode(value), as: UTF8.self)
    // Raw line breaks and tabs are the layout's own: the encoder escaped those in strings.
    let escapable = { (scalar: Unicode.Scalar) in
      SafeText.isHidden(scalar) && scalar != "\n" && scalar != "\t" && scalar != "\r"
    }
    guard text.unicodeScalars.contains(where: escapable) else { return text }
    var escaped = UTF8Builder(capacity: text.utf8.count + 64)
    for scalar in text.unicodeScalars {
      guard escapable(scalar) else {
        escaped.append(scalar)
        continue
      }
      for unit in String(scalar).utf16 {
        let hex = String(unit, radix: 16)
        escaped.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
      }
    }
    return escaped.string
  }
}
