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
}

extension Grid {
  /// A pane's title bar: the title, then optional detail, across the whole width.
  mutating func titleBar(_ rect: Rect, _ title: String, detail: String = "", focused: Bool) {
    guard !rect.isEmpty else { return }
    let role: StyleRole = focused ? .paneTitleFocused : .paneTitle
    fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), role: role)
    let marker = focused ? "▸ " : " "
    let used = write(marker + title, x: rect.x, y: rect.y, role: role, limit: rect.width)
    if !detail.isEmpty {
      write("  " + detail, x: rect.x + used, y: rect.y, role: role, limit: rect.width - used)
    }
  }

  /// Text clipped to a width, with an ellipsis when something was cut.
  mutating func writeClipped(_ text: String, x: Int, y: Int, width: Int, role: StyleRole) {
    guard width > 0 else { return }
    let safe = SafeText.inert(text)
    if DisplayWidth.of(safe) <= width {
      write(safe, x: x, y: y, role: role, limit: width)
    } else {
      let used = write(safe, x: x, y: y, role: role, limit: width - 1)
      write("…", x: x + used, y: y, role: role, limit: 1)
    }
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
