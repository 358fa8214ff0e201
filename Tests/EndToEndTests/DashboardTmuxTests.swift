import Foundation
import Testing
import WarroomTestSupport

/// The real binary in real terminals (tmux), several at once on one store.
@Suite("Dashboard end to end in tmux", .serialized)
struct DashboardTmuxTests {
  let folder: TemporaryFolder
  let store: String
  let tmux = Tmux()
  let binary = WarroomBinary.path

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("warroom.db")
  }

  func cli(_ arguments: String...) throws -> WarroomBinary.Result {
    try WarroomBinary.run(arguments + ["--store", store])
  }

  func dashboard(as name: String, _ extra: String = "") -> String {
    "WARROOM_USER=\(name) \(binary) --store \(store) \(extra)"
  }

  @Test func twoDashboardsAndTheCommandLineShareOneLiveIncident() throws {
    _ = try cli("declare", "Checkout returns 502", "--ticket", "IM-481")
    try tmux.start("lead", command: dashboard(as: "alice"))
    try tmux.start("recorder", command: dashboard(as: "bob", "--view recorder"))
    try tmux.waitFor("lead") { $0.contains("INC-1 Checkout returns 502") }
    try tmux.waitFor("recorder") { $0.contains("INC-1 Checkout returns 502") }

    // Typed in one dashboard, seen in the other.
    try tmux.type("recorder", "users see 502 on checkout")
    try tmux.press("recorder", "Enter")
    let lead = try tmux.waitFor("lead") { $0.contains("bob      #1 users see 502 on checkout") }
    #expect(lead.contains("bob      #1 users see 502 on checkout"))

    // A CLI update restarts the countdown in both.
    #expect(try tmux.screen("lead").contains("no update posted yet"))
    _ = try cli("update", "--as", "carol", "Investigating 502s; next update in 30m")
    let screen = try tmux.waitFor("lead") { $0.contains("carol: Investigating 502") }
    // Whole minutes, rounded up, while the update is not yet due soon.
    #expect(screen.contains("due in 30m"), "\(screen)")
    // The recorder's log has the whole width at 100 columns; its title bar sums up the rest.
    let recorder = try tmux.waitFor("recorder") { $0.contains("update due in ") }
    #expect(recorder.contains("update due in 30m"), "\(recorder)")

    // Another process writing never disturbs what this one is typing.
    try tmux.type("lead", "half-typed thought")
    _ = try cli("log", "--as", "dan", "from the shell")
    let typing = try tmux.waitFor("lead") { $0.contains("from the shell") }
    #expect(typing.contains("note › half-typed thought"))

    // The : command line takes the CLI's verbs.
    try tmux.press("lead", "C-u")
    try tmux.type("lead", ":role assign communicator erin")
    try tmux.press("lead", "Enter")
    // A role change waits for the word, with what it will do on screen.
    let asked = try tmux.waitFor("lead") { $0.contains("erin becomes Communicator of INC-1") }
    #expect(asked.contains("type yes and press Enter"), "\(asked)")
    try tmux.type("lead", "yes")
    try tmux.press("lead", "Enter")
    let roles = try tmux.waitFor("lead") { $0.contains("Communicator erin") }
    #expect(roles.contains("Communicator erin"))
    // Waited for by what it must say: "no lead, communicator, recorder" holds no "no
    // communicator" either, so waiting for that to go passed before the recorder's screen
    // had caught up, on a loaded machine.
    let summed = try tmux.waitFor("recorder") { $0.contains("⚠ no lead, recorder") }
    #expect(summed.contains("⚠ no lead, recorder"), "\(summed)")
    #expect(try cli("status").stdout.contains("communicator erin"))
  }

  /// Runs the dashboard from a shell in tmux, which then echoes `MARKER=<exit status>`.
  @discardableResult
  func openFromShell(marker: String) throws -> String {
    try tmux.type("shell", "\(dashboard(as: "alice")); echo \"\(marker)=$?\"")
    try tmux.press("shell", "Enter")
    return try tmux.waitFor("shell") { $0.contains("INC-1 Database is down") }
  }

  @Test func quittingRestoresTheTerminal() throws {
    _ = try cli("declare", "Database is down")
    try tmux.start("shell", command: "sh")
    let open = try openFromShell(marker: "exit")
    #expect(open.contains("Checklist 0/13"))
    try tmux.press("shell", "C-c")  // asks once…
    try tmux.waitFor("shell") { $0.contains("Ctrl-C again to quit") }
    try tmux.press("shell", "C-c")  // …and the second quits
    let after = try tmux.waitFor("shell") { $0.contains("exit=0") }
    #expect(after.contains("exit=0"))
    #expect(!after.contains("Checklist"))  // the dashboard's screen is gone
  }

  @Test func sigtermAndCtrlCQuitCleanly() throws {
    _ = try cli("declare", "Database is down")
    try tmux.start("shell", command: "sh")
    try openFromShell(marker: "exit")
    let kill = Process()
    kill.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    kill.arguments = ["pkill", "-TERM", "-f", "warroom --store \(store)"]
    try kill.run()
    kill.waitUntilExit()
    let after = try tmux.waitFor("shell") { $0.contains("exit=0") }
    #expect(after.contains("exit=0"))
    #expect(!after.contains("Checklist"))

    try openFromShell(marker: "second")
    try tmux.type("shell", "typing then")
    try tmux.press("shell", "C-c")  // something typed: it never quits, and says why
    #expect(try tmux.waitFor("shell") { $0.contains("text on the line") }.contains("Ctrl-U"))
    try tmux.press("shell", "C-c")
    #expect(try tmux.screen("shell").contains("› typing then"))
    try tmux.press("shell", "C-u")
    try tmux.press("shell", "C-c")
    try tmux.waitFor("shell") { $0.contains("Ctrl-C again to quit") }
    try tmux.press("shell", "C-c")
    #expect(try tmux.waitFor("shell") { $0.contains("second=0") }.contains("second=0"))
  }

  @Test func aTerminalTooSmallSaysSoAndRecoversOnResize() throws {
    _ = try cli("declare", "Database is down")
    try tmux.start("small", width: 60, height: 20, command: dashboard(as: "alice"))
    let small = try tmux.waitFor("small") { $0.contains("terminal too small") }
    #expect(small.contains("terminal too small: need 80×24, have 60×20"))
    // A storm of resizes, ending large enough.
    for (w, h) in [(70, 22), (120, 40), (50, 10), (200, 60), (81, 25), (100, 30)] {
      try tmux.resize("small", width: w, height: h)
    }
    let big = try tmux.waitFor("small") {
      $0.contains("INC-1 Database is down") && $0.contains("Checklist")
    }
    #expect(big.contains("Checklist 0/13"))
    #expect(!big.contains("too small"))
  }

  @Test func escapeSequencesFromTheStoreAreShownInert() throws {
    _ = try cli("declare", "Database is down")
    _ = try cli("log", "\u{1B}[2J\u{1B}]0;owned\u{07}danger")
    try tmux.start("lead", command: dashboard(as: "alice"))
    let screen = try tmux.waitFor("lead") { $0.contains("danger") }
    #expect(screen.contains("^[[2J^[]0;owned^Gdanger"))
    #expect(screen.contains("INC-1 Database is down"))  // the screen was not cleared
  }

  // MARK: - Typing is always safe

  @Test func lettersThatWereKeysAreTextInTheInputLine() throws {
    _ = try cli("declare", "Payments are slow")
    try tmux.start("rec", command: dashboard(as: "carol", "--view recorder"))
    try tmux.waitFor("rec") { $0.contains("INC-1 Payments are slow") }
    try tmux.type("rec", "queue depth on payments-worker is 9000")
    try tmux.press("rec", "Enter")
    try tmux.type("rec", "?? is the CDN also affected")
    try tmux.press("rec", "Enter")
    let screen = try tmux.waitFor("rec") { $0.contains("?? is the CDN also affected") }
    #expect(screen.contains("queue depth on payments-worker is 9000"), "\(screen)")
    #expect(!screen.contains("Keys "))  // no help opened
    let log = try cli("export", "--format", "json").stdout
    #expect(log.contains("\"queue depth on payments-worker is 9000\""))
    #expect(log.contains("\"?? is the CDN also affected\""))
  }

  @Test func aSentenceTypedIntoAFocusedPaneChangesNothing() throws {
    _ = try cli("declare", "Payments are slow")
    _ = try cli("mitigate")
    try tmux.start("lead", command: dashboard(as: "alice"))
    try tmux.waitFor("lead") { $0.contains("YELLOW") }
    try tmux.press("lead", "Tab")  // the checklist: o reopens, Space ticks … after asking
    try tmux.type("lead", "ok thanks")
    let screen = try tmux.waitFor("lead") { $0.contains("› ok thanks") }
    #expect(screen.contains("› ok thanks"), "\(screen)")
    let status = try cli("status", "--json").stdout
    #expect(status.contains("\"status\" : \"mitigated\""))
    #expect(status.contains("\"done\" : 1"))  // only the self-completing yellow step
    // A pane key does act once confirmed.
    try tmux.press("lead", "C-u")
    try tmux.press("lead", "Tab")
    try tmux.type("lead", "o")
    try tmux.waitFor("lead") { $0.contains("INC-1 turns RED again") }
    try tmux.press("lead", "Enter")  // a lone Enter never confirms
    try tmux.waitFor("lead") { $0.contains("Not yet: type yes") }
    #expect(try cli("status", "--json").stdout.contains("\"status\" : \"mitigated\""))
    try tmux.type("lead", "yes")
    try tmux.press("lead", "Enter")
    try tmux.waitFor("lead") { $0.contains("RED") }
    #expect(try cli("status", "--json").stdout.contains("\"status\" : \"investigating\""))
  }

  @Test func aBracketedPasteIsTextAndAPastedTraceIsOneEntry() throws {
    _ = try cli("declare", "Payments are slow")
    try tmux.start("rec", width: 80, height: 24, command: dashboard(as: "carol", "--view recorder"))
    try tmux.waitFor("rec") { $0.contains("INC-1 Payments are slow") }
    try tmux.run(["set-buffer", "-b", "one", "curl -s \u{1B}[2Jhttp://x\u{1B}c done"])
    try tmux.run(["paste-buffer", "-p", "-b", "one", "-t", "rec"])
    let line = try tmux.waitFor("rec") { $0.contains("done") }
    #expect(line.contains("curl -s ^[[2Jhttp://x^[c done"), "\(line)")
    try tmux.press("rec", "C-u")
    // A 30-line stack trace with tabs: one entry, every character kept.
    let frames = (1...30).map { "\tat frame\($0) (checkout/api.swift:\($0 * 7))" }
    let trace = "Traceback (most recent call last):\n" + frames.joined(separator: "\n") + "\n"
    try tmux.run(["set-buffer", "-b", "two", trace])
    try tmux.run(["paste-buffer", "-p", "-b", "two", "-t", "rec"])
    let asked = try tmux.waitFor("rec") { $0.contains("31 lines pasted as one entry") }
    #expect(asked.contains("31 lines pasted as one entry"), "\(asked)")
    try tmux.press("rec", "Enter")
    let sent = try tmux.waitFor("rec") { $0.contains("at frame30") }
    #expect(sent.contains("        at frame30"), "indentation kept: \(sent)")
    let stored = try cli("export", "--format", "json").stdout
    let expected =
      "Traceback (most recent call last):\\n"
      + frames.map { $0.replacingOccurrences(of: "\t", with: "        ") }.joined(separator: "\\n")
    #expect(stored.contains(expected), "0 characters lost")
    #expect(try cli("store", "verify").stdout.contains("intact, 2 events"), "one entry, not 31")
  }

  @Test func unknownEscapeSequencesAreDroppedAndEscKeepsTheText() throws {
    _ = try cli("declare", "Payments are slow")
    try tmux.start("rec", command: dashboard(as: "carol", "--view recorder"))
    try tmux.waitFor("rec") { $0.contains("INC-1 Payments are slow") }
    try tmux.type("rec", "half")
    try tmux.run(["send-keys", "-t", "rec", "-H", "1b", "5b", "34", "7e"])  // ESC [ 4 ~
    try tmux.press("rec", "Escape")
    Thread.sleep(forTimeInterval: 0.2)
    try tmux.type("rec", " typed")
    let screen = try tmux.waitFor("rec") { $0.contains("› half typed") }
    #expect(screen.contains("› half typed"), "\(screen)")
    #expect(!screen.contains("[4~"))
  }

  @Test func aDashboardOnAMistypedPathCreatesNothing() throws {
    let typo = folder.path("typo/nested/w.db")
    try tmux.start("lead", command: "WARROOM_USER=alice \(binary) --store \(typo)")
    let started = try tmux.waitFor("lead", timeout: 30) { $0.contains("No open incident") }
    #expect(started.contains("No open incident"), "the dashboard did not start: \(started)")
    try tmux.press("lead", "C-c")
    try tmux.waitFor("lead") { $0.contains("Ctrl-C again to quit") }
    try tmux.press("lead", "C-c")
    // The pane stays (remain-on-exit). tmux marks it dead when the terminal closes and
    // learns the exit status when it reaps the process, which on a busy machine can lag:
    // the process must be gone (or a zombie waiting to be reaped), killed by no signal,
    // and any status tmux has reported must be 0.
    var ended: [String] = []
    var exited = false
    _ = BackgroundProcess.wait(atMost: 30, every: 0.05) {
      let format = "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{pane_pid}"
      ended =
        ((try? tmux.run(["display-message", "-p", "-t", "lead", format])) ?? "")
        .trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "|")
      guard ended.count == 4, ended[0] == "1" else { return false }
      let stat = (try? String(contentsOfFile: "/proc/\(ended[3])/stat", encoding: .utf8)) ?? ""
      exited = stat.isEmpty || stat.contains(") Z ")
      return exited
    }
    #expect(exited, "the dashboard did not exit: \(ended)")
    #expect(ended.count == 4 && ended[2].isEmpty, "killed by a signal: \(ended)")
    #expect(ended.count == 4 && (ended[1] == "0" || ended[1].isEmpty), "exit status: \(ended)")
    #expect(!FileManager.default.fileExists(atPath: folder.path("typo")))
  }

  @Test func aLongEntryIsReadableWholeAndCanBeCorrected() throws {
    _ = try cli("declare", "Payments are slow")
    let long =
      "the connection pool on payments-db-2 is saturated at 500 of 500 and every new request "
      + "waits about 30 s before it times out; retries make it worse, FINAL-WORD"
    _ = try cli("log", long)
    try tmux.start("rec", width: 80, height: 24, command: dashboard(as: "carol", "--view recorder"))
    // Wrapped over as many rows as it needs: its last words are on screen.
    let wrapped = try tmux.waitFor("rec") { $0.contains("FINAL-WORD") }
    #expect(wrapped.contains("FINAL-WORD"), "\(wrapped)")
    // Select it in the log pane, correct it through the input line, confirm.
    for _ in 0..<4 { try tmux.press("rec", "BTab") }
    try tmux.waitFor("rec") { $0.contains("e edit") }
    try tmux.type("rec", "e")
    try tmux.waitFor("rec") { $0.contains("Correct log #1?") }
    try tmux.press("rec", "Enter")
    // The line is long: it scrolls to the cursor, and its label says it is a command.
    try tmux.waitFor("rec") { $0.contains(" command › ") }
    try tmux.press("rec", "C-a")
    for _ in 0..<14 { try tmux.press("rec", "Right") }  // after `:log edit 1 "`
    try tmux.type("rec", "CORRECTED: ")
    try tmux.press("rec", "Enter")
    let edited = try tmux.waitFor("rec") { $0.contains("(edited ") }
    #expect(edited.contains("CORRECTED:"), "\(edited)")
    let json = try cli("export", "--format", "json").stdout
    #expect(json.contains("\"replacedBy\" : \"carol\""))
  }

  // MARK: - Every terminal on the live incident

  @Test func aDashboardOnAResolvedIncidentMovesToTheNewOne() throws {
    _ = try cli("declare", "Old outage")
    try tmux.start("rec", command: dashboard(as: "carol", "--view recorder"))
    try tmux.waitFor("rec") { $0.contains("INC-1 Old outage") }
    _ = try cli("resolve", "--force", "drill")
    try tmux.waitFor("rec") { $0.contains("GREEN") }
    _ = try WarroomBinary.run(["declare", "New outage", "--store", store, "--as", "bob"])
    let moved = try tmux.waitFor("rec") { $0.contains("INC-2 New outage") }
    #expect(moved.contains("INC-2 New outage"), "\(moved)")
    #expect(moved.contains("now on INC-2"))
    try tmux.type("rec", "first note for the new one")
    try tmux.press("rec", "Enter")
    try tmux.waitFor("rec") { $0.contains("first note for the new one") }
    #expect(
      try cli("export", "--incident", "2", "--format", "json").stdout.contains(
        "first note for the new one"))
  }

  @Test func aNewDeclarationIsAnnouncedAndCanBeFollowed() throws {
    _ = try cli("declare", "First outage")
    try tmux.start("lead", command: dashboard(as: "alice"))
    try tmux.waitFor("lead") { $0.contains("INC-1 First outage") }
    _ = try WarroomBinary.run(["declare", "Second outage", "--store", store, "--as", "bob"])
    let banner = try tmux.waitFor("lead") { $0.contains("INC-2 declared by bob") }
    #expect(banner.contains("INC-1 First outage"), "\(banner)")  // still on its own
    try tmux.press("lead", "Tab")
    try tmux.type("lead", "]")
    let switched = try tmux.waitFor("lead") { $0.contains("INC-2 Second outage") }
    #expect(switched.contains("INC-2 Second outage"), "\(switched)")
    try tmux.press("lead", "Escape")
    try tmux.type("lead", ":incident 1")
    try tmux.press("lead", "Enter")
    #expect(try tmux.waitFor("lead") { $0.contains("INC-1 First outage") }.contains("INC-1"))
  }

  @Test func aCadenceAtTheIntegerLimitIsAnErrorNotACrash() throws {
    _ = try cli("declare", "Database is down")
    try tmux.start("lead", command: dashboard(as: "alice"))
    try tmux.waitFor("lead") { $0.contains("INC-1 Database is down") }
    try tmux.type("lead", ":cadence 153722867280912931")
    try tmux.press("lead", "Enter")
    let screen = try tmux.waitFor("lead") { $0.contains("is not a duration") }
    #expect(screen.contains("is not a duration"), "\(screen)")
    try tmux.type("lead", "still here")
    try tmux.press("lead", "Enter")
    let after = try tmux.waitFor("lead") { $0.contains("alice    #1 still here") }
    #expect(after.contains("INC-1 Database is down"), "\(after)")
  }

  @Test func anEmptyStoreLetsYouDeclareFromTheKeyboard() throws {
    try tmux.start("lead", command: dashboard(as: "alice"))
    try tmux.waitFor("lead") { $0.contains("No open incident") }
    // Nothing is created before someone declares: a mistyped path leaves no store.
    #expect(try tmux.screen("lead").contains("declaring the first incident creates it"))
    #expect(!FileManager.default.fileExists(atPath: store))
    try tmux.type("lead", "Payments are failing")
    try tmux.press("lead", "Enter")
    try tmux.waitFor("lead") { $0.contains("Declare a new P1") }
    try tmux.type("lead", "yes")
    try tmux.press("lead", "Enter")
    let screen = try tmux.waitFor("lead") { $0.contains("INC-1 Payments are failing") }
    #expect(screen.contains("P1 ● RED investigating"))
    #expect(try cli("list").stdout.contains("Payments are failing"))
  }

  @Test(.enabled(if: PostgresTestServer.url != nil))
  func aDashboardOnPostgreSQLIsLiveToo() throws {
    let url = PostgresTestServer.isolated(try #require(PostgresTestServer.url), folder.url.path)
    #expect(try WarroomBinary.run(["declare", "--store", url, "Across machines"]).status == 0)
    try tmux.start(
      "remote",
      command:
        "WARROOM_USER=alice WARROOM_CACHE_DIR='\(folder.path("cache"))' \(binary) --store '\(url)'"
    )
    try tmux.waitFor("remote") { $0.contains("INC-1 Across machines") }
    #expect(
      try WarroomBinary.run(["log", "--store", url, "--as", "bob", "seen through NOTIFY"]).status
        == 0)
    let screen = try tmux.waitFor("remote") { $0.contains("seen through NOTIFY") }
    #expect(screen.contains("bob      #1 seen through NOTIFY"))
    try tmux.type("remote", "typed on the remote dashboard")
    try tmux.press("remote", "Enter")
    try tmux.waitFor("remote") { $0.contains("✓ typed on the remote dashboard") }
    let export = try WarroomBinary.run(["export", "--store", url, "--format", "json"])
    #expect(export.stdout.contains("typed on the remote dashboard"))
    #expect(!export.stdout.contains("postgres://"))  // no address, so no password, in exports
  }

  @Test func withoutATerminalItSaysSoInOneLine() throws {
    _ = try cli("declare", "x")
    let result = try WarroomBinary.run(["--store", store])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("warroom: the dashboard needs a terminal"))
    #expect(result.stderr.split(separator: "\n").count == 1)
  }

  @Test func aBadThemeFileIsAClearError() throws {
    let theme = folder.path("bad.theme")
    try "text = red\nheader = blue\n".write(toFile: theme, atomically: true, encoding: .utf8)
    let result = try WarroomBinary.run(["dashboard", "--store", store, "--theme", theme])
    #expect(result.status == 1)
    #expect(result.stderr == "warroom: bad theme file \(theme) line 2: unknown role 'header'\n")
    let unknown = try WarroomBinary.run(["dashboard", "--store", store, "--theme", "neon"])
    #expect(unknown.stderr.hasPrefix("warroom: no theme named 'neon'"))
  }
}
