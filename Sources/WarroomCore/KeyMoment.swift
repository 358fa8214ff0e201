/// Which events the post-mortem's short timeline keeps: the turns of the story (declared,
/// announced, what was decided and changed by hand, what each experiment showed, the
/// colours, recovery proven and lost, the customer's word), not every role or update.
enum KeyMoment {
  static func isKey(_ event: Event, relapse: Bool) -> Bool {
    switch event {
    case .declared, .announced, .mitigated, .resolved, .reopened, .customerVerified,
      .recoveryProven, .experimentConcluded:
      true
    case .logged(let entry): entry.kind == .manualChange || entry.kind == .decision
    case .probeChanged: relapse
    default: false
    }
  }
}
