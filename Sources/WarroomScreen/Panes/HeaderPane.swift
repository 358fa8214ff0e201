import WarroomCore

/// Two rows that answer "how bad, how long, who am I" at a glance: severity, status as
/// colour and word, title; then elapsed time, ticket, channel and my roles.
enum HeaderPane {
  static func render(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
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
    let elapsed = DurationText.age(Int(end.timeIntervalSince(state.declaredAt)))
    var parts = ["\(elapsed) since declared \(clockTime(state.declaredAt)) UTC"]
    parts.append("ticket \(state.ticket ?? "—")")
    parts.append(state.channel ?? "no channel")
    let mine = state.roles.roles(of: context.model.me).map(\.title)
    parts.append(
      "you: \(context.model.me)" + (mine.isEmpty ? "" : " (\(mine.joined(separator: ", ")))"))
    grid.fill(Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: 1), role: .subheader)
    grid.writeClipped(
      " " + parts.joined(separator: " · "), x: rect.x, y: rect.y + 1, width: rect.width,
      role: .subheader)
  }
}
