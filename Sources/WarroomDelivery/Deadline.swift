import Foundation

/// A deadline over a whole exchange. The HTTP client's own timeouts cover connecting and
/// each read, not the whole answer: a receiver that sends headers and then drips a byte a
/// second, or an endless chunked body, would hold a send or a probe forever. Here the
/// work races a timer; when the timer wins, the work is cancelled (which closes its
/// connection) and the caller goes on at once, whether or not the work honours the
/// cancellation promptly.
enum Deadline {
  struct Exceeded: Error {}

  static func run<T: Sendable>(
    seconds: TimeInterval, _ work: @escaping @Sendable () async throws -> T
  ) async throws -> T {
    let race = Race<T>()
    let worker = Task { race.finish(with: await Result(catching: { try await work() })) }
    let timer = Task {
      try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
      race.finish(with: .failure(Exceeded()))
    }
    let result = await withTaskCancellationHandler {
      await race.outcome()
    } onCancel: {
      race.finish(with: .failure(CancellationError()))
    }
    worker.cancel()
    timer.cancel()
    return try result.get()
  }

  /// The first of the two to finish decides; the other's answer is dropped.
  private final class Race<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?
    private var waiter: CheckedContinuation<Result<T, any Error>, Never>?

    func finish(with result: Result<T, any Error>) {
      let waiter: CheckedContinuation<Result<T, any Error>, Never>? = lock.withLock {
        guard self.result == nil else { return nil }
        self.result = result
        defer { self.waiter = nil }
        return self.waiter
      }
      waiter?.resume(returning: result)
    }

    func outcome() async -> Result<T, any Error> {
      await withCheckedContinuation { continuation in
        let ready: Result<T, any Error>? = lock.withLock {
          if let result { return result }
          waiter = continuation
          return nil
        }
        if let ready { continuation.resume(returning: ready) }
      }
    }
  }
}

extension Result where Failure == any Error {
  init(catching body: () async throws -> Success) async {
    do { self = .success(try await body()) } catch { self = .failure(error) }
  }
}
