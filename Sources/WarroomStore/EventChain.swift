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
    var link = LinkBytes(capacity: previous.utf8.count + event.payload.utf8.count + 128)
    link.append(previous)
    link.separator()
    link.field(event.seq)
    link.field(event.incident)
    link.field(event.atMilliseconds)
    link.field(event.actor)
    link.field(event.osUser ?? "")
    link.field(event.type)
    link.field(event.payload)
    return String(decoding: link.digest(), as: UTF8.self)
  }

  /// The same hash, as lowercase hex bytes, from each text field's UTF-8 bytes: rows
  /// checked in place in SQLite's buffers hash the same bytes `hash(previous:_:)` does.
  static func digest(
    previous: UnsafeBufferPointer<UInt8>, seq: Int64, incident: UnsafeBufferPointer<UInt8>,
    atMilliseconds: Int64, actor: UnsafeBufferPointer<UInt8>,
    osUser: UnsafeBufferPointer<UInt8>, type: UnsafeBufferPointer<UInt8>,
    payload: UnsafeBufferPointer<UInt8>
  ) -> [UInt8] {
    var link = LinkBytes(capacity: previous.count + payload.count + 128)
    link.append(previous)
    link.separator()
    link.field(seq)
    link.field(incident)
    link.field(atMilliseconds)
    link.field(actor)
    link.field(osUser)
    link.field(type)
    link.field(payload)
    return link.digest()
  }

  /// The bytes one link hashes: the previous hash, a newline, then every field as its
  /// length in decimal, a colon and its bytes, so no two different rows share one text.
  /// Written straight into one buffer and hashed once: hashing field by field through
  /// `Data` cost a fifth of an append, and building it through generic collections and
  /// `String(Int)` still a twentieth (`perf record -g` of `warroom-bench --append-one`).
  struct LinkBytes {
    private var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func append(_ text: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: text) }

    mutating func append(_ text: String) {
      var text = text
      text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func separator() { bytes.append(0x0A) }

    mutating func field(_ text: UnsafeBufferPointer<UInt8>) {
      decimal(Int64(text.count))
      bytes.append(0x3A)
      bytes.append(contentsOf: text)
    }

    mutating func field(_ text: String) {
      var text = text
      text.withUTF8 { field($0) }
    }

    /// A number's field: its decimal text (with a minus sign when negative), prefixed by
    /// that text's length like any other field.
    mutating func field(_ number: Int64) {
      decimal(Int64(Self.decimalCount(number)))
      bytes.append(0x3A)
      decimal(number)
    }

    private static func decimalCount(_ number: Int64) -> Int {
      var count = number < 0 ? 2 : 1
      var rest = number.magnitude / 10
      while rest > 0 {
        count += 1
        rest /= 10
      }
      return count
    }

    private mutating func decimal(_ number: Int64) {
      if number < 0 { bytes.append(0x2D) }
      let digits = Self.decimalCount(number) - (number < 0 ? 1 : 0)
      let end = bytes.count + digits
      bytes.append(contentsOf: repeatElement(0x30, count: digits))
      var rest = number.magnitude
      for index in stride(from: end - 1, through: end - digits, by: -1) {
        bytes[index] = 0x30 + UInt8(rest % 10)
        rest /= 10
      }
    }

    /// SHA-256 of the bytes, as 64 lowercase hex digits.
    func digest() -> [UInt8] {
      let hex: StaticString = "0123456789abcdef"
      var text = [UInt8]()
      text.reserveCapacity(64)
      var hasher = SHA256()
      bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
      let sum = hasher.finalize()
      sum.withUnsafeBytes { raw in
        for byte in raw {
          text.append(hex.utf8Start[Int(byte >> 4)])
          text.append(hex.utf8Start[Int(byte & 0x0F)])
        }
      }
      return text
    }
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
