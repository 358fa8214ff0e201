import Foundation
import Testing
import WarroomCore
import WarroomTestSupport

@testable import WarroomScreen

@Suite("Dashboard snapshots")
struct DashboardSnapshotTests {
  func render(
    _ state: IncidentState?, now: Date, width: Int, height: Int,
    model: DashboardModel = DashboardModel(me: "alice"),
    connectivity: Connectivity = Connectivity(), deliverer: DelivererSighting? = nil
  ) -> Grid {
    let context = RenderContext(
      state: state, model: model, now: now, storeName: "/srv/warroom.db",
      connectivity: connectivity, deliverer: deliverer)
    return DashboardRenderer.render(context, width: width, height: height).grid
  }

  /// Text, then the style role of every cell: colours are part of what is tested.
  func check(_ grid: Grid, _ name: String) {
    let layers =
      grid.text + "\n--- roles: " + StyleRole.legend + "\n" + grid.roleText + "\n"
    let mismatch = Snapshot.mismatch(layers, named: name)
    #expect(mismatch == nil, "\(mismatch ?? "")")
  }

  static let sizes = [(80, 24), (160, 48)]

  @Test(arguments: sizes) func emptyStore(width: Int, height: Int) {
    check(
      render(nil, now: Fixtures.start, width: width, height: height), "empty-\(width)x\(height).txt"
    )
  }

  @Test func theInputKindsColourFollowsItsPrefix() {
    var model = DashboardModel(me: "alice")
    for character in "mc: rolled back" {
      _ = DashboardUpdate.update(&model, key: .character(character), state: nil)
    }
    let b = Fixtures.freshP1()
    let grid = render(b.state, now: b.now, width: 80, height: 24, model: model)
    #expect(grid[1, 22].role == .logManualChange)
    check(grid, "manual-change-input-80x24.txt")
  }

  @Test(arguments: sizes) func freshP1(width: Int, height: Int) {
    let b = Fixtures.freshP1()
    check(render(b.state, now: b.now, width: width, height: height), "fresh-\(width)x\(height).txt")
  }

  @Test(arguments: sizes) func busyIncident(width: Int, height: Int) {
    let b = Fixtures.busy()
    check(render(b.state, now: b.now, width: width, height: height), "busy-\(width)x\(height).txt")
  }

  @Test(arguments: sizes) func offlineWithQueuedEntries(width: Int, height: Int) {
    // The server went away 42 s ago; two notes and a role wait to be sent, the newest
    // being typed still.
    var b = Fixtures.freshP1()
    b.send(.log(.note, "db primary failed over at 04:31"))
    var link = Connectivity()
    link.lost(reason: "cannot reach postgres://ops@db:5432/war: connection refused", now: b.now)
    b.advance(minutes: 0.7)
    link.lost(reason: "cannot reach postgres://ops@db:5432/war: connection refused", now: b.now)
    for (secondsAgo, command) in [
      (30.0, Command.log(.finding, "replica lag 40 s")),
      (20, .assignRole(.recorder, "bob")),
      (10, .log(.manualChange, "raised pool size to 200")),
    ] {
      link.hold(
        Submission(
          action: .command(command), actor: "alice", at: b.now.addingTimeInterval(-secondsAgo)))
    }
    var model = DashboardModel(me: "alice")
    model.input = LineEditor("still typing")
    let grid = render(
      b.state, now: b.now, width: width, height: height, model: model, connectivity: link)
    check(grid, "offline-\(width)x\(height).txt")
  }

