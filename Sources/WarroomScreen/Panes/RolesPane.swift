import WarroomCore

/// Who holds each role; an unfilled role stands out, because a war room without a
/// communicator goes quiet to its stakeholders.
enum RolesPane {
  static func render(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    guard let state = context.state, rect.height > 0 else { return }
    let unfilled = state.roles.unfilledCoreRoles
    let focused = context.isFocused(.roles)
    grid.titleBar(
      rect, "Roles",
      details: context.titleDetails(unfilled.isEmpty ? [] : ["\(unfilled.count) unfilled"]),
      focused: focused)
    let body = rect.belowTitle
    for (row, role) in Role.allCases.enumerated() where row < body.height {
      let y = body.y + row
      let holders = state.roles.holders(of: role)
      let label = column(role == .ic ? "ICs" : role.title, 13)
      grid.write(label, x: body.x + 1, y: y, role: .dim, limit: body.width - 1)
      let x = body.x + 14
      let width = body.width - 14
      if holders.isEmpty {
        if role == .ic {
          grid.writeClipped("none yet", x: x, y: y, width: width, role: .dim)
        } else {
          grid.writeClipped("⚠ UNFILLED", x: x, y: y, width: width, role: .roleUnfilled)
        }
      } else {
        grid.writeClipped(
          holders.map(SafeText.name).joined(separator: ", "), x: x, y: y, width: width,
          role: .roleFilled)
      }
      if focused, row == context.model.selected(.roles) % Role.allCases.count {
        grid.restyle(Rect(x: body.x, y: y, width: body.width, height: 1), role: .selection)
      }
    }
  }
}
