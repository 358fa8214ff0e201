import Foundation
import WarroomCore

/// The probes: each with its state, its last value, a sparkline of the last half hour and
/// its progress toward the window (`recovered 3:12 of 5:00`). In the lead's view while the
/// incident has probes; a page of the log pane for everyone.
enum RecoveryPane {
  static func render(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    guard let state = context.state, rect.height > 0 else { return }
    let flashing = context.flashUntil.map { context.now < $0 } ?? false
    if flashing {
      // A probe just turned failing: the title says so in red, once.
      grid.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), role: .error)
      grid.writeClipped(
        " Recovery  " + summary(state), x: rect.x, y: rect.y, width: rect.width, role: .error)
    } else {
      grid.titleBar(
        rect, "Recovery", details: summaryParts(state).map { ($0, nil) }, focused: false)
    }
    renderBody(context, state: state, into: &grid, body: rect.belowTitle)
  }

  /// `2 passing, 1 failing` or `recovered`.
  static func summary(_ state: IncidentState) -> String {
    summaryParts(state).joined(separator: ", ")
  }

  /// The same, a part per state, most telling first (for a title bar to drop from the end).
  static func summaryParts(_ state: IncidentState) -> [String] {
    let probes = state.currentProbes
    if probes.isEmpty { return ["no probes"] }
    if state.recoveryProvenAt != nil, state.probesNotPassing.isEmpty { return ["recovery proven"] }
    var counts: [String: Int] = [:]
    for probe in probes { counts[probe.stateWord, default: 0] += 1 }
    return ["failing", "unknown", "pending", "passing", "paused"].compactMap { word in
      counts[word].map { "\($0) \(word)" }
    }
  }

  static func renderBody(
    _ context: RenderContext, state: IncidentState, into grid: inout Grid, body: Rect
  ) {
    guard body.height > 0, body.width > 10 else { return }
    let probes = state.currentProbes
    if probes.isEmpty {
      grid.writeClipped(
        " no probes: warroom probe add NAME --http URL proves recovery with data", x: body.x,
        y: body.y, width: body.width, role: .dim)
      return
    }
    let nameWidth = min(16, probes.map(\.spec.name.count).max() ?? 0)
    let sparkWidth = body.width >= 90 ? 30 : (body.width >= 60 ? 15 : 0)
    for (row, probe) in probes.prefix(body.height).enumerated() {
      let y = body.y + row
      var x = body.x + 1
      x += grid.write(
        String(probe.spec.name.prefix(nameWidth)).padding(
          toLength: nameWidth + 1, withPad: " ", startingAt: 0),
        x: x, y: y, role: .text)
      let (word, role) = look(probe)
      x += grid.write(
        word.padding(toLength: 8, withPad: " ", startingAt: 0), x: x, y: y, role: role)
      if sparkWidth > 0 {
        let samples = context.samples.filter { $0.probe == probe.spec.name }
        Sparkline.draw(
          samples, width: sparkWidth, now: context.now, ascii: context.model.asciiOnly, x: x, y: y,
          into: &grid)
        x += sparkWidth + 1
      }
      var detail = probe.reason ?? probe.value ?? ""
      if let progress = state.recoveryProgress(probe, now: context.now) {
        let window = probe.spec.windowSeconds
        detail =
          progress >= TimeInterval(window)
          ? "recovered \(DurationText.clock(window)) · \(probe.value ?? "")"
          : "recovered \(DurationText.clock(Int(seconds: progress))) of \(DurationText.clock(window)) · \(probe.value ?? "")"
      }
      grid.writeClipped(detail, x: x, y: y, width: body.maxX - x, role: .dim)
    }
  }

  private static func look(_ probe: ProbeRecord) -> (String, StyleRole) {
    if probe.paused { return ("paused", .dim) }
    switch probe.state {
    case .passing: return ("passing", .statusGreen)
    case .failing: return ("FAILING", .error)
    case .unknown: return ("unknown", .countdownWarning)
    case nil: return ("pending", .dim)
    }
  }
}

/// A probe's last half hour in one row: a block a minute, higher for larger values; a
/// failing minute in red, an unknown one as `?`. ASCII where Unicode blocks cannot be shown.
enum Sparkline {
  static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
  static let ascii: [Character] = ["_", ".", "-", "-", "=", "=", "#", "#"]

  static func draw(
    _ samples: [ProbeSample], width: Int, now: Date, ascii: Bool, x: Int, y: Int,
    into grid: inout Grid
  ) {
    guard width > 0 else { return }
    let span = 30.0 * 60
    let start = now.addingTimeInterval(-span)
    var columns: [ProbeSample?] = Array(repeating: nil, count: width)
    for sample in samples {
      let at = Date(timeIntervalSince1970: TimeInterval(sample.atMs) / 1000)
      guard at >= start, at <= now else { continue }
      let column = min(width - 1, Int(at.timeIntervalSince(start) / span * Double(width)))
      columns[column] = sample
    }
    let values = columns.compactMap { $0?.value ?? $0?.latencyMs.map(Double.init) }
    let low = values.min() ?? 0
    let high = values.max() ?? 0
    let glyphs = ascii ? Self.ascii : Self.blocks
    for (index, sample) in columns.enumerated() {
      guard let sample else {
        grid.write(ascii ? " " : "·", x: x + index, y: y, role: .dim)
        continue
      }
      if sample.state == .unknown {
        grid.write("?", x: x + index, y: y, role: .countdownWarning)
        continue
      }
      let value = sample.value ?? sample.latencyMs.map(Double.init) ?? low
      let level = high > low ? Int(((value - low) / (high - low) * 7).rounded()) : 3
      grid.write(
        String(glyphs[min(7, max(0, level))]), x: x + index, y: y,
        role: sample.state == .failing ? .error : .text)
    }
  }
}
