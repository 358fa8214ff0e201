import ArgumentParser
import Foundation
import WarroomPostgres
import WarroomStore

struct StoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "store", abstract: "Look after stores: copy one into another.",
    subcommands: [Copy.self])

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
