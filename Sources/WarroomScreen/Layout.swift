/// Where each pane goes for a terminal size and a role's view. Pure arithmetic, so every
/// size from 80×24 up is a test away.
public struct PaneLayout: Equatable, Sendable {
  public var header: Rect
  public var panes: [(PaneID, Rect)]
  /// Columns drawn as a vertical line between panes.
  public var separators: [Rect]
  public var input: Rect
  public var hints: Rect
  /// One pane stands for the others (the recorder's view on a small terminal): its title
  /// bar sums up the panes not drawn, and Tab brings each onto the page.
  public var onePage = false

  public func rect(_ pane: PaneID) -> Rect? { panes.first { $0.0 == pane }?.1 }

  public static func == (lhs: PaneLayout, rhs: PaneLayout) -> Bool {
    lhs.header == rhs.header && lhs.separators == rhs.separators && lhs.input == rhs.input
      && lhs.hints == rhs.hints && lhs.onePage == rhs.onePage
      && lhs.panes.map(\.0) == rhs.panes.map(\.0)
      && lhs.panes.map(\.1) == rhs.panes.map(\.1)
  }
}

public enum Layout {
  /// Below this the dashboard shows a "terminal too small" screen instead of panes.
  public static let minimumWidth = 80
  public static let minimumHeight = 24

  /// Below this width the recorder's log takes the whole width: a 62% column of an 80
  /// column terminal showed 8 entries in 49 columns beside a column of cut words.
  public static let recorderColumnsWidth = 120

  /// Rows the countdown needs to show large digits.
  static let bigCountdownHeight = 9

  /// The panes Tab visits in a view, in order.
  public static func focusablePanes(_ view: ViewMode) -> [PaneID] {
    switch view {
    case .lead: [.checklist, .roles, .countdown, .experiments, .log]
    case .recorder: [.log, .experiments, .roles, .countdown]
    case .communicator: [.countdown, .log, .roles]
    }
  }

  /// `probes`: how many probes the incident has; the lead's view then gives them a pane.
  /// `focus`: on a small terminal the recorder sees one pane at a time, the focused one
  /// (the log unless Tab moved on), with a strip summing up the others.
  public static func compute(
    width: Int, height: Int, view: ViewMode, probes: Int = 0, focus: Focus = .input
  ) -> PaneLayout {
    let screen = Rect(x: 0, y: 0, width: width, height: height)
    let (header, rest) = screen.splitTop(2)
    let (middle, bottom) = rest.splitBottom(2)
    let (input, hints) = bottom.splitTop(1)
    var panes: [(PaneID, Rect)] = []
    var separators: [Rect] = []
    var onePage = false

    /// Splits into a left part and a right part with a one-column line between them.
    func columns(_ rect: Rect, left: Int) -> (Rect, Rect) {
      let (l, r) = rect.splitLeft(left)
      let (line, right) = r.splitLeft(1)
      separators.append(line)
      return (l, right)
    }

    switch view {
    case .lead:
      let topHeight = min(max(14, middle.height * 55 / 100), middle.height - 6)
      let (top, log) = middle.splitTop(topHeight)
      let (checklist, right) = columns(top, left: width / 2)
      // Probes get a pane of their own here, before the big digits get their room.
      let recoveryRows = probes > 0 ? min(probes + 1, 7) : 0
      let countdownHeight =
        right.height >= bigCountdownHeight + 10 + recoveryRows ? bigCountdownHeight : 3
      let (countdown, below) = right.splitTop(countdownHeight)
      let (roles, rest) = below.splitTop(5)
      panes = [(.checklist, checklist), (.countdown, countdown), (.roles, roles)]
      if recoveryRows > 0, rest.height >= 4 {
        let (recovery, experiments) = rest.splitTop(min(recoveryRows, rest.height - 2))
        panes += [(.recovery, recovery), (.experiments, experiments)]
      } else {
        panes.append((.experiments, rest))
      }
      panes.append((.log, log))
    case .recorder where width < recorderColumnsWidth:
      onePage = true
      let shown: PaneID
      if case .pane(let pane) = focus, focusablePanes(.recorder).contains(pane) {
        shown = pane
      } else {
        shown = .log
      }
      panes = [(shown, middle)]
    case .recorder:
      let (log, right) = columns(middle, left: width * 62 / 100)
      let (countdown, below) = right.splitTop(3)
      let (roles, experiments) = below.splitTop(5)
      panes = [(.log, log), (.countdown, countdown), (.roles, roles), (.experiments, experiments)]
    case .communicator:
      let (left, log) = columns(middle, left: width / 2)
      let countdownHeight = max(3, left.height - 5)
      let (countdown, roles) = left.splitTop(countdownHeight)
      panes = [(.countdown, countdown), (.roles, roles), (.log, log)]
    }
    return PaneLayout(
      header: header, panes: panes, separators: separators, input: input, hints: hints,
      onePage: onePage)
  }
}
