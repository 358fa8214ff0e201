/// A small, fast, seedable generator (SplitMix64): one seed from the property checker
/// draws a whole hostile row, so a failure reproduces from the seed it reports.
public struct SplitMix {
  public var state: UInt64
  public init(_ seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }

  /// Any Unicode scalar, often a control character, a joiner or a bidi override.
  public mutating func scalar(ascii: Bool) -> Unicode.Scalar {
    if ascii { return Unicode.Scalar(UInt8(below(128))) }
    let specials: [UInt32] = [0x1B, 0x07, 0x9B, 0x7F, 0x200B, 0x202E, 0x2028, 0xE0041, 0x0A]
    if below(3) == 0 { return Unicode.Scalar(specials[below(specials.count)])! }
    while true {
      if let scalar = Unicode.Scalar(UInt32(below(0x11_0000))) { return scalar }
    }
  }
}
