import Foundation
import Testing
import WarroomCore

@testable import WarroomScreen

/// The smallest terminal the dashboard supports, read as a tired person reads it: every
/// word whole (shortened by design, never cut at a pane's edge), and the recorder's log
/// with room for the last few minutes of the war room.
@Suite("80×24")
struct SmallTerminalTests {
  static let fixtures: [(String, Fixtures.Builder)] = [
    ("fresh", Fixtures.freshP1()), ("busy", Fixtures.busy()),
    ("delivered", Fixtures.delivered()), ("probed", Fixtures.probed()),
  ]

  func render(_ b: Fixtures.Builder, _ model: DashboardModel) -> Grid {
    let context = RenderContext(
      state: b.state, model: model, now: b.now, storeName: "/srv/warroom.db")
    return DashboardRenderer.render(context, width: 80, height: 24).grid
  }

  @Test(arguments: ViewMode.allCases)
  func noPaneCutsAWordAtAnyFocusOrPage(view: ViewMode) {
    for (name, b) in Self.fixtures {
      for focus in [Focus.input] + Layout.focusablePanes(view).map({ Focus.pane($0) }) {
        for page in LogPage.allCases {
          var model = DashboardModel(me: "alice", view: view)
          model.focus = focus
          model.logPage = page
          let grid = render(b, model)
          let rows = grid.cutRows.map { grid.line($0) }.joined(separator: "\n")
          #expect(grid.cuts == 0, "\(name), \(view), \(focus), \(page): cut words in\n\(rows)")
        }
      }
    }
  }

  @Test func theRecordersLogTakesTheWholeWidthAndShowsSixteenEntries() {
    let b = Fixtures.busy()
    let grid = render(b, DashboardModel(me: "carol", view: .recorder))
    let entries = grid.text.split(separator: "\n").filter {
      $0.contains(" #4") || $0.contains(" #5")
    }
    #expect(entries.count >= 16, "\(grid.text)")
    #expect(
      !(2..<22).contains { grid.line($0).contains("│") }, "no column beside the log:\n\(grid.text)")
    // What the side panes said is in the log's title bar.
    #expect(grid.line(2).contains("update OVERDUE"), "\(grid.line(2))")
    #expect(grid.line(2).contains("⚠ no communicator"), "\(grid.line(2))")
    #expect(grid[grid.line(2).distance(of: "update OVERDUE"), 2].role == .countdownOverdue)
  }

  @Test func tabBringsEachOfTheRecordersPanesOntoThePage() {
    let b = Fixtures.busy()
    var model = DashboardModel(me: "carol", view: .recorder)
    var titles: [String] = []
    for _ in 0..<Layout.focusablePanes(.recorder).count {
      _ = DashboardUpdate.update(&model, key: .tab, state: b.state)
      let line = render(b, model).line(2)
      titles.append(line)
      #expect(line.contains("update OVERDUE"), "every page carries the summary: \(line)")
    }
    #expect(
      titles.map { String($0.prefix(15)) }
        == ["▸ [Log] ←→  upd", "▸ Experiments  ", "▸ Roles  update", "▸ Next stakehol"],
      "\(titles)")
  }
}

extension String {
  /// The column where `text` starts (each character one column: the tests' lines are ASCII
  /// up to there).
  fileprivate func distance(of text: String) -> Int {
    guard let range = range(of: text) else { return 0 }
    return self[..<range.lowerBound].count
  }
}
