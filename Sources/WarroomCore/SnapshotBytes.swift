import Foundation

/// A value a snapshot holds, written field by field in one order and read back in the
/// same. Hand-written rather than `Codable`: measured on the 100k-event incident, its
/// state took 1.0 s to encode and 1.07 s to decode as JSON (29 MB), four times as long
/// as folding the events again, which would make a snapshot pointless.
protocol SnapshotCodable {
  func write(to writer: inout SnapshotWriter)
  init(from reader: inout SnapshotReader) throws
}

/// The bytes of a snapshot being written.
struct SnapshotWriter {
  private(set) var bytes: [UInt8] = []

  mutating func write<T: SnapshotCodable>(_ value: T) { value.write(to: &self) }

  /// Zig-zag LEB128: small numbers, the usual case, take one byte.
  mutating func integer(_ value: Int64) {
    var rest = UInt64(bitPattern: (value << 1) ^ (value >> 63))
    while rest >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
      rest >>= 7
    }
    bytes.append(UInt8(rest))
  }

  mutating func word(_ value: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
    }
  }

  /// Starts a section whose length is written before it, so that a reader can skip it.
  mutating func beginSection() -> Int {
    let start = bytes.count
    word(0)
    return start
  }

  mutating func endSection(_ start: Int) {
    let length = UInt64(bytes.count - start - 8)
    for index in 0..<8 { bytes[start + index] = UInt8(truncatingIfNeeded: length >> (8 * index)) }
  }

  mutating func utf8(_ text: String) {
    var text = text
    text.withUTF8 { utf8 in
      integer(Int64(utf8.count))
      bytes.append(contentsOf: utf8)
    }
  }
}

/// Reads a snapshot's bytes back. Every read is checked: a snapshot is a cache that
/// anyone able to write the store can plant, so a malformed one must be refused
/// (`Malformed`), never trusted or crashed on.
///
/// The bytes are read where the caller holds them, or a piece at a time (`Fill`) through
/// a window that only grows to the largest single value: the store reads a snapshot of
/// 12.5 MB (100k events) that way, instead of SQLite assembling all of it in memory
/// while the state is built beside it.
struct SnapshotReader {
  struct Malformed: Error {}

  /// Copies the bytes at `offset` into the buffer, filling it; false when it cannot.
  typealias Fill = (_ offset: Int, _ into: UnsafeMutableRawBufferPointer) -> Bool

  /// The pieces' window: owned memory, freed with the reader.
  private final class Window {
    var memory = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    deinit { memory.deallocate() }
  }

  private let pieceSize: Int
  /// The next piece's size: pieces start small and double up to `pieceSize`, so a reader
  /// that stops early (a summary stops where the history begins, 20 KB into a 0.9 MB
  /// snapshot at 10k events) asks for little more than it reads: a first piece of 256 KB
  /// made every `warroom log` read 65 pages of the log it passes over.
  private var nextPiece: Int
  private let total: Int
  private let fill: Fill?
  private let owned: Window?
  /// The bytes from `windowStart` on that are at hand.
  private var window: UnsafeRawBufferPointer
  private var windowStart = 0
  /// Where the next read starts, from the first byte.
  private(set) var position = 0
  /// What the state's layout reads of the log's and timeline's section.
  var history = HistoryReading.whole

  /// Bytes valid while the reader is in use.
  init(_ bytes: UnsafeRawBufferPointer) {
    pieceSize = bytes.count
    nextPiece = bytes.count
    total = bytes.count
    fill = nil
    owned = nil
    window = bytes
  }

  /// `total` bytes read in pieces of up to `pieceSize` (more for a longer value).
  init(total: Int, pieceSize: Int, fill: @escaping Fill) {
    self.pieceSize = max(1, pieceSize)
    nextPiece = min(self.pieceSize, 16 * 1024)
    self.total = total
    self.fill = fill
    owned = Window()
    window = UnsafeRawBufferPointer(start: nil, count: 0)
  }

