import Testing
import WarroomPostgres

/// Addresses are read as libpq reads them, and nothing secret is ever repeated.
@Suite("PostgreSQL addresses")
struct PostgresAddressTests {
  @Test func schemaNamesThatPassTheFilterButCannotWorkAreRefusedAsSchemaNames() {
    for schema in ["1abc", "select", "user", "pg_x", "", "Upper", "a-b"] {
      do {
        _ = try PostgresLocation(url: "postgres://u@h/db?schema=\(schema)", environment: [:])
        Issue.record("schema \(schema) was accepted")
      } catch {
        #expect("\(error)".contains("(schema: "), "\(schema): \(error)")
      }
    }
    #expect(
      (try? PostgresLocation(url: "postgres://u@h/db?schema=war_room2", environment: [:])) != nil)
  }

  @Test func passwordsComeFromTheParameterAndAreNeverShown() throws {
    let address = try PostgresLocation(
      url: "postgres://u@h:1/db?password=s3cret", environment: [:])
    #expect(address.password == "s3cret")
    #expect(!address.redacted.contains("s3cret"))
    do {
      _ = try PostgresLocation(url: "postgres://u:s3cret@h/db?token=abc&x=s3cret", environment: [:])
      Issue.record("an unknown parameter was accepted")
    } catch {
      #expect(!"\(error)".contains("s3cret"))
      #expect(!"\(error)".contains("abc"))
    }
  }

  @Test func ipv6LiteralsAreHosts() throws {
    let address = try PostgresLocation(url: "postgres://u@[::1]:5433/db", environment: [:])
    #expect(address.host == "::1")
    #expect(address.port == 5433)
    #expect(address.redacted == "postgres://u@[::1]:5433/db")
  }
}
