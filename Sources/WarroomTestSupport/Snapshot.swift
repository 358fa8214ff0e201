import Foundation

/// Compares text with a snapshot file kept in `Snapshots/` beside the test file.
///
/// A missing snapshot, or `WARROOM_RECORD_SNAPSHOTS=1` in the environment, writes the
/// file anew and reports a failure, so a person reads the new expectation before it counts.
public enum Snapshot {
  /// Nil when `text` matches; otherwise a message saying what differs.
  public static func mismatch(_ text: String, named name: String, testFile: String = #filePath)
    -> String?
  {
    let folder = URL(fileURLWithPath: testFile).deletingLastPathComponent()
      .appendingPathComponent("Snapshots")
    let file = folder.appendingPathComponent(name)
    let recording = ProcessInfo.processInfo.environment["WARROOM_RECORD_SNAPSHOTS"] == "1"
    let expected = try? String(contentsOf: file, encoding: .utf8)
    if recording || expected == nil {
      try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try? text.write(to: file, atomically: true, encoding: .utf8)
      return "recorded snapshot \(file.path): check it, then run the tests again"
    }
    guard let expected, expected != text else { return nil }
    let a = expected.components(separatedBy: "\n")
    let b = text.components(separatedBy: "\n")
    for index in 0..<max(a.count, b.count) {
      let left = index < a.count ? a[index] : "<missing>"
      let right = index < b.count ? b[index] : "<missing>"
      if left != right {
        return """
          snapshot \(name) differs at line \(index + 1):
            expected: \(left)
            actual:   \(right)
          (set WARROOM_RECORD_SNAPSHOTS=1 to re-record)
          """
      }
    }
    return "snapshot \(name) differs"
  }
}
