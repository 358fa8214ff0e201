import ArgumentParser
import Foundation
import WarroomPostgres
import WarroomStore

struct StoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "store", abstract: "Look after stores: copy one into another, verify one.",
    subcommands: [Copy.self, Verify.self])

  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify",
      abstract: "Check that no event was changed, removed or slipped in since it was written.",
      discussion: """
        Every event is chained to the one before it by a hash. Exits 0 when the chain \
        holds and prints its head (keep it in the ticket: a later run that prints another \
        head for the same events means history was rewritten whole); exits 1 naming the \
        first event where it breaks.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(
      help: ArgumentHelp(
        "Fail unless this head (SEQ:HASH, as printed before) is still in the store.",
        valueName: "head"))
    var expectHead: String?
    @Option(
      help: ArgumentHelp(
        "Read the head to expect from this file (as written by relay or export --head-file).",
        valueName: "path"))
    var headFile: String?

    func validate() throws {
      if expectHead != nil, headFile != nil {
        throw ValidationError("give --expect-head or --head-file, not both")
      }
      if let expectHead, ChainHead(parsing: expectHead) == nil {
        throw ValidationError(
          "--expect-head needs SEQ:HASH (64 hex digits), as store verify prints")
      }
    }

    /// The head a witness kept, if one was given.
    func expected() throws -> ChainHead? {
      if let expectHead { return ChainHead(parsing: expectHead) }
      guard let headFile else { return nil }
      let text = String(
        decoding: try readSmallFile(headFile, what: "--head-file", limit: 4096), as: UTF8.self)
      guard let head = ChainHead(parsing: text) else {
        throw Failure(message: "\(headFile) does not hold a head (SEQ:HASH)", code: 64)
      }
      return head
    }

    func run() throws {
      let expected = try expected()
      let store = try global.openStore()
      let verification = try store.verify()
      if let expected, verification.isIntact, verification.note == nil {
        try check(expected, in: store)
      }
      switch verification.report {
      case .broken(_, let reason):
        throw Failure(message: "\(store.location): history was changed: \(reason)")
      case .intact(let events, let head):
        if let note = verification.note {
          try Output.data("\(store.location): \(note)")
        } else {
          var line = "\(store.location): intact, \(events) events"
          if let after = verification.chainedAfter, after > 0 {
            line +=
              "; events up to #\(after) were chained when the store was upgraded"
              + (verification.chainedAt.map { " (\($0))" } ?? "")
              + ", as they stood then"
          }
          try Output.data(line)
          if !head.isEmpty { try Output.data("head \(events):\(head)") }
        }
      }
      let snapshots = try store.checkSnapshots()
      if !snapshots.isEmpty {
        let removed =
          snapshots.allSatisfy(\.removed) ? "; removed, readers fold the events again" : ""
        throw Failure(
          message: "\(store.location): "
            + snapshots.map(\.description).joined(separator: "; ") + removed)
      }
    }

    /// The newest events cannot be told missing from the chain alone: a head kept
    /// elsewhere must still be in it, at its own number.
    func check(_ expected: ChainHead, in store: any EventStore) throws {
      let gone =
        "\(store.location): the expected head \(expected) is not in the store: "
        + "its newest events were removed, or its history was rewritten"
      guard !expected.hash.isEmpty else { return }
      guard let seq = try store.sequence(ofHead: expected.hash) else {
        if try store.chainHead()?.hash.isEmpty == true {
          // PostgreSQL keeps no chain: only the number can be held to.
          if try store.latestSequence() < expected.seq { throw Failure(message: gone) }
          return
        }
        throw Failure(message: gone)
      }
      if expected.seq != 0, seq != expected.seq { throw Failure(message: gone) }
      let latest = try store.latestSequence()
      Output.note(
        "the expected head is event #\(seq)"
          + (latest > seq ? "; \(latest - seq) events were added since" : ", the newest"))
    }
  }

  struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "copy",
      abstract: "Copy every event of one store into another, keeping their numbers.",
      discussion: """
        The destination is created if missing. Events it already has are skipped, so \
        running the copy again changes nothing; if it holds a different event under the \
        same number, nothing is copied and the command fails.
        """)

    @Option(help: ArgumentHelp("The store to read.", valueName: "source")) var from: String
    @Option(help: ArgumentHelp("The store to write.", valueName: "destination")) var to: String

    func validate() throws {
      if from.isEmpty || to.isEmpty { throw ValidationError("--from and --to need a store") }
    }

    func run() throws {
      let environment = ProcessInfo.processInfo.environment
      let sourcePath = StoreLocation.resolve(explicit: from, environment: environment)
      let destinationPath = StoreLocation.resolve(explicit: to, environment: environment)
      guard
        sourcePath != destinationPath,
        PostgresLocation.isPostgres(sourcePath)
          || URL(fileURLWithPath: sourcePath).standardizedFileURL
            != URL(fileURLWithPath: destinationPath).standardizedFileURL
      else {
        throw Failure(message: "--from and --to name the same store")
      }
      let source = try StoreOpener.open(sourcePath, create: false)
      let destination = try StoreOpener.open(destinationPath)
      // One transaction for the whole copy: a store arrives whole or not at all.
      let events = try source.storedEvents(after: 0, limit: nil)
      let result = try destination.importEvents(events)
      Output.note(
        "copied \(result.added) events from \(source.location) to \(destination.location)"
          + (result.alreadyThere > 0 ? " (\(result.alreadyThere) were already there)" : ""))
    }
  }
}
