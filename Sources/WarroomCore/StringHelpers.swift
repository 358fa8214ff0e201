extension String {
  /// The text without leading and trailing white space.
  public var trimmed: String {
    var text = Substring(self)
    while let first = text.first, first.isWhitespace { text.removeFirst() }
    while let last = text.last, last.isWhitespace { text.removeLast() }
    return String(text)
  }
}

extension StringProtocol {
  /// Nothing but printable ASCII (space to `~`): one column a byte, nothing to make inert.
  /// Most text is only this, and one pass over the bytes answers for it. Inlinable: the
  /// frame's text is measured with it, and unspecialized across modules it cost a third
  /// more per frame.
  @inlinable public var isPrintableASCII: Bool { utf8.allSatisfy { $0.isPrintableASCII } }
}

extension UInt8 {
  /// A byte of printable ASCII, space to `~`.
  @inlinable public var isPrintableASCII: Bool { self >= 0x20 && self < 0x7F }
}

extension Int {
  /// Whole seconds from a time interval, clamped to `Int`'s range instead of trapping:
  /// intervals come from stored times and cadences, which a hostile row could push far.
  public init(seconds interval: Double, rounding rule: FloatingPointRoundingRule = .towardZero) {
    let rounded = interval.rounded(rule)
    if rounded.isNaN {
      self = 0
    } else if rounded >= 9.2e18 {
      self = .max
    } else if rounded <= -9.2e18 {
      self = .min
    } else {
      self = Int(rounded)
    }
  }
}

/// Builds a string scalar by scalar in a byte buffer. `String.UnicodeScalarView`'s
/// `append(contentsOf:)` copies the whole string each time (measured: an export of one
/// entry of 32,000 C1 characters took 2.3 s, two took 6.5 s); this stays linear.
public struct UTF8Builder {
  private var bytes: [UInt8] = []

  public init(capacity: Int) { bytes.reserveCapacity(capacity) }

  public mutating func append(_ scalar: Unicode.Scalar) {
    if scalar.isASCII {
      bytes.append(UInt8(scalar.value))
    } else {
      bytes.append(contentsOf: UTF8.encode(scalar)!)
    }
  }

  public mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

  public var string: String { String(decoding: bytes, as: UTF8.self) }
}
