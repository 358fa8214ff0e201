/// What the terminal backend read, before it means anything: a character, a key the
/// terminal's description names, or the markers around a bracketed paste.
public enum RawInput: Equatable, Sendable {
  case scalar(UInt32)
  case key(Key)
  /// A function key the backend has no name for: dropped.
  case unknownKey
  case pasteStart, pasteEnd
}

/// Turns what the terminal sends into keys, so that text is always text:
/// - between the paste markers everything is one `.paste`, control characters included
///   (made visible where it lands), never keys;
/// - an escape sequence the terminal's description does not name (`ESC [ 4 ~` for End in
///   some terminals) is dropped whole instead of typing its tail (`[4~`) into the line;
/// - ESC then a letter within one read is Alt with that letter; ESC alone is Esc.
///
/// Pure and incremental: a paste may arrive over several reads.
public struct InputDecoder: Sendable {
  private var paste: String.UnicodeScalarView?
  /// An escape sequence that a read ended in the middle of.
  private var sequence: [UInt32]?

  public init() {}

  /// The keys in one read of the terminal (everything available at once).
  public mutating func decode(_ batch: [RawInput]) -> [Key] {
    var keys: [Key] = []
    var index = 0
    while index < batch.count {
      let input = batch[index]
      index += 1
      if paste != nil {
        switch input {
        case .pasteEnd:
          keys.append(.paste(String(paste!)))
          paste = nil
        case .scalar(let value):
          if let scalar = Unicode.Scalar(value) { paste!.append(scalar) }
        case .key(let key):
          // A sequence inside the paste that the terminal's description knows: keep its
          // place visibly rather than act on it.
          paste!.append(contentsOf: "^[\(key.label)".unicodeScalars)
        case .unknownKey, .pasteStart: break
        }
        continue
      }
      if var pending = sequence {
        // Finishing a CSI/SS3 sequence: parameters, then one final byte.
        if case .scalar(let value) = input {
          pending.append(value)
          sequence = Self.isFinal(pending) ? nil : pending
        } else {
          sequence = nil
          index -= 1  // not part of it: read it again as itself
        }
        continue
      }
      switch input {
      case .pasteStart: paste = String.UnicodeScalarView()
      case .pasteEnd, .unknownKey: break
      case .key(let key): keys.append(key)
      case .scalar(27):
        guard index < batch.count, case .scalar(let next) = batch[index] else {
          keys.append(.escape)
          continue
        }
        if next == 0x5B || next == 0x4F {  // '[' or 'O': a sequence with no name here
          index += 1
          sequence = [next]
        } else if let scalar = Unicode.Scalar(next), scalar.properties.isAlphabetic {
          index += 1
          keys.append(.alt(Character(scalar)))
        } else {
          keys.append(.escape)  // Esc, then whatever came right after it, as itself
        }
      case .scalar(let value):
        if let key = Self.key(for: value) { keys.append(key) }
      }
    }
    return keys
  }

  /// A CSI sequence ends at a byte from 0x40 to 0x7E after its parameters; an SS3
  /// sequence (`ESC O x`) is one byte long.
  private static func isFinal(_ sequence: [UInt32]) -> Bool {
    guard sequence.count >= 2, let last = sequence.last else { return false }
    if sequence[0] == 0x4F { return true }
    return (0x40...0x7E).contains(last) || sequence.count > 32
  }

  /// A plain character or control key.
  static func key(for value: UInt32) -> Key? {
    switch value {
    case 9: return .tab
    case 10, 13: return .enter  // after nonl(), Enter arrives as 13
    case 8, 127: return .backspace
    case 1...26: return .control(Character(Unicode.Scalar(value + 96)!))
    case 0..<32: return nil
    default:
      guard let scalar = Unicode.Scalar(value) else { return nil }
      return .character(Character(scalar))
    }
  }
}
