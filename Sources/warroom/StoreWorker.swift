import Foundation
import WarroomScreen
import WarroomStore

/// The dashboard's store work (writes, loads, reads) on a thread of its own, one job at a
/// time in the order given, so the screen never waits for the store: a PostgreSQL write
/// stalled behind a lock for its whole statement timeout used to freeze every key. Each
/// job's answers are messages; the event loop waits on `fileDescriptor` as it waits on the
/// keyboard and folds in what `take` returns. The update function already holds each
/// submission until its answer (see `Connectivity`), so a write in flight looks like one
/// waiting for its turn.
final class StoreWorker: @unchecked Sendable {
  typealias Job = @Sendable () -> [DashboardMessage]

  private let pipe: WakePipe
  private let condition = NSCondition()
  // Guarded by `condition`.
  private var jobs: [(job: Job, kind: String?)] = []
  private var answers: [DashboardMessage] = []
  private var busy = false
  private var stopping = false

  init() throws {
    guard let pipe = WakePipe() else {
      throw Failure(message: "cannot create a pipe for the store worker")
    }
    self.pipe = pipe
    let thread = Thread { [self] in work() }
    thread.name = "warroom store"
    thread.start()
  }

  var fileDescriptor: Int32 { pipe.fileDescriptor }

  /// Queues a job. With a `kind` (a read), a job of that kind still waiting is enough:
  /// it has not started, so it will see everything this one would have.
  func submit(kind: String? = nil, _ job: @escaping Job) {
    condition.withLock {
      if let kind, jobs.contains(where: { $0.kind == kind }) { return }
      jobs.append((job, kind))
      condition.broadcast()
    }
  }

  /// The answers so far, oldest first.
  func take() -> [DashboardMessage] {
    pipe.drain()
    return condition.withLock {
      defer { answers = [] }
      return answers
    }
  }

  /// Whether nothing is queued, running or waiting to be taken.
  var isIdle: Bool { condition.withLock { jobs.isEmpty && !busy && answers.isEmpty } }

  /// Waits until every queued job has run, or `deadline`; whether they all did.
  @discardableResult
  func finish(by deadline: Date) -> Bool {
    condition.withLock {
      while !jobs.isEmpty || busy {
        if !condition.wait(until: deadline) { return false }
      }
      return true
    }
  }

  /// Lets the thread end once its queue is empty.
  func stop() {
    condition.withLock {
      stopping = true
      condition.broadcast()
    }
  }

  private func work() {
    while true {
      let job: Job? = condition.withLock {
        while jobs.isEmpty, !stopping { condition.wait() }
        guard !jobs.isEmpty else { return nil }
        busy = true
        return jobs.removeFirst().job
      }
      guard let job else { return }
      let answer = job()
      condition.withLock {
        answers += answer
        busy = false
        condition.broadcast()
      }
      pipe.wake()
    }
  }
}
