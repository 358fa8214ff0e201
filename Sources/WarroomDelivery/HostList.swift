import Foundation

/// Hosts a deliverer lets probes reach: names (matched whole, without case), IP addresses,
/// and CIDR ranges (`10.0.0.0/8`, `fd00::/8`), which match addresses written in the
/// probe's URL. A name is not resolved to be matched against a range: an allowed name is
/// an allowed name, and a range allows only literal addresses, so what is allowed can be
/// read off the config without asking DNS.
public struct HostList: Sendable, Equatable {
  private var names: Set<String> = []
  private var ranges: [Range] = []

  public init() {}

  public init(_ entries: [String]) throws(Problem) {
    for entry in entries { try add(entry) }
  }

  public var isEmpty: Bool { names.isEmpty && ranges.isEmpty }

  public struct Problem: Error, Equatable {
    public var reason: String
  }

  struct Range: Equatable {
    var bytes: [UInt8]
    var prefix: Int
  }

  public mutating func add(_ entry: String) throws(Problem) {
    let text = entry.trimmingCharacters(in: .whitespaces).lowercased()
    guard !text.isEmpty else { throw Problem(reason: "an empty host") }
    if let slash = text.firstIndex(of: "/") {
      let address = String(text[..<slash])
      guard let bytes = Self.addressBytes(address),
        let prefix = Int(text[text.index(after: slash)...]),
        (0...(bytes.count * 8)).contains(prefix)
      else { throw Problem(reason: "\(entry) is not a CIDR range such as 10.0.0.0/8") }
      ranges.append(Range(bytes: bytes, prefix: prefix))
    } else if let bytes = Self.addressBytes(Self.unbracketed(text)) {
      ranges.append(Range(bytes: bytes, prefix: bytes.count * 8))
    } else {
      guard
        text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
      else { throw Problem(reason: "\(entry) is not a host name, an address or a CIDR range") }
      names.insert(text)
    }
  }

  /// Whether `host` (as a URL writes it, brackets removed) is allowed.
  public func contains(_ host: String) -> Bool {
    let host = Self.unbracketed(host.lowercased())
    if let bytes = Self.addressBytes(host) {
      return ranges.contains { Self.matches(bytes, $0) }
    }
    return names.contains(host)
  }

  static func unbracketed(_ text: String) -> String {
    text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
  }

  /// An IPv4 address as 4 bytes, an IPv6 address as 16; nil for anything else.
  static func addressBytes(_ text: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 {
      return withUnsafeBytes(of: &v4) { Array($0) }
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 {
      return withUnsafeBytes(of: &v6) { Array($0) }
    }
    return nil
  }

  static func matches(_ address: [UInt8], _ range: Range) -> Bool {
    guard address.count == range.bytes.count else { return false }
    var bits = range.prefix
    for index in 0..<address.count where bits > 0 {
      let take = min(8, bits)
      let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
      if address[index] & mask != range.bytes[index] & mask { return false }
      bits -= take
    }
    return true
  }
}
