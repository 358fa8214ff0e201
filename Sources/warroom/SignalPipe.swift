import Foundation

/// Where the signal handler writes; a C handler cannot capture context. Written once before
/// any handler is installed, then only read.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Turns termination signals into a readable file descriptor, so the event loop quits
/// through its normal path (restoring the terminal) instead of dying mid-frame.
final class SignalPipe {
  let fileDescriptor: Int32

  init(catching signals: [Int32]) throws {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { throw Failure(message: "cannot create a signal pipe") }
    fileDescriptor = ends[0]
    signalPipeWriteEnd = ends[1]
    for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
    for number in signals {
      var action = sigaction()
      action.__sigaction_handler.sa_handler = { _ in
        var byte: UInt8 = 1
        _ = write(signalPipeWriteEnd, &byte, 1)
      }
      sigemptyset(&action.sa_mask)
      sigaction(number, &action, nil)
    }
    // A parent may have started us with these blocked (test runners and some supervisors
    // do); a blocked SIGWINCH would freeze the layout at its first size.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    for number in signals + [SIGWINCH] { sigaddset(&unblock, number) }
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
  }

  func drain() {
    var buffer = [UInt8](repeating: 0, count: 64)
    while read(fileDescriptor, &buffer, buffer.count) > 0 {}
  }
}