  @Test(arguments: sizes) func escapeSequencesAreInert(width: Int, height: Int) {
    var b = Fixtures.Builder(Declared(title: "evil \u{1B}]0;owned\u{07} title\u{1B}[2J"))
    b.send(
      .log(.note, "\u{1B}[31mred\u{1B}[0m \u{9B}6n bell\u{07} nul\u{0} del\u{7F}"), by: "x\u{1B}[1m"
    )
    b.send(.assignRole(.lead, "\u{1B}]52;c;aGk=\u{07}"))
    let grid = render(b.state, now: b.now, width: width, height: height)
    check(grid, "escapes-\(width)x\(height).txt")
    for cell in grid.cells {
      #expect(
        !cell.character.unicodeScalars.contains {
          $0.value < 0x20 || (0x7F..<0xA0).contains($0.value)
        })
    }
  }

  @Test(arguments: sizes) func wideAndCombiningText(width: Int, height: Int) {
    var b = Fixtures.Builder(Declared(title: "数据库宕机 🔥 café cafe\u{301} 결제 실패"))
    b.send(.log(.note, "用户无法登录，错误率 100% 🚨🚨 — naïve ñ e\u{301}"), by: "王小明")
    b.send(.assignRole(.lead, "王小明"))
    b.send(.assignRole(.communicator, "José"))
    b.send(.proposeExperiment(hypothesis: "缓存失效 🧪", change: nil, owner: "李", target: "缓存"))
    let grid = render(b.state, now: b.now, width: width, height: height)
    check(grid, "wide-\(width)x\(height).txt")
    // Every row is exactly as wide as the terminal: nothing spills across a border.
    for y in 0..<grid.height { #expect(DisplayWidth.of(grid.line(y)) == width) }
  }

  @Test(arguments: [(79, 24), (80, 23), (40, 10), (1, 1)]) func tinyTerminal(
    width: Int, height: Int
  ) {
    let b = Fixtures.busy()
    let grid = render(b.state, now: b.now, width: width, height: height)
    if width == 40 { check(grid, "tiny-40x10.txt") }
    if width >= 60 {
      #expect(grid.text.contains("terminal too small: need 80×24, have \(width)×\(height)"))
    }
  }

  @Test(arguments: ViewMode.allCases) func roleViews(view: ViewMode) {
    let b = Fixtures.busy()
    let model = DashboardModel(me: "alice", view: view)
    check(
      render(b.state, now: b.now, width: 80, height: 24, model: model),
      "view-\(view.rawValue)-80x24.txt")
  }

  /// The communicator's Updates page: each message with where it went, the header's
  /// warning while one did not arrive, and who delivers (or that nobody does).
  @Test(arguments: [true, false]) func deliveriesOnTheUpdatesPage(delivererRunning: Bool) {
    let b = Fixtures.delivered()
    let model = DashboardModel(me: "bob", view: .communicator)
    let lease = Lease(
      holder: "relay", label: "relay", host: "ops-1", pid: 4242,
      expiresMs: Int64(milliseconds: b.now.addingTimeInterval(delivererRunning ? 10 : -10)))
    let grid = render(
      b.state, now: b.now, width: 120, height: 30, model: model,
      deliverer: DelivererSighting(lease: lease, checkedAt: b.now))
    #expect(grid.text.contains("⚠ 2 updates not delivered"))
    #expect(
      grid.text.contains(delivererRunning ? "deliverer: relay on ops-1" : "no deliverer running"))
    check(grid, "deliveries-\(delivererRunning ? "running" : "stopped")-120x30.txt")
  }

  /// The Alerts page: firing first, each with its source, since when, who acknowledged it
  /// and its link; resolved ones dim; and each alert a finding in the log.
  @Test func alertsOnTheirPage() {
    let b = Fixtures.alerted()
    var model = DashboardModel(me: "alice")
    model.logPage = .alerts
    let grid = render(b.state, now: b.now, width: 160, height: 48, model: model)
    #expect(grid.text.contains("2 firing · 1 resolved"))
    #expect(grid.text.contains("FIRING   CheckoutErrors · alertmanager · since 04:20 UTC"))
    #expect(grid.text.contains("acked by Dana Oncall"))
    check(grid, "alerts-160x48.txt")
    model.logPage = .log
    let log = render(b.state, now: b.now, width: 160, height: 48, model: model)
    #expect(log.text.contains("FINDING alert CheckoutLatency resolved at 04:38 UTC (grafana)"))
  }

  /// The lead's Recovery pane: states, sparklines of the last half hour (Unicode and ASCII),
  /// progress toward the window, and the title flashing as a probe turns failing.
  @Test(arguments: [false, true]) func probesInTheLeadsView(ascii: Bool) {
    let b = Fixtures.probed()
    var model = DashboardModel(me: "alice")
    model.asciiOnly = ascii
    let samples = (0..<30).flatMap { minute -> [ProbeSample] in
      let at = Int64(milliseconds: b.now.addingTimeInterval(Double(minute - 29) * 60))
      return [
        ProbeSample(
          incident: b.state.id, probe: "checkout", atMs: at, value: Double(80 + minute * 7 % 40),
          latencyMs: 80, state: minute < 20 ? .failing : .passing),
        ProbeSample(
          incident: b.state.id, probe: "error-rate", atMs: at, value: Double(30 - minute) / 100,
          latencyMs: nil, state: minute % 9 == 0 ? .unknown : .passing),
      ]
    }
    let grid = DashboardRenderer.render(
      RenderContext(
        state: b.state, model: model, now: b.now, storeName: "/srv/warroom.db",
        samples: samples, flashUntil: ascii ? nil : b.now.addingTimeInterval(1)),
      width: 160, height: 48
    ).grid
    #expect(grid.text.contains("recovered 03:00 of 05:00"))
    check(grid, "probes-\(ascii ? "ascii" : "unicode")-160x48.txt")
  }

  @Test func helpIsGeneratedFromTheKeyTable() {
    var model = DashboardModel(me: "alice")
    model.showHelp = true
    let grid = render(
      Fixtures.freshP1().state, now: Fixtures.start, width: 160, height: 48, model: model)
    check(grid, "help-160x48.txt")
    // Every binding's help is on screen (clipped to its column at most).
    for binding in KeyTable.bindings {
      #expect(grid.text.contains(String(binding.help.prefix(20))), "\(binding.help)")
    }
  }

  @Test func everySizeFromMinimumToLargeRendersWithinBounds() {
    let b = Fixtures.busy()
    for width in stride(from: 80, through: 300, by: 37) {
      for height in stride(from: 24, through: 100, by: 19) {
        for view in ViewMode.allCases {
          let grid = render(
            b.state, now: b.now, width: width, height: height,
            model: DashboardModel(me: "a", view: view))
          for y in 0..<grid.height { #expect(DisplayWidth.of(grid.line(y)) == width) }
        }
      }
    }
  }

  @Test func aPastedTraceIsShownLineByLineWithItsIndentation() {
    var fixture = Fixtures.freshP1()
    fixture.send(
      .log(
        .finding,
        "Traceback (most recent call last):\n        at pool.acquire (db.swift:42)\n        at checkout.pay (api.swift:7)"
      ))
    let grid = render(
      fixture.state, now: fixture.now, width: 120, height: 30,
      model: DashboardModel(me: "alice", view: .recorder))
    let rows = grid.text.split(separator: "\n").map(String.init)
    let first = rows.firstIndex { $0.contains("Traceback (most recent call last):") }
    #expect(first != nil, "\(grid.text)")
    if let first {
      #expect(rows[first + 1].contains("        at pool.acquire (db.swift:42)"), "\(grid.text)")
      #expect(rows[first + 2].contains("        at checkout.pay (api.swift:7)"), "\(grid.text)")
    }
    #expect(!grid.text.contains("↵"))
  }
}

/// An idle dashboard sends next to nothing: while the next update is not due soon, the
/// screen changes once a minute; in the last five minutes it counts seconds.
@Suite("A quiet screen while nothing is due")
struct QuietCountdownTests {
  func frames(_ builder: Fixtures.Builder, from start: Date, seconds: Int) -> Set<String> {
    Set(
      (0..<seconds).map { second in
        DashboardRenderer.render(
          RenderContext(
            state: builder.state, model: DashboardModel(me: "alice"),
            now: start.addingTimeInterval(Double(second)), storeName: "s"),
          width: 160, height: 48
        ).grid.text
      })
  }

  @Test func whileCalmTheScreenChangesOnceAMinute() {
    let fresh = Fixtures.freshP1()
    // From a minute into the incident (the header shows minutes too) over a whole minute.
    let calm = frames(fresh, from: fresh.now.addingTimeInterval(90), seconds: 60)
    #expect(calm.count == 2, "\(calm.count) different frames in a calm minute")
    // Due within five minutes: every second shows.
    let soon = frames(fresh, from: fresh.now.addingTimeInterval(26 * 60), seconds: 60)
    #expect(soon.count == 60)
    #expect(soon.contains { $0.contains("DUE SOON") })
  }
}
