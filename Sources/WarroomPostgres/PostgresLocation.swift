import Foundation
import WarroomCore

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
  /// Whether to encrypt, and how far to trust the server's certificate (`?sslmode=`).
  public var sslMode: SSLMode
  /// The certificate authorities to trust for `verify-ca` and `verify-full` (`?sslrootcert=`).
  public var rootCertificate: String?

  /// libpq's `sslmode` values, with libpq's meaning and default (`prefer`).
  public enum SSLMode: String, Sendable, CaseIterable {
    /// Never encrypt.
    case disable
    /// Encrypt when the server offers it, else go on in plain text.
    case allow, prefer
    /// Always encrypt; trust any certificate (protects against eavesdropping only).
    case require
    /// Always encrypt; the certificate must be signed by a trusted authority.
    case verifyCA = "verify-ca"
    /// As verify-ca, and the certificate must name the host.
    case verifyFull = "verify-full"
  }

  /// Whether a store location names PostgreSQL rather than a file.
  public static func isPostgres(_ location: String) -> Bool {
    location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
  }

  public init(url: String, environment: [String: String]) throws {
    guard Self.isPostgres(url), let components = URLComponents(string: url),
      var host = components.host, !host.isEmpty
    else {
      throw PostgresStoreError.badURL(Self.redact(url))
    }
    // An IPv6 literal keeps its brackets in the URL, not in the address to connect to.
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    self.host = host
    port = components.port ?? 5432
    user =
      components.user.flatMap { $0.removingPercentEncoding } ?? environment["USER"] ?? "postgres"
    let path =
      components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
    database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
    let query = components.queryItems ?? []
    func parameter(_ name: String) -> String? { query.first { $0.name == name }?.value }
    let known = ["schema", "sslmode", "sslrootcert", "password", "user"]
    if let unknown = query.first(where: { !known.contains($0.name) }) {
      throw PostgresStoreError.badURL(
        Self.redact(url) + " (unknown parameter \(SafeText.name(unknown.name)); known: "
          + known.joined(separator: ", ") + ")")
    }
    if let user = parameter("user"), !user.isEmpty { self.user = user }
    let modeText = parameter("sslmode") ?? environment["PGSSLMODE"] ?? "prefer"
    guard let sslMode = SSLMode(rawValue: modeText) else {
      throw PostgresStoreError.badURL(
        Self.redact(url) + " (sslmode: "
          + SSLMode.allCases.map(\.rawValue).joined(separator: ", ") + ")")
    }
    self.sslMode = sslMode
    rootCertificate = parameter("sslrootcert") ?? environment["PGSSLROOTCERT"]
    schema = parameter("schema")
    if let schema, let problem = Self.schemaProblem(schema) {
      throw PostgresStoreError.badURL(Self.redact(url) + " (schema: \(problem))")
    }
    password =
      components.password.flatMap { $0.removingPercentEncoding }
      ?? parameter("password").flatMap { $0.isEmpty ? nil : $0 }
      ?? environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
      ?? Self.passwordFile(environment).flatMap {
        Self.lookUp(
          in: $0, host: host, port: components.port ?? 5432, database: database, user: user)
      }
  }

  /// The address without the password: safe for messages and the dashboard's header.
  public var redacted: String {
    let shownHost = host.contains(":") ? "[\(host)]" : host
    return "postgres://\(user)@\(shownHost):\(port)/\(database)"
      + (schema.map { "?schema=\($0)" } ?? "")
  }

  /// Where libpq looks for trusted authorities when the URL names none.
  func rootCertificatePath(_ environment: [String: String]) -> String {
    rootCertificate
      ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.postgresql/root.crt")
  }

  /// The URL as it may be shown: the password, and the value of every parameter that is
  /// not known to be harmless, replaced by `***`.
  static func redact(_ url: String) -> String {
    guard var components = URLComponents(string: url) else { return "postgres://…" }
    if components.password != nil { components.password = "***" }
    components.queryItems = components.queryItems?.map {
      ["schema", "sslmode"].contains($0.name) ? $0 : URLQueryItem(name: $0.name, value: "***")
    }
    return components.string ?? "postgres://…"
  }

  /// Why a schema name cannot be used, or nil. Names are used unquoted in SQL, so only
  /// plain identifiers that are no keyword and not the server's own (`pg_…`) pass.
  static func schemaProblem(_ schema: String) -> String? {
    guard !schema.isEmpty, schema.utf8.count <= 63,
      schema.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
    else { return "1 to 63 lowercase letters, digits and _" }
    if schema.first!.isNumber { return "it must not start with a digit" }
    if schema.hasPrefix("pg_") { return "names starting with pg_ belong to PostgreSQL" }
    if reservedWords.contains(schema) { return "\(schema) is an SQL keyword" }
    return nil
  }

  /// PostgreSQL's reserved key words (and those that cannot name a schema).
  private static let reservedWords: Set<String> = [
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
    "authorization", "binary", "both", "case", "cast", "check", "collate", "collation",
    "column", "concurrently", "constraint", "create", "cross", "current_catalog",
    "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
    "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
    "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group",
    "having", "ilike", "in", "initially", "inner", "intersect", "into", "is", "isnull",
    "join", "lateral", "leading", "left", "like", "limit", "localtime", "localtimestamp",
    "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order", "outer",
    "overlaps", "placing", "primary", "references", "returning", "right", "select",
    "session_user", "similar", "some", "symmetric", "system_user", "table", "tablesample",
    "then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic",
    "verbose", "when", "where", "window", "with",
  ]

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
  case notAStore(String, reason: String)
  case newerSchema(String, version: Int)
  case failed(String, reason: String)

  public var description: String {
    switch self {
    case .badURL(let url):
      "\(url) is not a PostgreSQL address like postgres://USER@HOST:PORT/DB"
    case .notAStore(let location, let reason):
      "\(location) is not a warroom store (\(reason)); it was left untouched"
    case .newerSchema(let location, let version):
      "\(location) was written by a newer warroom (schema \(version)); upgrade warroom to use it"
    case .failed(let location, let reason): "\(location): \(reason)"
    }
  }
}
