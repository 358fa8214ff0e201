import Foundation
import WarroomStore

/// Asks an unreachable store whether it answers again, on a thread of its own: a server
/// behind a cut network can take the whole connect timeout (5 s) to fail, and the screen
/// must not freeze meanwhile. The event loop waits on the probe's pipe as it waits on the
/// keyboard, and reads the answer when the pipe says there is one.
final class StoreProbe: @unchecked Sendable {
  let fileDescriptor: Int32
  private let writeEnd: Int32
  private let lock = NSLock()
  private var answer: (any Error)??
  /// Whether a probe is under way (only the event loop's thread reads or sets it).
  private(set) var isRunning = false

  init() throws {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else {
      throw Failure(message: "cannot create a pipe for the store probe")
    }
    for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
    fileDescriptor = ends[0]
    writeEnd = ends[1]
  }

  deinit {
    close(fileDescriptor)
    close(writeEnd)
  }

  /// Starts asking. The store serialises its own calls, and the loop does not call it
  /// while offline, so the probe has the store to itself.
  func start(_ store: any EventStore) {
    guard !isRunning else { return }
    isRunning = true
    Thread.detachNewThread { [self] in
      var failure: (any Error)?
      do {
        _ = try store.latestSequence()
      } catch {
        failure = error
      }
      lock.withLock { answer = .some(failure) }
      var byte: UInt8 = 1
      _ = write(writeEnd, &byte, 1)
    }
  }

  /// The answer once there is one: `.some(nil)` when the store answered, `.some(error)`
  /// when it did not; nil while the probe is still waiting.
  func take() -> (any Error)?? {
    var buffer = [UInt8](repeating: 0, count: 16)
    while read(fileDescriptor, &buffer, buffer.count) > 0 {}
    let taken = lock.withLock {
      defer { answer = nil }
      return answer
    }
    if taken != nil { isRunning = false }
    return taken
  }
}
