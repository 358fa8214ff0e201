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
      abstract: "Check that no event was changed, removed or slipped in since it was written.",
      discussion: """
        Every event is chained to the one before it by a hash. Exits 0 when the chain \
        holds and prints its head (keep it in the ticket: a later run that prints another \
        head for the same events means history was rewritten whole); exits 1 naming the \
        first event where it breaks.
        """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
      let store = try global.openStore()
      let verification = try store.verify()
      switch verification.report {
      case .broken(_, let reason):
        throw Failure(message: "\(store.location): history was changed: \(reason)")
      case .intact(let events, let head):
        if let note = verification.note {
          try Output.data("\(store.location): \(note)")
          return
        }
        var line = "\(store.location): intact, \(events) events"
        if let after = verification.chainedAfter, after > 0 {
          line +=
            "; events up to #\(after) were chained when the store was upgraded"
            + (verification.chainedAt.map { " (\($0))" } ?? "")
            + ", as they stood then"
        }
        try Output.data(line)
        if !head.isEmpty { try Output.data("head \(head)") }
      }
    }
  }

  struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
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
