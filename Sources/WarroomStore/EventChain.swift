import Crypto
import Foundation

/// Each stored event carries a running hash: SHA-256 of the previous event's hash and
/// this event's content. Rewriting, removing or inserting any event breaks every link
/// after it, so `warroom store verify` can name where history was changed, even by a
/// member of the store's group who dropped the immutability triggers.
///
/// What it cannot catch is someone who rewrites history and recomputes every hash after
/// it: keep the head hash that `store verify` prints somewhere they cannot write (the
/// ticket, the post-mortem) to catch that too.
public enum EventChain {
  /// The hash of a row, given the hash of the row before it ("" for the first row).
  public static func hash(previous: String, _ event: StoredEvent) -> String {
    String(
      decoding: digest(
        previous: previous.utf8, seq: event.seq, incident: event.incident.utf8,
        atMilliseconds: event.atMilliseconds, actor: event.actor.utf8,
        osUser: (event.osUser ?? "").utf8, type: event.type.utf8, payload: event.payload.utf8),
      as: UTF8.self)
  }

  /// The same hash, as lowercase hex bytes, from each text field's UTF-8 bytes: rows
  /// checked in place in SQLite's buffers hash the same bytes `hash(previous:_:)` does.
  static func digest<Previous: Collection<UInt8>, Text: Collection<UInt8>>(
    previous: Previous, seq: Int64, incident: Text, atMilliseconds: Int64, actor: Text,
    osUser: Text, type: Text, payload: Text
  ) -> [UInt8] {
    // One buffer hashed once: hashing field by field through `Data` cost a fifth of an
    // append (store/raw 0.71 against 0.87 without the chain).
    var bytes: [UInt8] = []
    bytes.reserveCapacity(previous.count + payload.count + 128)
    bytes.append(contentsOf: previous)
    bytes.append(0x0A)
    // Every field length-prefixed, so no two different rows share one text.
    func field(_ text: some Collection<UInt8>) {
      bytes.append(contentsOf: String(text.count).utf8)
      bytes.append(0x3A)
      bytes.append(contentsOf: text)
    }
    field(String(seq).utf8)
    field(incident)
    field(String(atMilliseconds).utf8)
    field(actor)
    field(osUser)
    field(type)
    field(payload)
    let hex: StaticString = "0123456789abcdef"
    var text = [UInt8]()
    text.reserveCapacity(64)
    for byte in SHA256.hash(data: bytes) {
      text.append(hex.utf8Start[Int(byte >> 4)])
      text.append(hex.utf8Start[Int(byte & 0x0F)])
    }
    return text
  }

  /// Walks rows in order and checks every link. `rows` yields stored events with their
  /// stored hashes, oldest first.
  public static func verify(_ rows: some Sequence<(event: StoredEvent, hash: String?)>)
    -> ChainReport
  {
    var walk = Walk()
    var previous = ""
    for (event, stored) in rows {
      let link = Link(stored: stored, expected: hash(previous: previous, event))
      if let broken = walk.check(seq: event.seq, link) { return broken }
      previous = stored ?? ""
    }
    return .intact(events: walk.count, head: previous)
  }

  /// How a row's stored hash compares with the one its content and the row before give.
  enum Link {
    case matches, differs, missing

    init<Hash: Equatable>(stored: Hash?, expected: Hash) {
      guard let stored else {
        self = .missing
        return
      }
      self = stored == expected ? .matches : .differs
    }
  }

  /// The order and link checks of `verify`, for walks that read rows their own way.
  struct Walk {
    private var previousSeq: Int64
    private(set) var count = 0

    /// A walk from the first event, or from just after a link already checked.
    init(after seq: Int64 = 0) { previousSeq = seq }

    /// Nil while the chain holds; else where and why it breaks.
    mutating func check(seq: Int64, _ link: Link) -> ChainReport? {
      count += 1
      // Numbers run from 1 without gaps: a removed event is named by the one after it.
      if seq != previousSeq + 1 {
        return .broken(
          seq: seq, reason: "event #\(seq) follows #\(previousSeq): events are missing before it")
      }
      switch link {
      case .missing: return .broken(seq: seq, reason: "event #\(seq) has no hash")
      case .differs:
        return .broken(
          seq: seq,
          reason: "event #\(seq) does not match its hash: it, or an event before it, "
            + "was changed after it was written")
      case .matches:
        previousSeq = seq
        return nil
      }
    }
  }
}

/// What `EventChain.verify` found.
public enum ChainReport: Sendable, Equatable {
  case intact(events: Int, head: String)
  case broken(seq: Int64, reason: String)
}

/// Who the operating system says is running warroom: recorded with every event beside
/// the name people act under (`--as`), so the post-mortem can show when they differ.
public enum ProcessIdentity {
  public static let osUser: String = {
    let uid = geteuid()
    if let entry = getpwuid(uid), let name = entry.pointee.pw_name {
      return String(cString: name)
    }
    return "uid \(uid)"
  }()
}
