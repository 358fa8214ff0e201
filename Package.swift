// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "warroom",
  products: [
    .executable(name: "warroom", targets: ["warroom"]),
    .executable(name: "warroom-bench", targets: ["warroom-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.5.3"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
    .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
    .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
    // HTTP in (the relay's alert intake). Its optional traits (swift-configuration, full
    // Foundation) are left off: the intake needs neither, and they lengthen every build.
    .package(
      url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
  ],
  targets: [
    // MARK: - Core: the incident process as pure values (no files, no SQLite, no terminal)
    .target(name: "WarroomCore"),

    // MARK: - Reports: what the record says for people elsewhere (post-mortem, status,
    // JSON export), written from the state alone
    .target(name: "WarroomReports", dependencies: ["WarroomCore"]),

    // MARK: - Store: the event log on disk (SQLite through GRDB)
    .target(
      name: "WarroomStore",
      dependencies: [
        "WarroomCore", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),

    // MARK: - The same store on PostgreSQL, for war rooms across machines
    .target(
      name: "WarroomPostgres",
      dependencies: [
        "WarroomCore", "WarroomStore", .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),

    // MARK: - Delivery: messages from the store to Slack, Teams, Statuspage, webhooks, commands
    .target(
      name: "WarroomDelivery",
      dependencies: [
        "WarroomCore", "WarroomReports", "WarroomStore",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "TOMLKit", package: "TOMLKit"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),

    // MARK: - Screen: the dashboard as a pure function from state and size to a grid of cells
    .target(name: "WarroomScreen", dependencies: ["WarroomCore"]),

    // MARK: - Terminal backend: the only code that touches ncurses
    .systemLibrary(
      name: "CNcursesw", path: "Sources/CNcursesw", providers: [.apt(["libncurses-dev"])]),
    .target(name: "TerminalBackend", dependencies: ["CNcursesw", "WarroomScreen"]),

    // MARK: - The command-line executable
    .executableTarget(
      name: "warroom",
      dependencies: [
        "WarroomCore", "WarroomReports", "WarroomStore", "WarroomPostgres", "WarroomScreen",
        "TerminalBackend", "WarroomDelivery",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Benchmarks (figures printed, never asserted)
    .executableTarget(
      name: "warroom-bench",
      dependencies: [
        "WarroomCore", "WarroomReports", "WarroomStore", "WarroomPostgres", "WarroomScreen",
        .product(name: "GRDB", package: "GRDB.swift"),
      ]
    ),

    // MARK: - Tests, one target per layer
    .target(name: "WarroomTestSupport", path: "Sources/WarroomTestSupport"),
    .testTarget(
      name: "WarroomCoreTests",
      dependencies: [
        "WarroomCore", "WarroomReports", "WarroomTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ],
      exclude: ["Snapshots"]),
    .testTarget(
      name: "WarroomStoreTests",
      dependencies: [
        "WarroomCore", "WarroomStore", "WarroomPostgres", "WarroomTestSupport",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "WarroomDeliveryTests",
      dependencies: [
        "WarroomCore", "WarroomDelivery", "WarroomStore", "WarroomTestSupport",
      ]),
    .testTarget(
      name: "WarroomScreenTests",
      dependencies: [
        "WarroomCore", "WarroomReports", "WarroomScreen", "WarroomTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ],
      exclude: ["Snapshots"]),
    .testTarget(
      name: "EndToEndTests",
      dependencies: [
        "WarroomTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      exclude: ["Peers"]),
  ],
  swiftLanguageModes: [.v6]
)
