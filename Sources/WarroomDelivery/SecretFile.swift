import Foundation

/// Why a file or variable holding a secret could not be used, in words.
public struct SecretError: Error, Equatable {
  public var reason: String
}

/// Reads small files: configs, templates and secrets. A secret file must be private, as
/// ssh insists for keys: one that group or others may read is refused.
enum SecretFile {
  static func readText(_ path: String, limit: Int, private mustBePrivate: Bool) throws(SecretError)
    -> String
  {
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw SecretError(reason: "cannot read \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      throw SecretError(reason: "\(path) is not a regular file")
    }
    if mustBePrivate, info.st_mode & 0o077 != 0 {
      let mode = String(info.st_mode & 0o777, radix: 8)
      throw SecretError(
        reason: "\(path) may be read by others (mode \(mode)): chmod 600 it, as ssh asks for keys")
    }
    guard Int(info.st_size) <= limit else {
      throw SecretError(reason: "\(path) is larger than \(limit / 1024) KiB")
    }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 64 << 10)
    while data.count <= limit {
      let count = read(descriptor, &buffer, buffer.count)
      if count < 0, errno == EINTR { continue }
      guard count > 0 else { break }
      data.append(contentsOf: buffer[0..<count])
    }
    guard data.count <= limit else {
      throw SecretError(reason: "\(path) is larger than \(limit / 1024) KiB")
    }
    if let problem = badByte(in: data) { throw SecretError(reason: "\(path):\(problem)") }
    return String(decoding: data, as: UTF8.self)
  }

  /// Where text files may not go: a NUL byte (a C parser stops there and silently drops
  /// the rest) or bytes that are not UTF-8. Said as `LINE: what`, or nil when clean.
  static func badByte(in data: Data) -> String? {
    let bytes = [UInt8](data)
    if let nul = bytes.firstIndex(of: 0) {
      return "\(line(at: nul, in: bytes)): holds a NUL byte"
    }
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    var offset = 0
    var scalarStart = 0
    loop: while true {
      scalarStart = offset
      switch decoder.decode(&iterator) {
      case .scalarValue(let scalar): offset += UTF8.width(scalar)
      case .emptyInput: break loop
      case .error: return "\(line(at: scalarStart, in: bytes)): is not valid UTF-8"
      }
    }
    return nil
  }

  private static func line(at offset: Int, in bytes: [UInt8]) -> Int {
    bytes[..<offset].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
  }
}
