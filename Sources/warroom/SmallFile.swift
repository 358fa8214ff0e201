import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a small file a person names (a runbook, a theme): refused in one line if it is
/// not a regular file (a FIFO would hang the command, `/dev/zero` would never end) or is
/// larger than `limit`.
func readSmallFile(_ path: String, what: String, limit: Int = 1 << 20) throws -> Data {
  let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
  guard fd >= 0 else {
    throw Failure(message: "cannot read \(what) \(path): \(String(cString: strerror(errno)))")
  }
  defer { close(fd) }
  var info = stat()
  guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
    throw Failure(message: "cannot read \(what) \(path): not a regular file")
  }
  guard info.st_size <= limit else {
    throw Failure(message: "\(what) \(path) is larger than \(limit / 1024) KiB")
  }
  var data = Data()
  var buffer = [UInt8](repeating: 0, count: 65_536)
  while data.count <= limit {
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if count < 0, errno == EINTR { continue }
    guard count > 0 else { break }
    data.append(contentsOf: buffer[..<count])
  }
  return data
}
