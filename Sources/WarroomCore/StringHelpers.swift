extension String {
  /// The text without leading and trailing white space.
  var trimmed: String {
    var text = Substring(self)
    while let first = text.first, first.isWhitespace { text.removeFirst() }
    while let last = text.last, last.isWhitespace { text.removeLast() }
    return String(text)
  }
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
