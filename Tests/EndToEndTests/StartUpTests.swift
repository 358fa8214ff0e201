import Foundation
import Testing

/// What keeps a command's start cheap, checked where it is written.
@Suite("Start-up")
struct StartUpTests {
  /// Every command names itself: argument-parser otherwise derives the name from
  /// `String(describing: Self.self)`, a dynamic cast that scans the conformance records of
  /// the whole binary on every start (a third of `warroom --version`, by the profile in
  /// issue 18).
  @Test func everyCommandNamesItself() throws {
    let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Sources/warroom")
    var configurations = 0
    for file in try FileManager.default.contentsOfDirectory(atPath: sources.path)
    where file.hasSuffix(".swift") {
      let text = try String(
        contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
      var rest = Substring(text)
      while let start = rest.range(of: "CommandConfiguration(") {
        // The arguments, up to the parenthesis that closes them.
        var depth = 0
        var end = start.upperBound
        while end < rest.endIndex {
          let character = rest[end]
          if character == "(" { depth += 1 }
          if character == ")" {
            if depth == 0 { break }
            depth -= 1
          }
          end = rest.index(after: end)
        }
        let arguments = rest[start.upperBound..<end]
        configurations += 1
        #expect(arguments.contains("commandName:"), "\(file): \(arguments.prefix(80))")
        rest = rest[end...]
      }
    }
    #expect(configurations >= 50)
  }
}
