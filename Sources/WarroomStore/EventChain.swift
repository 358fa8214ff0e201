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
    var hasher = SHA256()
    hasher.update(data: Data(previous.utf8))
    hasher.update(data: Data([0x0A]))
    // Every field length-prefixed, so no two different rows share one text.
    for field in [
      String(event.seq), event.incident, String(event.atMilliseconds), event.actor,
      event.osUser ?? "", event.type, event.payload,
    ] {
      hasher.update(data: Data("\(field.utf8.count):".utf8))
      hasher.update(data: Data(field.utf8))
    }
    return hasher.finalize().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
  }

  /// Walks rows in order and checks every link. `rows` yields stored events with their
  /// stored hashes, oldest first.
  public static func verify(_ rows: some Sequence<(event: StoredEvent, hash: String?)>)
    -> ChainReport
  {
    var previous = ""
    var previousSeq: Int64 = 0
    var count = 0
    for (event, stored) in rows {
      count += 1
      // Numbers run from 1 without gaps: a removed event is named by the one after it.
      if event.seq != previousSeq + 1 {
        return .broken(
          seq: event.seq,
          reason: "event #\(event.seq) follows #\(previousSeq): events are missing before it")
      }
      let expected = hash(previous: previous, event)
      guard let stored else {
        return .broken(seq: event.seq, reason: "event #\(event.seq) has no hash")
      }
      guard stored == expected else {
        return .broken(
          seq: event.seq,
          reason: "event #\(event.seq) does not match its hash: it, or an event before it, "
            + "was changed after it was written")
      }
      previous = stored
      previousSeq = event.seq
    }
    return .intact(events: count, head: previous)
  }
}

/// What `EventChain.verify` found.
public enum ChainReport: Sendable, Equatable {
  case intact(events: Int, head: String)
  case broken(seq: Int64, reason: String)
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
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
