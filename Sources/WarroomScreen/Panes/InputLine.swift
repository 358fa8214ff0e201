import WarroomCore

/// The always-ready input line, and the hint line under it.
enum InputLine {
  static func render(_ context: RenderContext, into grid: inout Grid, rect: Rect) -> (
    x: Int, y: Int
  )? {
    guard rect.height > 0 else { return nil }
    let model = context.model
    let declared = context.state?.isDeclared == true
    let label: String
    // The kind Enter will log, whether chosen with Ctrl-T or typed as a prefix (`mc:`).
    let (kind, _) = InputPrefix.split(model.input.text, default: model.inputKind)
    if model.isCommandLine {
      label = " command "
    } else if !declared {
      label = " declare P1 "
    } else {
      label = " " + kind.label + " "
    }
    let labelRole: StyleRole =
      kind == .manualChange && declared && !model.isCommandLine ? .logManualChange : .inputLabel
    var x = rect.x + grid.write(label, x: rect.x, y: rect.y, role: labelRole, limit: rect.width)
    x += grid.write("› ", x: x, y: rect.y, role: .input, limit: rect.maxX - x)
    let width = rect.maxX - x - 1
    guard width > 0 else { return nil }
    // Scroll the text so the cursor stays in view.
    let characters = model.input.characters
    let cursor = model.input.cursor
    // Walk back from the cursor only as far as fits: a pasted page of text stays cheap.
    var start = cursor
    var used = 0
    while start > 0 {
      let w = DisplayWidth.of(SafeText.inert(String(characters[start - 1])))
      if used + w > width { break }
      used += w
      start -= 1
    }
    let visible = String(characters[start..<min(characters.count, start + width * 2)])
    let focused = model.focus == .input && !model.showHelp
    if visible.isEmpty, focused {
      let prompt =
        declared ? "type and press Enter" : "what is broken? type a title and press Enter"
      grid.writeClipped(prompt, x: x, y: rect.y, width: width, role: .dim)
    } else {
      grid.write(visible, x: x, y: rect.y, role: .input, limit: width)
    }
    guard focused else { return nil }
    return (x + used, rect.y)
  }

  static func renderHints(_ context: RenderContext, into grid: inout Grid, rect: Rect) {
    guard rect.height > 0 else { return }
    if let confirmation = context.model.confirmation {
      grid.fill(rect, role: .confirm)
      grid.writeClipped(
        " " + confirmation.prompt, x: rect.x, y: rect.y, width: rect.width, role: .confirm)
      return
    }
    if let message = context.model.message {
      grid.fill(rect, role: message.isError ? .error : .message)
      grid.writeClipped(
        " " + message.text, x: rect.x, y: rect.y, width: rect.width,
        role: message.isError ? .error : .message)
      return
    }
    if let notice = context.model.notice {
      // The newest first, whole where it fits, then how to dismiss them.
      let more = context.model.notices.count - 1
      let tail = (more > 0 ? " (+\(more) more)" : "") + " · Esc dismisses"
      grid.fill(rect, role: .confirm)
      let room = rect.width - DisplayWidth.of(tail) - 1
      grid.writeClipped(" " + notice, x: rect.x, y: rect.y, width: room, role: .confirm)
      grid.write(
        tail, x: rect.maxX - DisplayWidth.of(tail), y: rect.y, role: .confirm,
        limit: DisplayWidth.of(tail))
      return
    }
    let hints = KeyTable.hints(for: context.model).joined(separator: "  ")
    grid.writeClipped(" " + hints, x: rect.x, y: rect.y, width: rect.width, role: .hint)
  }
}
