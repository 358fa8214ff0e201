import Foundation

/// A `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` address, with the password looked up the
/// way libpq does when the URL has none: `PGPASSWORD`, then `~/.pgpass`.
public struct PostgresLocation: Sendable, Equatable {
  public var host: String
  public var port: Int
  public var user: String
  public var database: String
  public var password: String?
  /// A schema of its own (`?schema=NAME`), so several stores can share one database.
  public var schema: String?

  /// Whether a store location names PostgreSQL rather than a file.
  public static func isPostgres(_ location: String) -> Bool {
    location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
  }

  public init(url: String, environment: [String: String]) throws {
    guard Self.isPostgres(url), let components = URLComponents(string: url),
      let host = components.host, !host.isEmpty
    else {
      throw PostgresStoreError.badURL(Self.redact(url))
    }
    self.host = host
    port = components.port ?? 5432
    user =
      components.user.flatMap { $0.removingPercentEncoding } ?? environment["USER"] ?? "postgres"
    let path =
      components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
    database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
    if let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value,
      sslmode != "disable", sslmode != "prefer", sslmode != "allow"
    {
      throw PostgresStoreError.unsupported("sslmode=\(sslmode) (TLS is not built in yet)")
    }
    schema = components.queryItems?.first(where: { $0.name == "schema" })?.value
    if let schema,
      schema.isEmpty
        || !schema.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
    {
      throw PostgresStoreError.badURL(Self.redact(url) + " (schema: lowercase letters, digits, _)")
    }
    password =
      components.password.flatMap { $0.removingPercentEncoding }
      ?? environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
      ?? Self.passwordFile(environment).flatMap {
        Self.lookUp(
          in: $0, host: host, port: components.port ?? 5432, database: database, user: user)
      }
  }

  /// The address without the password: safe for messages and the dashboard's header.
  public var redacted: String {
    "postgres://\(user)@\(host):\(port)/\(database)" + (schema.map { "?schema=\($0)" } ?? "")
  }

  static func redact(_ url: String) -> String {
    guard var components = URLComponents(string: url) else { return "postgres://…" }
    if components.password != nil { components.password = "***" }
    return components.string ?? "postgres://…"
  }

  private static func passwordFile(_ environment: [String: String]) -> String? {
    let path =
      environment["PGPASSFILE"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass")
    return try? String(contentsOfFile: path, encoding: .utf8)
  }

  /// `host:port:database:user:password` lines; `*` matches anything; `\:` is a colon.
  static func lookUp(in text: String, host: String, port: Int, database: String, user: String)
    -> String?
  {
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      var fields: [String] = []
      var current = ""
      var escaped = false
      for character in line {
        if escaped {
          current.append(character)
          escaped = false
        } else if character == "\\" {
          escaped = true
        } else if character == ":", fields.count < 4 {
          fields.append(current)
          current = ""
        } else {
          current.append(character)
        }
      }
      fields.append(current)
      guard fields.count == 5 else { continue }
      let wanted = [host, String(port), database, user]
      if zip(fields.prefix(4), wanted).allSatisfy({ $0.0 == "*" || $0.0 == $0.1 }) {
        return fields[4]
      }
    }
    return nil
  }
}

public enum PostgresStoreError: Error, Equatable, CustomStringConvertible {
  case badURL(String)
  case unsupported(String)
  case cannotConnect(String, reason: String)
  case notAStore(String, reason: String)
  case newerSchema(String, version: Int)
  case failed(String, reason: String)

  public var description: String {
    switch self {
    case .badURL(let url):
      "\(url) is not a PostgreSQL address like postgres://USER@HOST:PORT/DB"
    case .unsupported(let what): "not supported: \(what)"
    case .cannotConnect(let location, let reason): "cannot reach \(location): \(reason)"
    case .notAStore(let location, let reason):
      "\(location) is not a warroom store (\(reason)); it was left untouched"
    case .newerSchema(let location, let version):
      "\(location) was written by a newer warroom (schema \(version)); upgrade warroom to use it"
    case .failed(let location, let reason): "\(location): \(reason)"
    }
  }
}
