/// Writes an `Encodable` payload as compact JSON, in the order its fields are declared.
///
/// Foundation's `JSONEncoder` spent about 3.7 µs per event, the largest single cost of an
/// append (more than SQLite's own insert). Payloads are small trees of strings, numbers,
/// booleans, arrays and objects, so this encoder builds that tree directly and prints it.
/// Reading still uses `JSONDecoder`; the core tests round-trip every event type and any
/// text through both. Coding paths are not tracked: they only decorate error messages.
enum PayloadJSON {
  static func encode<T: Encodable>(_ value: T) throws -> String {
    let root = Node()
    try value.encode(to: TreeEncoder(node: root, codingPath: []))
    var output: [UInt8] = []
    output.reserveCapacity(96)
    root.write(to: &output)
    return String(decoding: output, as: UTF8.self)
  }

  /// A JSON value under construction. Members and items are kept in place (not inside
  /// the enum) so adding one does not copy the others.
  final class Node {
    enum Value {
      case unset, null, bool(Bool), number(String), string(String), array, object
    }
    var value = Value.unset
    var members: [(String, Node)] = []
    var items: [Node] = []

    /// Printed as UTF-8 bytes: appending to a `String` scalar by scalar was a third of
    /// encoding a log entry.
    func write(to output: inout [UInt8]) {
      switch value {
      case .unset, .null: output += "null".utf8
      case .bool(let b): output += (b ? "true" : "false").utf8
      case .number(let n): output += n.utf8
      case .string(let s): Self.writeString(s, to: &output)
      case .array:
        output.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
          if index > 0 { output.append(UInt8(ascii: ",")) }
          item.write(to: &output)
        }
        output.append(UInt8(ascii: "]"))
      case .object:
        output.append(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
          if index > 0 { output.append(UInt8(ascii: ",")) }
          Self.writeString(member.0, to: &output)
          output.append(UInt8(ascii: ":"))
          member.1.write(to: &output)
        }
        output.append(UInt8(ascii: "}"))
      }
    }

    /// A JSON string: quotes, backslashes and control characters escaped; the rest as is.
    /// Everything escaped is ASCII, so the bytes between escapes are copied in runs.
    static func writeString(_ string: String, to output: inout [UInt8]) {
      output.append(UInt8(ascii: "\""))
      let bytes = string.utf8
      var runStart = bytes.startIndex
      var index = runStart
      while index != bytes.endIndex {
        let byte = bytes[index]
        if byte == 0x22 || byte == 0x5C || byte < 0x20 {
          output += bytes[runStart..<index]
          output += escape(byte).utf8
          runStart = bytes.index(after: index)
        }
        index = bytes.index(after: index)
      }
      output += bytes[runStart..<bytes.endIndex]
      output.append(UInt8(ascii: "\""))
    }

    private static func escape(_ byte: UInt8) -> String {
      switch byte {
      case 0x22: return "\\\""
      case 0x5C: return "\\\\"
      case 0x0A: return "\\n"
      case 0x0D: return "\\r"
      case 0x09: return "\\t"
      default:
        let hex = String(byte, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      }
    }

    func member(_ key: String) -> Node {
      value = .object
      let child = Node()
      members.append((key, child))
      return child
    }

    func element() -> Node {
      value = .array
      let child = Node()
      items.append(child)
      return child
    }
  }

  struct TreeEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
      node.value = .object
      return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
      node.value = .array
      return Unkeyed(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
      Single(node: node, codingPath: codingPath)
    }
  }

  struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).value = .null }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
      node.member(key.stringValue).value = .bool(value)
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
      node.member(key.stringValue).value = .string(value)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
      node.member(key.stringValue).value = .number(String(value))
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
      try value.encode(to: TreeEncoder(node: node.member(key.stringValue), codingPath: codingPath))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(
      keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
      TreeEncoder(node: node.member(key.stringValue), codingPath: codingPath)
        .container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
      TreeEncoder(node: node.member(key.stringValue), codingPath: codingPath)
        .unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
      TreeEncoder(node: node.member("super"), codingPath: codingPath)
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
      TreeEncoder(node: node.member(key.stringValue), codingPath: codingPath)
    }
  }

  struct Unkeyed: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.items.count }

    mutating func encodeNil() throws { node.element().value = .null }
    mutating func encode(_ value: Bool) throws { node.element().value = .bool(value) }
    mutating func encode(_ value: String) throws { node.element().value = .string(value) }
    mutating func encode(_ value: Int) throws { node.element().value = .number(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
      try value.encode(to: TreeEncoder(node: node.element(), codingPath: codingPath))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
      -> KeyedEncodingContainer<NestedKey>
    {
      TreeEncoder(node: node.element(), codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
      TreeEncoder(node: node.element(), codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
      TreeEncoder(node: node.element(), codingPath: codingPath)
    }
  }

  struct Single: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.value = .null }
    mutating func encode(_ value: Bool) throws { node.value = .bool(value) }
    mutating func encode(_ value: String) throws { node.value = .string(value) }
    mutating func encode(_ value: Int) throws { node.value = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { node.value = .number(String(value)) }
    mutating func encode(_ value: Double) throws {
      guard value.isFinite else {
        throw EncodingError.invalidValue(
          value, .init(codingPath: codingPath, debugDescription: "JSON has no \(value)"))
      }
      node.value = .number(
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value))
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
      try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
    }
  }
}
