import NIOCore

/// The server gave no answer within the time a wait allows.
struct NoAnswer: Error, CustomStringConvertible {
  var seconds: Int64
  var description: String { "no answer within \(seconds) s" }
}

extension EventLoopFuture where Value: Sendable {
  /// Waits for the future, but at most `limit`: then gives up with `NoAnswer` and calls
  /// `onTimeout` (which closes the connection). The deadline is a promise of its own, so
  /// it holds even when the connection is already gone and will never fail the future
  /// itself (a command once waited five minutes in the schema set-up that way).
  func wait(atMost limit: TimeAmount, onTimeout: @escaping @Sendable () -> Void = {}) throws
    -> Value
  {
    let bounded = eventLoop.makePromise(of: Value.self)
    let deadline = eventLoop.scheduleTask(in: limit) {
      bounded.fail(NoAnswer(seconds: limit.nanoseconds / 1_000_000_000))
      onTimeout()
    }
    whenComplete { result in
      deadline.cancel()
      bounded.completeWith(result)  // ignored if the deadline came first
    }
    return try bounded.futureResult.wait()
  }
}
