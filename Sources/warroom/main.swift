import ArgumentParser
import Foundation
import TerminalBackend
import WarroomCore
import WarroomDelivery
import WarroomPostgres
import WarroomStore

// Parse and run by hand rather than through `Warroom.main()`, so that every failure is
// one line on stderr with the exit code the contract promises: 1 for a refused action or
// an unusable store, 64 for bad usage.
// A closed pipe (`warroom export | head`) is an error to report, not a signal to die of:
// writes then fail with EPIPE, and `Output` ends the command with one line and exit 1.
// Children get the default back (ChildProcess sets it), so `yes | head` in a probe works.
signal(SIGPIPE, SIG_IGN)

do {
  var command = try Warroom.parseAsRoot()
  try command.run()
} catch let refusal as Refusal {
  Output.fail(refusal.message, code: 1)
} catch let error as StoreError {
  Output.fail(error.description, code: 1)
} catch let error as PostgresStoreError {
  Output.fail(error.description, code: 1)
} catch let error as ConfigError {
  Output.fail(error.message, code: 1)
} catch let error as RunbookError {
  Output.fail(error.description, code: 1)
} catch let error as Terminal.StartError {
  Output.fail(error.description, code: 1)
} catch let failure as Failure {
  Output.fail(failure.message, code: failure.code)
} catch {
  let code = Warroom.exitCode(for: error)
  if code == .success {
    Warroom.exit(withError: error)  // --help, --version: full text on stdout
  }
  let message = Warroom.message(for: error).split(separator: "\n").first.map(String.init) ?? ""
  Output.fail(message.isEmpty ? "\(error)" : message, code: code.rawValue)
}
