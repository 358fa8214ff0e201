/// What a one-shot command is done with, kept until the process ends instead of freed:
/// the process is about to end anyway, and freeing a 100k-event incident one log entry at
/// a time was 6% of `warroom status`.
enum KeptUntilExit {
  nonisolated(unsafe) private static var values: [Any] = []

  static func keep(_ value: Any) { values.append(value) }
}
