import Foundation
import Testing
import WarroomCore
import WarroomTestSupport

@testable import WarroomScreen

/// The loop draws only what can differ from the screen (`RedrawGate`): a frame it skips
/// must be the frame already shown, whatever came in.
@Suite("Drawing only what changed")
struct RedrawGateTests {
  /// Random keys, reads with and without news, signals, re-checks, resizes and clock
  /// steps of 0–1.5 s: whenever the gate skips a frame, rendering it would have given the
  /// frame on screen; and it does skip (a wake-up that changed nothing draws nothing).
  @Test(arguments: 0..<60)
  func aSkippedFrameIsAlwaysTheOneOnScreen(seed: Int) {
    var random = SplitMix(UInt64(seed) &* 0x9E37_79B9 &+ 11)
    var builder = Fixtures.busy()
    var now = builder.now
    var state = DashboardState(model: DashboardModel(me: "alice"), incident: builder.state)
    var gate = RedrawGate()
    var size = (width: 120, height: 40)
    var onScreen: Frame?
    var skipped = 0
    let keys: [Key] = [
      .character("x"), .character(" "), .backspace, .tab, .backTab, .up, .down, .pageUp,
      .escape, .character(":"), .character("?"), .enter, .control("l"),
    ]
    for _ in 0..<80 {
      var messages: [DashboardMessage] = []
      switch random.below(9) {
      case 0, 1:
        now = now.addingTimeInterval(Double(random.below(1500)) / 1000)
        messages.append(.tick(now))
      case 2: messages.append(.key(keys[random.below(keys.count)], now: now, request: RequestID()))
      case 3:
        builder.now = now
        builder.record(
          .logged(LogAdded(kind: .note, text: "entry \(random.below(999))")), by: "bob")
        messages.append(.read([builder.envelopes.last!]))
      case 4: messages.append(.read([]))
      case 5: messages.append(.storeChanged(at: 5))
      case 6: messages.append(.recheck(at: 7))
      case 7:
        size = [(120, 40), (200, 60), (80, 24)][random.below(3)]
        messages.append(.resized)
      default: messages.append(.tick(now))
      }
      for message in messages {
        for effect in DashboardLoop.update(&state, message) where effect == .redraw {
          gate.forget()
        }
      }
      let context = RenderContext(
        state: state.incident, model: state.model, now: now, storeName: "bench.db",
        connectivity: state.connectivity, deliverer: state.deliverer, samples: state.samples,
        flashUntil: state.flashUntil)
      let frame = DashboardRenderer.render(context, width: size.width, height: size.height)
      if gate.needsFrame(context, width: size.width, height: size.height) {
        onScreen = frame
      } else {
        skipped += 1
        let unchanged = frame == onScreen  // compared apart: a failure would print both grids
        #expect(unchanged, "a changed frame was skipped (seed \(seed))")
      }
    }
    #expect(skipped > 0)
  }

  @Test func eachKindOfChangeDrawsAndNothingElseDoes() {
    let builder = Fixtures.busy()
    let state = DashboardState(model: DashboardModel(me: "alice"), incident: builder.state)
    func context(_ change: (inout RenderContext) -> Void = { _ in }) -> RenderContext {
      var context = RenderContext(
        state: state.incident, model: state.model, now: builder.now, storeName: "s.db")
      change(&context)
      return context
    }
    let plain = context()
    let later = context { $0.now += 0.4 }
    let nextSecond = context { $0.now += 1 }
    let help = context { $0.model.showHelp = true }
    let folded = context { $0.state?.lastSeq += 1 }
    let flashing = context { $0.flashUntil = builder.now }
    let otherStore = context { $0.storeName = "t.db" }
    var gate = RedrawGate()
    func draws(_ context: RenderContext, height: Int = 24) -> Bool {
      gate.needsFrame(context, width: 80, height: height)
    }
    #expect(draws(plain))
    #expect(!draws(plain))
    #expect(!draws(later), "the same second")
    #expect(draws(nextSecond), "the next second")
    #expect(draws(plain, height: 25))
    #expect(draws(plain))
    for changed in [help, plain, folded, plain, flashing, plain, otherStore] {
      #expect(draws(changed))
    }
    #expect(!draws(otherStore))
    gate.forget()
    #expect(draws(otherStore), "a redraw was asked for")
  }
}
