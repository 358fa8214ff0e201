import Foundation

/// Where the command line writes: data to stdout, messages and errors to stderr.
enum Output {
  static func data(_ text: String) {
    print(text)
  }

  /// A short confirmation, on stderr so that scripts reading stdout see only data.
  static func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  static func warn(_ text: String) {
    FileHandle.standardError.write(Data(("warroom: warning: " + text + "\n").utf8))
  }

  static func fail(_ message: String, code: Int32) -> Never {
    let line = message.replacingOccurrences(of: "\n", with: " ")
    let prefixed = line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line
    FileHandle.standardError.write(Data(("warroom: " + prefixed + "\n").utf8))
    exit(code)
  }
}

/// A failure with its own exit code, for errors that are neither refusals nor usage.
struct Failure: Error {
  var message: String
  var code: Int32 = 1
}
