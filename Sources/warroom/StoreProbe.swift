import Foundation
import WarroomStore

/// Asks an unreachable store whether it answers again, on a thread of its own: a server
/// behind a cut network can take the whole connect timeout (5 s) to fail, and the screen
/// must not freeze meanwhile. The event loop waits on the probe's pipe as it waits on the
/// keyboard, and reads the answer when the pipe says there is one.
final class StoreProbe: @unchecked Sendable {
  private let pipe: WakePipe
  private let lock = NSLock()
  private var answer: Result<Void, any Error>?
  /// Whether a probe is under way (only the event loop's thread reads or sets it).
  private(set) var isRunning = false

  init() throws {
    guard let pipe = WakePipe() else {
      throw Failure(message: "cannot create a pipe for the store probe")
    }
    self.pipe = pipe
  }

  var fileDescriptor: Int32 { pipe.fileDescriptor }

  /// Starts asking. The store serialises its own calls, and the loop does not call it
  /// while offline, so the probe has the store to itself.
  func start(_ store: any EventStore) {
    guard !isRunning else { return }
    isRunning = true
    Thread.detachNewThread { [self] in
      let result = Result { _ = try store.latestSequence() }
      lock.withLock { answer = result }
      pipe.wake()
    }
  }

  /// The answer once there is one; nil while the probe is still waiting.
  func take() -> Result<Void, any Error>? {
    pipe.drain()
    let taken = lock.withLock {
      defer { answer = nil }
      return answer
    }
    if taken != nil { isRunning = false }
    return taken
  }
}
