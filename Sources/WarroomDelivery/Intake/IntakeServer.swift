import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// What the intake answers a sender: a status and one line.
public struct IntakeAnswer: Sendable, Equatable {
  public var status: Int
  public var line: String

  public init(_ status: Int, _ line: String) {
    self.status = status
    self.line = line
  }
}

/// The relay's HTTP listener for alerts (Hummingbird): `POST /v1/alerts/{source}` and
/// `GET /healthz`. It only reads requests (`IntakeEndpoint`) and hands the alerts to
/// `sink` (the relay's loop, which writes them); the answer waits for the write, so a
/// sender is told 2xx only once the alerts are stored, and retries otherwise.
public final class IntakeServer: Sendable {
  public typealias Sink = @Sendable ([Alert]) async -> IntakeAnswer

  private let config: IntakeConfig
  private let sink: Sink
  private let task = Locked<Task<Void, Never>?>(nil)

  public init(config: IntakeConfig, sink: @escaping Sink) {
    self.config = config
    self.sink = sink
  }

  /// Binds and starts serving; returns the address it listens on (with the port the
  /// system chose, for port 0). Throws, in one line, when it cannot bind within `timeout`.
  public func start(on address: ListenAddress, timeout: TimeInterval = 10) throws(IntakeStartError)
    -> ListenAddress
  {
    let outcome = Locked<Result<Int, IntakeStartError>?>(nil)
    let ready = DispatchSemaphore(value: 0)
    let application = Application(
      router: router(),
      server: .http1(configuration: .init(idleTimeout: .seconds(30))),
      configuration: .init(address: .hostname(address.host, port: address.port)),
      onServerRunning: { channel in
        outcome.withLock { $0 = .success(channel.localAddress?.port ?? address.port) }
        ready.signal()
      },
      logger: Logger(label: "warroom.intake", factory: { _ in SwiftLogNoOpLogHandler() }))
    task.withLock {
      $0 = Task {
        do {
          try await application.run()
        } catch {
          let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) }
          outcome.withLock {
            if $0 == nil { $0 = .failure(IntakeStartError(reason ?? "\(error)")) }
          }
          ready.signal()
        }
      }
    }
    guard ready.wait(timeout: .now() + timeout) == .success, let result = outcome.withLock({ $0 })
    else {
      stop()
      throw IntakeStartError("could not listen on \(address) within \(Int(timeout))s")
    }
    switch result {
    case .success(let port): return ListenAddress(host: address.host, port: port)
    case .failure(let error):
      throw IntakeStartError("cannot listen on \(address): \(error.message)")
    }
  }

  /// Stops listening; requests under way are cut.
  public func stop() {
    task.withLock { $0?.cancel() }
  }

  private func router() -> Router<BasicRequestContext> {
    let router = Router()
    router.get("/healthz") { _, _ in Self.response(200, "ok") }
    let config = config
    let sink = sink
    for source in Alert.Source.allCases {
      router.post(RouterPath(IntakeEndpoint.path(source))) { request, _ -> Response in
        var request = request
        let buffer: ByteBuffer
        do {
          buffer = try await request.collectBody(upTo: AlertPayloads.largestBody)
        } catch is NIOTooManyBytesError {
          return Self.response(413, "body larger than 1 MiB")
        } catch {
          return Self.response(400, "the body could not be read")
        }
        let body = Data(buffer.readableBytesView)
        let headers = request.headers
        let alerts: [Alert]
        do throws(IntakeRefusal) {
          alerts = try IntakeEndpoint.accept(
            source, header: { name in HTTPField.Name(name).flatMap { headers[$0] } }, body: body,
            config: config, now: Date())
        } catch {
          return Self.response(error.status, error.reason)
        }
        guard !alerts.isEmpty else { return Self.response(200, "nothing to route") }
        let answer = await sink(alerts)
        return Self.response(answer.status, answer.line)
      }
    }
    return router
  }

  private static func response(_ status: Int, _ line: String) -> Response {
    Response(
      status: HTTPResponse.Status(code: status),
      headers: [.contentType: "text/plain; charset=utf-8"],
      body: ResponseBody(byteBuffer: ByteBuffer(string: line + "\n")))
  }
}

public struct IntakeStartError: Error, Equatable, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
}
