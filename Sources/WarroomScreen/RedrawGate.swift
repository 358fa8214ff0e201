import Foundation
import WarroomCore

/// Whether the next frame can differ from the one on screen. The renderer is a pure
/// function of its context and the terminal's size, and reads the clock to the second
/// (countdowns, ages, a flash's end), so a wake-up that changed none of them — a store
/// signal whose read found nothing new, a re-check, a key that did nothing — draws
/// nothing. Rendering and painting an unchanged 200×60 frame took 0.3–0.4 ms of the loop's
/// thread, in the way of the next signal (traced in `bench/dashboard_bench.py`'s runs).
/// The clock's second is among the inputs, so a change it could not see (there is none
/// known) would still be drawn at the next whole second, when the loop wakes anyway.
public struct RedrawGate {
  private var drawn: Inputs?

  private struct Inputs: Equatable {
    /// The incident by identity and position only. It changes only by folding events, so
    /// these name its content; and holding the state itself would share its storage with
    /// the loop's, so folding the next event would copy every entry (O(n) per event: 0.4 ms
    /// more from commit to screen at 10k events, measured).
    var incident: IncidentID?
    var lastSeq: Int64?
    var model: DashboardModel
    var second: Int64
    var storeName: String
    var connectivity: Connectivity
    var deliverer: DelivererSighting?
    var samples: [ProbeSample]
    var flashUntil: Date?
    var width: Int
    var height: Int

    init(_ context: RenderContext, width: Int, height: Int) {
      incident = context.state?.id
      lastSeq = context.state?.lastSeq
      model = context.model
      second = Int64((context.now.timeIntervalSince1970).rounded(.down))
      storeName = context.storeName
      connectivity = context.connectivity
      deliverer = context.deliverer
      samples = context.samples
      flashUntil = context.flashUntil
      self.width = width
      self.height = height
    }
  }

  public init() {}

  /// True when a frame for this context and size must be rendered and painted; it is
  /// then taken as the one on screen.
  public mutating func needsFrame(_ context: RenderContext, width: Int, height: Int) -> Bool {
    let inputs = Inputs(context, width: width, height: height)
    guard inputs != drawn else { return false }
    drawn = inputs
    return true
  }

  /// The screen no longer shows the last frame (a redraw was asked for).
  public mutating func forget() { drawn = nil }
}