  var isAtEnd: Bool { position == total }

  mutating func read<T: SnapshotCodable>(_: T.Type = T.self) throws -> T {
    try T(from: &self)
  }

  /// Makes `count` bytes from `position` at hand, and returns where they start in the
  /// window.
  @inline(__always)
  private mutating func take(_ count: Int) throws -> Int {
    let local = position - windowStart
    if window.count - local >= count { return local }
    try bringIntoWindow(count)
    return 0
  }

  private mutating func bringIntoWindow(_ count: Int) throws {
    guard let fill, let owned, total - position >= count else { throw Malformed() }
    let size = min(max(nextPiece, count), total - position)
    nextPiece = nextPiece > pieceSize / 2 ? pieceSize : nextPiece * 2  // never past Int.max
    if owned.memory.count < size {
      owned.memory.deallocate()
      owned.memory = .allocate(byteCount: size, alignment: 8)
    }
    let piece = UnsafeMutableRawBufferPointer(rebasing: owned.memory[0..<size])
    guard fill(position, piece) else { throw Malformed() }
    window = UnsafeRawBufferPointer(piece)
    windowStart = position
  }

  mutating func integer() throws -> Int64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      guard shift < 64 else { throw Malformed() }
      // Taken first: `window[try take(1)]` would read the window from before the take.
      let at = try take(1)
      let byte = window[at]
      position += 1
      value |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { break }
      shift += 7
    }
    return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
  }

  mutating func word() throws -> UInt64 {
    let at = try take(8)
    var value: UInt64 = 0
    for index in 0..<8 { value |= UInt64(window[at + index]) << UInt64(8 * index) }
    position += 8
    return value
  }

  /// The length of a section (`SnapshotWriter.beginSection`), within what is left.
  mutating func sectionLength() throws -> Int {
    let length = try word()
    guard length <= UInt64(total - position) else { throw Malformed() }
    return Int(length)
  }

  /// Passes over `count` bytes without reading them.
  mutating func skip(_ count: Int) throws {
    guard count >= 0, count <= total - position else { throw Malformed() }
    position += count
  }

  /// A count of items that follow: each takes at least a byte, so a count larger than
  /// what is left is a lie (and would reserve memory for it).
  mutating func count() throws -> Int {
    let count = try integer()
    guard count >= 0, count <= total - position else { throw Malformed() }
    return Int(count)
  }

  mutating func utf8() throws -> String {
    let length = try count()
    let at = try take(length)
    position += length
    return String(
      decoding: UnsafeRawBufferPointer(rebasing: window[at..<at + length]), as: UTF8.self)
  }
}

// MARK: - Plain values

extension Int64: SnapshotCodable {
  func write(to writer: inout SnapshotWriter) { writer.integer(self) }
  init(from reader: inout SnapshotReader) throws { self = try reader.integer() }
}

extension Int: SnapshotCodable {
  /// Counts, indexes and durations: a planted Int.max would trap the next `+ 1`, so
  /// anything beyond what an incident can reach is refused.
  static let snapshotRange = -(1 << 40)...(1 << 40)

  func write(to writer: inout SnapshotWriter) { writer.integer(Int64(self)) }
  init(from reader: inout SnapshotReader) throws {
    let value = try reader.integer()
    guard Self.snapshotRange.contains(Int(value)) else { throw SnapshotReader.Malformed() }
    self = Int(value)
  }
}

extension UInt64: SnapshotCodable {
  func write(to writer: inout SnapshotWriter) { writer.word(self) }
  init(from reader: inout SnapshotReader) throws { self = try reader.word() }
}

extension Bool: SnapshotCodable {
  func write(to writer: inout SnapshotWriter) { writer.integer(self ? 1 : 0) }
  init(from reader: inout SnapshotReader) throws {
    switch try reader.integer() {
    case 0: self = false
    case 1: self = true
    default: throw SnapshotReader.Malformed()
    }
  }
}

