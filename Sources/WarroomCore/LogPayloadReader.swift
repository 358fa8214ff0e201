/// Reads the payload of a `logged` event, the most common event of a long incident, in
/// its usual shape: `{"kind":"…","text":"…"}`, either order, nothing else.
///
/// Why not `JSONDecoder`: per `perf record -g` of `warroom log` on a 10k-event incident,
/// decoding payloads was 28% of the command, most of it the decoder's fixed cost per
/// call, paid once per event on every fold. Anything this reader does not expect (another
/// member, a repeated one, a surrogate escape, a raw control character, an unknown kind)
/// returns nil and `EventKind.decode` uses `JSONDecoder` as before, so an odd or hostile
/// payload is judged exactly as it always was; a property test holds the two to the same
/// answers.
enum LogPayloadReader {
  static func read(_ payload: String) -> LogAdded? {
    var payload = payload
    return payload.withUTF8 { bytes in
      var reader = Cursor(bytes: bytes)
      return reader.logAdded()
    }
  }

  private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    mutating func logAdded() -> LogAdded? {
      var kind: LogKind?
      var text: String?
      skipSpace()
      guard take(UInt8(ascii: "{")) else { return nil }
      for member in 0..<2 {
        skipSpace()
        guard let key = string() else { return nil }
        skipSpace()
        guard take(UInt8(ascii: ":")) else { return nil }
        skipSpace()
        guard let value = string() else { return nil }
        switch key {
        case "kind" where kind == nil:
          guard let known = LogKind(rawValue: value) else { return nil }
          kind = known
        case "text" where text == nil: text = value
        default: return nil
        }
        skipSpace()
        if !take(member == 0 ? UInt8(ascii: ",") : UInt8(ascii: "}")) { return nil }
      }
      skipSpace()
      guard index == bytes.count, let kind, let text else { return nil }
      return LogAdded(kind: kind, text: text)
    }

    /// JSON's four whitespace bytes, as `JSONDecoder` accepts them.
    mutating func skipSpace() {
      while index < bytes.count {
        switch bytes[index] {
        case 0x20, 0x09, 0x0A, 0x0D: index += 1
        default: return
        }
      }
    }

    mutating func take(_ byte: UInt8) -> Bool {
      guard index < bytes.count, bytes[index] == byte else { return false }
      index += 1
      return true
    }

    /// A string with the escapes JSON allows, except surrogates (left to `JSONDecoder`).
    mutating func string() -> String? {
      guard take(UInt8(ascii: "\"")) else { return nil }
      let start = index
      // Most texts have no escape: one copy of the bytes between the quotes.
      while index < bytes.count {
        let byte = bytes[index]
        if byte == UInt8(ascii: "\"") {
          defer { index += 1 }
          return String(
            decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }
        if byte == UInt8(ascii: "\\") { break }
        if byte < 0x20 { return nil }
        index += 1
      }
      var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
      while index < bytes.count {
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
        case UInt8(ascii: "\\"):
          guard index < bytes.count else { return nil }
          let escape = bytes[index]
          index += 1
          switch escape {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
          case UInt8(ascii: "b"): out.append(0x08)
          case UInt8(ascii: "f"): out.append(0x0C)
          case UInt8(ascii: "n"): out.append(0x0A)
          case UInt8(ascii: "r"): out.append(0x0D)
          case UInt8(ascii: "t"): out.append(0x09)
          case UInt8(ascii: "u"):
            guard let value = hex4(), !(0xD800...0xDFFF).contains(value),
              let scalar = Unicode.Scalar(value)
            else { return nil }
            UTF8.encode(scalar) { out.append($0) }
          default: return nil
          }
        case 0..<0x20: return nil
        default: out.append(byte)
        }
      }
      return nil
    }

    mutating func hex4() -> UInt32? {
      guard index + 4 <= bytes.count else { return nil }
      var value: UInt32 = 0
      for _ in 0..<4 {
        let byte = bytes[index]
        index += 1
        let digit: UInt32
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
        value = value << 4 | digit
      }
      return value
    }
  }
}
