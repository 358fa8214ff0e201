import Foundation

/// A bare HTTP/1.1 client for tests that post to a server of the project's on 127.0.0.1:
/// one request per connection, every header as given (so a test can send a wrong one),
/// and a deadline on the whole exchange.
public enum LoopbackHTTP {
  public struct Response: Sendable {
    public var status: Int
    public var body: String
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
  }

  public static func post(
    port: Int, path: String, headers: [String: String] = [:], body: Data,
    timeout: TimeInterval = 20
  ) throws -> Response {
    try send("POST", port: port, path: path, headers: headers, body: body, timeout: timeout)
  }

  public static func get(port: Int, path: String, timeout: TimeInterval = 20) throws -> Response {
    try send("GET", port: port, path: path, headers: [:], body: Data(), timeout: timeout)
  }

  public static func send(
    _ method: String, port: Int, path: String, headers: [String: String], body: Data,
    timeout: TimeInterval
  ) throws -> Response {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      throw Failure(description: "connect to port \(port): \(String(cString: strerror(errno)))")
    }
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    if method != "GET" || !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    let request = Data((head + "\r\n").utf8) + body
    var sent = 0
    while sent < request.count {
      let written = request.withUnsafeBytes {
        write(fd, $0.baseAddress! + sent, request.count - sent)
      }
      // A server may refuse early (413) and close before reading everything: read its answer.
      if written <= 0 { break }
      sent += written
    }
    shutdown(fd, Int32(SHUT_WR))
    var answer = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      let count = read(fd, &buffer, buffer.count)
      if count < 0, errno == EINTR { continue }
      if count <= 0 { break }
      answer.append(contentsOf: buffer[0..<count])
    }
    let text = String(decoding: answer, as: UTF8.self)
    guard let statusLine = text.split(separator: "\r\n", maxSplits: 1).first,
      let code = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
    else { throw Failure(description: "no HTTP answer from port \(port): \(text.prefix(200))") }
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return Response(status: code, body: body)
  }
}

/// A port on 127.0.0.1 that nothing listens on now, for a server a test starts (which may
/// lose it to another program in the moment between: such a test retries or fails loudly).
public enum FreePort {
  public static func pick() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LoopbackHTTP.Failure(description: "socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard bound else { throw LoopbackHTTP.Failure(description: "no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
