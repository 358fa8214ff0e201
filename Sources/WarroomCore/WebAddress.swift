/// An http or https address, checked in one place for everything warroom sends to or
/// probes: a destination's url, a probe's target, a stored row. Foundation's `URL`
/// accepts ports no socket can have (99999, 2^63 - 1), and the HTTP client then traps
/// while building the socket address, so the authority is read here, by hand, before
/// any address reaches the network code.
public struct WebAddress: Sendable, Equatable {
  /// `http` or `https`, lowercased.
  public var scheme: String
  /// The host as written, without the brackets of an IPv6 literal, lowercased.
  public var host: String
  /// The port as written, or nil for the scheme's default.
  public var port: Int?

  /// The port a connection uses.
  public var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

  /// Reads `text`, or says in words why it is not a usable http(s) address.
  public static func parse(_ text: String) -> Result<WebAddress, Problem> {
    guard text.utf8.count <= 4096 else { return .failure(Problem("the address is too long")) }
    guard !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
      return .failure(Problem("the address holds a space or a control character"))
    }
    guard let schemeEnd = text.range(of: "://") else {
      return .failure(Problem("the address must start with http:// or https://"))
    }
    let scheme = text[..<schemeEnd.lowerBound].lowercased()
    guard scheme == "http" || scheme == "https" else {
      return .failure(Problem("only http and https addresses are allowed (not \(scheme))"))
    }
    let rest = text[schemeEnd.upperBound...]
    let authorityEnd = rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex
    var authority = rest[..<authorityEnd]
    // Credentials in the address would be sent to whoever answers; they belong in a token.
    if let at = authority.lastIndex(of: "@") {
      authority = authority[authority.index(after: at)...]
    }
    var host: Substring
    var portText: Substring?
    if authority.hasPrefix("[") {
      guard let close = authority.firstIndex(of: "]") else {
        return .failure(Problem("the IPv6 address has no closing ]"))
      }
      host = authority[authority.index(after: authority.startIndex)..<close]
      let after = authority[authority.index(after: close)...]
      if !after.isEmpty {
        guard after.hasPrefix(":") else { return .failure(Problem("the address is malformed")) }
        portText = after.dropFirst()
      }
      guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
        return .failure(Problem("the IPv6 address is malformed"))
      }
    } else if let colon = authority.lastIndex(of: ":") {
      host = authority[..<colon]
      portText = authority[authority.index(after: colon)...]
    } else {
      host = authority
    }
    guard !host.isEmpty else { return .failure(Problem("the address has no host")) }
    guard !host.contains(where: { "%\\[]:".contains($0) }) || authority.hasPrefix("[") else {
      return .failure(Problem("the host \(host) is malformed"))
    }
    var port: Int?
    if let portText {
      // Digits only, and at most five of them, before any conversion can overflow.
      guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII),
        portText.allSatisfy(\.isNumber), let value = Int(portText), (1...65535).contains(value)
      else {
        return .failure(Problem("the port must be a number from 1 to 65535"))
      }
      port = value
    }
    return .success(WebAddress(scheme: scheme, host: host.lowercased(), port: port))
  }

  /// Why `text` is not a usable http(s) address, or nil when it is.
  public static func problem(_ text: String) -> String? {
    if case .failure(let problem) = parse(text) { return problem.reason }
    return nil
  }

  public struct Problem: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
  }
}
