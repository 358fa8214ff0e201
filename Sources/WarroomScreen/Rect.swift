/// A rectangle of cells: where a pane draws.
public struct Rect: Equatable, Sendable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int

  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = max(0, width)
    self.height = max(0, height)
  }

  public var maxX: Int { x + width }
  public var maxY: Int { y + height }
  public var isEmpty: Bool { width == 0 || height == 0 }

  public func intersection(_ other: Rect) -> Rect {
    let left = max(x, other.x)
    let top = max(y, other.y)
    return Rect(
      x: left, y: top, width: min(maxX, other.maxX) - left, height: min(maxY, other.maxY) - top)
  }

  /// The top `rows` rows, and what is left below them.
  public func splitTop(_ rows: Int) -> (Rect, Rect) {
    let top = min(max(0, rows), height)
    return (
      Rect(x: x, y: y, width: width, height: top),
      Rect(x: x, y: y + top, width: width, height: height - top)
    )
  }

  /// The bottom `rows` rows, and what is left above them.
  public func splitBottom(_ rows: Int) -> (rest: Rect, bottom: Rect) {
    let bottom = min(max(0, rows), height)
    return (
      Rect(x: x, y: y, width: width, height: height - bottom),
      Rect(x: x, y: maxY - bottom, width: width, height: bottom)
    )
  }

  /// The left `columns` columns, and what is right of them.
  public func splitLeft(_ columns: Int) -> (Rect, Rect) {
    let left = min(max(0, columns), width)
    return (
      Rect(x: x, y: y, width: left, height: height),
      Rect(x: x + left, y: y, width: width - left, height: height)
    )
  }

  /// The rectangle without its first row (a pane's title bar).
  public var belowTitle: Rect { splitTop(1).1 }
}