extension String: SnapshotCodable {
  func write(to writer: inout SnapshotWriter) { writer.utf8(self) }
  init(from reader: inout SnapshotReader) throws { self = try reader.utf8() }
}

extension Date: SnapshotCodable {
  /// The exact seconds, bit for bit; only times the fold could hold (or the two
  /// sentinels it uses) are accepted.
  func write(to writer: inout SnapshotWriter) { writer.word(timeIntervalSince1970.bitPattern) }
  init(from reader: inout SnapshotReader) throws {
    let seconds = Double(bitPattern: try reader.word())
    let date = Date(timeIntervalSince1970: seconds)
    guard Limits.foldedSeconds.contains(seconds) || date == .distantFuture || date == .distantPast
    else {
      throw SnapshotReader.Malformed()
    }
    self = date
  }
}

extension Optional: SnapshotCodable where Wrapped: SnapshotCodable {
  func write(to writer: inout SnapshotWriter) {
    if let value = self {
      writer.integer(1)
      writer.write(value)
    } else {
      writer.integer(0)
    }
  }
  init(from reader: inout SnapshotReader) throws {
    switch try reader.integer() {
    case 0: self = nil
    case 1: self = try reader.read(Wrapped.self)
    default: throw SnapshotReader.Malformed()
    }
  }
}

extension Array: SnapshotCodable where Element: SnapshotCodable {
  func write(to writer: inout SnapshotWriter) {
    writer.integer(Int64(count))
    for element in self { writer.write(element) }
  }
  init(from reader: inout SnapshotReader) throws {
    let count = try reader.count()
    self.init()
    reserveCapacity(count)
    for _ in 0..<count { append(try reader.read(Element.self)) }
  }
}

extension Set: SnapshotCodable where Element: SnapshotCodable {
  func write(to writer: inout SnapshotWriter) { writer.write(Array(self)) }
  init(from reader: inout SnapshotReader) throws {
    let elements = try reader.read([Element].self)
    self.init(elements)
    guard count == elements.count else { throw SnapshotReader.Malformed() }
  }
}

extension Dictionary: SnapshotCodable where Key: SnapshotCodable, Value: SnapshotCodable {
  func write(to writer: inout SnapshotWriter) {
    writer.integer(Int64(count))
    for (key, value) in self {
      writer.write(key)
      writer.write(value)
    }
  }
  init(from reader: inout SnapshotReader) throws {
    let count = try reader.count()
    self.init(minimumCapacity: count)
    for _ in 0..<count {
      let key = try reader.read(Key.self)
      // A key twice is not something the fold writes.
      guard updateValue(try reader.read(Value.self), forKey: key) == nil else {
        throw SnapshotReader.Malformed()
      }
    }
  }
}

/// Enumerations kept by their stored names, so a case added later cannot shift others.
protocol SnapshotName: SnapshotCodable, RawRepresentable where RawValue == String {}

extension SnapshotName {
  func write(to writer: inout SnapshotWriter) { writer.utf8(rawValue) }
  init(from reader: inout SnapshotReader) throws {
    guard let value = Self(rawValue: try reader.utf8()) else { throw SnapshotReader.Malformed() }
    self = value
  }
}

/// Small values kept as their JSON (a runbook, a probe's definition): one or a few per
/// incident, and already `Codable` with rules of their own.
protocol SnapshotJSON: SnapshotCodable, Codable {}

extension SnapshotJSON {
  func write(to writer: inout SnapshotWriter) {
    // These hold no floating-point values that JSON cannot carry: encoding cannot fail.
    let json = (try? PayloadJSON.encode(self)) ?? ""
    writer.utf8(json)
  }
  init(from reader: inout SnapshotReader) throws {
    let json = try reader.utf8()
    self = try JSONDecoder().decode(Self.self, from: Data(json.utf8))
  }
}
