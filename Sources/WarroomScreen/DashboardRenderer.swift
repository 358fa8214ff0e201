/// The whole screen as a pure function of the incident, the view state, the clock and
/// the terminal size. No terminal here: the backend paints what this returns, and tests
/// compare it with text snapshots.
public enum DashboardRenderer {
  public static func render(_ context: RenderContext, width: Int, height: Int) -> Frame {
    var grid = Grid(width: width, height: height)
    guard width >= Layout.minimumWidth, height >= Layout.minimumHeight else {
      Overlays.tooSmall(width: width, height: height, into: &grid)
      return Frame(grid: grid, cursor: nil)
    }
    let layout = Layout.compute(
      width: width, height: height, view: context.model.view,
      probes: context.state?.currentProbes.count ?? 0, focus: context.model.focus)
    var context = context
    if layout.onePage, let state = context.state {
      context.summary = PaneSummary.parts(context, state)
    }
    HeaderPane.render(context, into: &grid, rect: layout.header)
    let middle = Rect(
      x: 0, y: layout.header.maxY, width: width, height: layout.input.y - layout.header.maxY)
    if context.model.showHelp {
      Overlays.help(context, into: &grid, rect: middle)
    } else if let number = context.model.openEntry, let state = context.state,
      state.log.indices.contains(number - 1)
    {
      Overlays.entry(state.log[number - 1], context, into: &grid, rect: middle)
    } else if context.state?.isDeclared != true {
      Overlays.empty(context, into: &grid, rect: middle)
    } else {
      for separator in layout.separators {
        for y in separator.y..<separator.maxY {
          grid.write("│", x: separator.x, y: y, role: .separator)
        }
      }
      for (pane, rect) in layout.panes {
        switch pane {
        case .checklist: ChecklistPane.render(context, into: &grid, rect: rect)
        case .roles: RolesPane.render(context, into: &grid, rect: rect)
        case .countdown: CountdownPane.render(context, into: &grid, rect: rect)
        case .experiments: ExperimentsPane.render(context, into: &grid, rect: rect)
        case .log: LogPane.render(context, into: &grid, rect: rect)
        case .recovery: RecoveryPane.render(context, into: &grid, rect: rect)
        }
      }
    }
    if let confirmation = context.model.confirmation, confirmation.deliberate {
      Overlays.confirmation(confirmation, into: &grid, rect: middle)
    }
    let cursor = InputLine.render(context, into: &grid, rect: layout.input)
    InputLine.renderHints(context, into: &grid, rect: layout.hints)
    return Frame(grid: grid, cursor: cursor)
  }
}

/// A rendered screen: the cells, and where the terminal's cursor should blink.
public struct Frame: Equatable, Sendable {
  public var grid: Grid
  public var cursor: (x: Int, y: Int)?

  public init(grid: Grid, cursor: (x: Int, y: Int)?) {
    self.grid = grid
    self.cursor = cursor
  }

  public static func == (lhs: Frame, rhs: Frame) -> Bool {
    lhs.grid == rhs.grid && lhs.cursor?.x == rhs.cursor?.x && lhs.cursor?.y == rhs.cursor?.y
  }
}
