import Foundation
import WarroomCore
import WarroomReports

#if canImport(Glibc)
  import Glibc
#endif

/// Where the command line writes: data to stdout, messages and errors to stderr.
///
/// Every byte the command line prints passes through here, and here alone it is made
/// safe: each line goes through `SafeText.inert`, so no string from the store, an
/// argument or an error can move the cursor, retitle the terminal or write the clipboard.
/// Writes are checked: stdout that cannot be written (a full disk, a closed pipe) ends the
/// command with one line and exit 1 instead of a silent, truncated document or a crash.
enum Output {
  /// Data for scripts and people: each line made inert (line breaks between lines kept).
  static func data(_ text: String) throws {
    let safe = text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { SafeText.inert(String($0)) }.joined(separator: "\n")
    try write(safe + "\n", to: STDOUT_FILENO, what: "standard output")
  }

  /// JSON for machines, already escaped by `JSONText` (no raw control character left).
  static func json(_ text: String) throws {
    try write(text + "\n", to: STDOUT_FILENO, what: "standard output")
  }

  /// A short confirmation, on stderr so that scripts reading stdout see only data. The
  /// action it confirms has happened, so a stderr that cannot be written is not an error.
  static func note(_ text: String) {
    try? write(SafeText.inert(text) + "\n", to: STDERR_FILENO, what: "standard error")
  }

  static func warn(_ text: String) {
    note("warroom: warning: " + text)
  }

  static func fail(_ message: String, code: Int32) -> Never {
    let prefixed = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
    note("warroom: " + prefixed)
    exit(code)
  }

  /// Writes all of `text`, retrying short writes and interruptions.
  private static func write(_ text: String, to fd: Int32, what: String) throws {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if written < 0 {
        if errno == EINTR { continue }
        throw Failure(message: "cannot write to \(what): \(String(cString: strerror(errno)))")
      }
      bytes = bytes.dropFirst(written)
    }
  }
}

/// A failure with its own exit code, for errors that are neither refusals nor usage.
struct Failure: Error {
  var message: String
  var code: Int32 = 1
}
