import Foundation

/// Names one submission (a command, a declaration) so that sending it again is harmless.
///
/// A client that loses its connection while committing cannot tell whether the commit
/// landed. It sends the same submission again with the same id; the store recognises the
/// id, writes nothing and answers with the events written the first time. Each
/// submission is therefore stored exactly once, however often it is sent.
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: String

  public init(rawValue: String) { self.rawValue = rawValue }

  /// A fresh, random id.
  public init() { rawValue = UUID().uuidString.lowercased() }

  public var description: String { rawValue }
}
