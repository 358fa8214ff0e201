/// What a cell *means*, not how it looks: the theme decides the colours, so panes never
/// name a colour and a monochrome terminal still shows every distinction by attribute.
public enum StyleRole: String, CaseIterable, Sendable, Hashable {
  case text
  case dim
  case separator
  case paneTitle = "pane-title"
  case paneTitleFocused = "pane-title-focused"
  case statusRed = "status-red"
  case statusYellow = "status-yellow"
  case statusGreen = "status-green"
  case subheader
  case stepDone = "step-done"
  case stepNext = "step-next"
  case stepOpen = "step-open"
  case roleFilled = "role-filled"
  case roleUnfilled = "role-unfilled"
  case countdownCalm = "countdown-calm"
  case countdownWarning = "countdown-warning"
  case countdownOverdue = "countdown-overdue"
  case experimentRunning = "experiment-running"
  case experimentConflict = "experiment-conflict"
  case experimentClosed = "experiment-closed"
  case logMeta = "log-meta"
  case logFinding = "log-finding"
  case logDecision = "log-decision"
  case logManualChange = "log-manual-change"
  case selection
  case inputLabel = "input-label"
  case input
  case hint
  case message
  case error
  /// A question before a change to the incident.
  case confirm
}
