import Foundation
import WarroomStore

/// Where the signal handler writes; a C handler cannot capture context. Written once before
/// any handler is installed, then only read.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Turns termination signals into a readable file descriptor, so the event loop quits
/// through its normal path (restoring the terminal) instead of dying mid-frame.
final class SignalPipe {
  private let pipe: WakePipe

  init(catching signals: [Int32]) throws {
    guard let pipe = WakePipe() else { throw Failure(message: "cannot create a signal pipe") }
    self.pipe = pipe
    signalPipeWriteEnd = pipe.writeEnd
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

  // The handlers stay installed: a late signal must not write into a reused descriptor.
  deinit { signalPipeWriteEnd = -1 }

  var fileDescriptor: Int32 { pipe.fileDescriptor }

  func drain() { pipe.drain() }
}
