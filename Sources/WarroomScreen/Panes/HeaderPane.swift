import WarroomCore

/// Two rows that answer "how bad, how long, who am I" at a glance: severity, status as
/// colour and word, title; then elapsed time, ticket, channel and my roles.
enum HeaderPane {
  static func render(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    renderIncident(context, into: &grid, rect: rect)
    renderOffline(context, into: &grid, rect: rect)
  }

  /// Offline, the second row says so in the error colour, in place of the details: what
  /// is seen may be stale, and what is typed waits. Nobody should miss it at 3 a.m.
  private static func renderOffline(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    guard case .offline(let since, let reason, let attempts, let next) = context.connectivity.link,
      rect.height > 1
    else { return }
    let row = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: 1)
    let offlineFor = DurationText.clock(Int(seconds: context.now.timeIntervalSince(since)))
    let wait = max(0, Int(seconds: next.timeIntervalSince(context.now), rounding: .up))
    var parts = ["⚠ OFFLINE \(offlineFor)"]
    parts.append(wait > 0 ? "retrying in \(wait)s (try \(attempts + 1))" : "retrying now")
    let queued = context.connectivity.queue.count
    parts.append(
      queued == 0 ? "what you type is kept" : "\(queued) queued, sent when back")
    parts.append(reason)
    grid.fill(row, role: .error)
    grid.writeClipped(
      " " + parts.joined(separator: " · "), x: row.x, y: row.y, width: row.width, role: .error)
  }

  /// What people must know about deliveries now: messages that did not arrive, and a
  /// store whose messages (or probes) nobody is running. Said only where the record
  /// shows that this war room delivers or probes, so a room without a relay is not nagged.
  static func deliveryWarnings(_ context: RenderContext, _ state: IncidentState) -> [String] {
    var warnings: [String] = []
    let undelivered = state.undeliveredCount
    if undelivered > 0 {
      warnings.append(
        "\(undelivered) update\(undelivered == 1 ? "" : "s") not delivered: see Updates")
    }
    if let sighting = context.deliverer, !sighting.isRunning(at: context.now),
      !state.deliveries.isEmpty || !state.currentProbes.isEmpty, state.status != .resolved
    {
      warnings.append("nobody delivers: start warroom relay")
    }
    return warnings
  }

  private static func renderIncident(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    guard let state = context.state, state.isDeclared else {
      grid.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), role: .paneTitle)
      grid.write(" warroom  no open incident", x: rect.x, y: rect.y, role: .paneTitle)
      grid.write(
        " store \(context.storeName) · you: \(context.model.me)", x: rect.x, y: rect.y + 1,
        role: .subheader, limit: rect.width)
      return
    }
    let role: StyleRole
    switch state.status {
    case .investigating: role = .statusRed
    case .mitigated: role = .statusYellow
    case .resolved: role = .statusGreen
    }
    let top = Rect(x: rect.x, y: rect.y, width: rect.width, height: 1)
    grid.fill(top, role: role)
    let status = "\(state.status.colourWord.uppercased()) \(state.status.rawValue)"
    let lead = " \(state.severity.rawValue) ● \(status) │ \(state.id) "
    let used = grid.write(lead, x: rect.x, y: rect.y, role: role, limit: rect.width)
    grid.writeClipped(
      state.title, x: rect.x + used, y: rect.y, width: rect.width - used - 1, role: role)

    let end = state.resolvedAt ?? context.now
    // Minutes: a count of seconds in the header would tick through the busiest minute.
    let seconds = Int(seconds: end.timeIntervalSince(state.declaredAt))
    let elapsed = seconds < 60 ? "<1m" : DurationText.age(seconds)
    let offset = context.model.timeOffset
    var parts = [
      "\(elapsed) since \(clockTime(state.declaredAt, offset: offset)) "
        + zoneName(offset: offset)
    ]
    parts.append("ticket \(state.ticket ?? "—")")
    parts.append(state.channel ?? "no channel")
    let mine = state.roles.roles(of: context.model.me).map(\.title)
    parts.append(
      "you: \(context.model.me)" + (mine.isEmpty ? "" : " (\(mine.joined(separator: ", ")))"))
    grid.fill(Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: 1), role: .subheader)
    // Stakeholders not told what the room thinks they were told: first, in red, whole,
    // with what to do, in every role's view.
    var warned = 0
    for warning in deliveryWarnings(context, state) {
      warned += grid.write(
        " ⚠ \(warning) ", x: rect.x + warned, y: rect.y + 1, role: .error,
        limit: rect.width - warned)
    }
    grid.writeParts(
      parts.map { ($0, .subheader) }, x: rect.x + warned + 1, y: rect.y + 1,
      width: rect.width - warned - 1)
  }
}
