import Foundation
import WarroomCore

/// What every pane draws with: the incident, the view state and the clock.
public struct RenderContext: Sendable {
  public var state: IncidentState?
  public var model: DashboardModel
  public var now: Date
  /// The store's name, for the empty state and the header.
  public var storeName: String
  /// Whether the store answers, and what waits to be sent to it.
  public var connectivity: Connectivity
  /// Who delivers stakeholder messages, if the dashboard has looked.
  public var deliverer: DelivererSighting?
  /// The incident's probe readings of the last half hour, oldest first, for sparklines.
  public var samples: [ProbeSample] = []
  /// Until when the Recovery title flashes: a probe just turned failing.
  public var flashUntil: Date?
  /// Set by the renderer when one pane stands for the others (see `PaneSummary`).
  var summary: [(String, StyleRole)]?

  public init(
    state: IncidentState?, model: DashboardModel, now: Date, storeName: String,
    connectivity: Connectivity = Connectivity(), deliverer: DelivererSighting? = nil,
    samples: [ProbeSample] = [], flashUntil: Date? = nil
  ) {
    self.deliverer = deliverer
    self.samples = samples
    self.flashUntil = flashUntil
    self.state = state
    self.model = model
    self.now = now
    self.storeName = storeName
    self.connectivity = connectivity
  }

  func isFocused(_ pane: PaneID) -> Bool { model.focus == .pane(pane) }

  /// What a pane's title bar says after its title: its own details or, where this pane
  /// stands for the others on a small terminal, their summary.
  func titleDetails(_ own: [String]) -> [(String, StyleRole?)] {
    summary?.map { ($0.0, $0.1) } ?? own.filter { !$0.isEmpty }.map { ($0, nil) }
  }
}

extension Grid {
  /// A pane's title bar: the title, then details, most telling first, each whole or left
  /// out where the pane is narrow.
  /// `detail` as a list: "500 entries, 100 manual changes" keeps "500 entries" at least.
  mutating func titleBar(_ rect: Rect, _ title: String, detail: String = "", focused: Bool) {
    let details = detail.isEmpty ? [] : detail.components(separatedBy: ", ")
    titleBar(rect, title, details: details.map { ($0, nil) }, focused: focused)
  }

  /// A pane's title bar: the title, then details, most telling first, each whole or left
  /// out where the pane is narrow, in the title's style unless a detail has its own.
  mutating func titleBar(
    _ rect: Rect, _ title: String, details: [(String, StyleRole?)], focused: Bool
  ) {
    guard !rect.isEmpty else { return }
    let role: StyleRole = focused ? .paneTitleFocused : .paneTitle
    fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), role: role)
    let marker = focused ? "▸ " : " "
    let used = writeParts([(marker + title, role)], x: rect.x, y: rect.y, width: rect.width)
    guard !details.isEmpty, used + 2 < rect.width else { return }
    writeParts(
      details.map { ($0.0, $0.1 ?? role) }, x: rect.x + used + 2, y: rect.y,
      width: rect.width - used - 2, separatorRole: role)
  }

  /// Text fitted to a width: whole, or shortened at a word with `…` (see
  /// `DisplayWidth.abbreviate`), so nobody reads `Investigat` as a word.
  mutating func writeClipped(_ text: String, x: Int, y: Int, width: Int, role: StyleRole) {
    guard width > 0 else { return }
    let (short, cutWord) = DisplayWidth.abbreviate(SafeText.inert(text), width: width)
    if cutWord { countCut(row: y) }
    write(short, x: x, y: y, role: role, limit: width)
  }

  /// Parts of a line, each written whole or not at all, in order, while they fit: the
  /// first is abbreviated if it must be, the rest are left out (with what a later part
  /// says given up before a word is cut). Returns the columns written.
  @discardableResult
  mutating func writeParts(
    _ parts: [(String, StyleRole)], separator: String = " · ", x: Int, y: Int, width: Int,
    separatorRole: StyleRole? = nil
  ) -> Int {
    var used = 0
    for (index, (text, role)) in parts.enumerated() where !text.isEmpty {
      let lead = used == 0 ? "" : separator
      let need = DisplayWidth.of(lead) + DisplayWidth.of(SafeText.inert(text))
      if used + need > width {
        if index == 0 {
          writeClipped(text, x: x, y: y, width: width, role: role)
          return width
        }
        continue
      }
      if !lead.isEmpty {
        used += write(lead, x: x + used, y: y, role: separatorRole ?? role)
      }
      used += write(text, x: x + used, y: y, role: role, limit: width - used)
    }
    return used
  }
}

/// Pads or clips text to exactly `width` columns, for table-like rows; a clipped value
/// ends in an ellipsis so nobody mistakes `checkout-d` for a whole name.
func column(_ text: String, _ width: Int) -> String {
  let safe = SafeText.inert(text)
  guard width > 0 else { return "" }
  let clipped = DisplayWidth.of(safe) > width
  let room = clipped ? width - 1 : width
  var result = ""
  var used = 0
  for character in safe {
    let w = DisplayWidth.of(character)
    if used + w > room { break }
    result.append(character)
    used += w
  }
  if clipped {
    result.append("…")
    used += 1
  }
  return result + String(repeating: " ", count: max(0, width - used))
}

/// `04:12`: times on screen are UTC, like the post-mortem's timeline.
/// `03:12` or `03:12:07`, in UTC, or shifted by `offset` seconds for `--local-time`.
func clockTime(_ date: Date, seconds: Bool = false, offset: Int = 0) -> String {
  let shifted = date.addingTimeInterval(TimeInterval(offset))
  return seconds ? UTCTime.time(shifted) : UTCTime.hourMinute(shifted)
}

/// How the header names the zone the dashboard's times are in: `UTC`, `UTC+01:00`.
func zoneName(offset: Int) -> String {
  guard offset != 0 else { return "UTC" }
  let minutes = abs(offset) / 60
  let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
  return "UTC\(offset < 0 ? "-" : "+")\(two(minutes / 60)):\(two(minutes % 60))"
}
