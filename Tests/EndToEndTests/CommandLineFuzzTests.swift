import Foundation
import Testing
import WarroomTestSupport

/// Random argument vectors, from a fixed seed, against the real binary and a store that
/// holds planted rows: every run ends within its deadline with 0, 1 or 64, and prints no
/// raw control character. `WARROOM_FUZZ_RUNS` sets how many (the closing figures come
/// from a run of 5,000); CI runs a few hundred.
@Suite("Command-line fuzzing")
struct CommandLineFuzzTests {
  static let commands: [[String]] = [
    ["declare"], ["list"], ["status"], ["status", "--json"], ["edit"], ["log"],
    ["log", "--finding"], ["log", "--manual-change"], ["role", "assign"], ["role", "release"],
    ["step", "done"], ["step", "undo"], ["experiment", "add"], ["experiment", "start"],
    ["experiment", "conclude"], ["experiment", "abandon"], ["update"], ["cadence"], ["why"],
    ["followup", "add"], ["followup", "done"], ["mitigate"], ["verify"], ["resolve"],
    ["reopen"], ["export"], ["export", "--format", "json"], ["store", "verify"],
    ["store", "copy"], ["dashboard"], [],
  ]
  static let tokens: [String] = [
    "0", "-1", "1", "13", "14", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "153722867280912931", "2562047788015215h", "1h30m", "15m", "99999m",
    "0s", "1e9", "NaN", "lead", "communicator", "ic", "overlord", "INC-1", "INC-0",
    "INC-9223372036854775807", "inc-", "P1", "P9", "--force", "--reason", "--owner", "--target",
    "--ticket", "--channel", "--impact", "--title", "--severity", "--cadence", "--chain",
    "--runbook", "--incident", "--as", "--supported", "--refuted", "--inconclusive",
    "--view", "--theme", "--json", "--help", "-h", "--", "-", "", " ", "\u{1B}]0;x\u{07}",
    "\u{1B}[2J", "\u{9B}31m", "\u{202E}evil", "al\u{200B}ice", "\u{0}", "\u{7F}", "e\u{301}",
    "👩‍💻", "漢字", String(repeating: "x", count: 70_000), "{\"json\":1}", "'", "\"", "\\",
    "$(touch /tmp/warroom-pwned)", "%s%n", "../..", "/dev/zero", "/dev/full",
  ]

  @Test func randomArgumentVectorsNeverCrashHangOrLeak() throws {
    let runs = Int(ProcessInfo.processInfo.environment["WARROOM_FUZZ_RUNS"] ?? "") ?? 300
    let folder = try TemporaryFolder()
    let store = folder.path("w.db")
    _ = try WarroomBinary.run(["declare", "Fuzzed", "--store", store])
    var random = SeededRandom(seed: 20_261_127)
    var crashes: [String] = []
    var hangs: [String] = []
    var leaks: [String] = []
    var statuses: [Int32: Int] = [:]
    for _ in 0..<runs {
      var argv = Self.commands[random.below(Self.commands.count)]
      for _ in 0..<random.below(6) {
        argv.append(Self.tokens[random.below(Self.tokens.count)])
      }
      // Files only ever inside the test's folder.
      switch random.below(4) {
      case 0: argv += ["--store", store]
      case 1: argv += ["--store", folder.path("other-\(random.below(3)).db")]
      case 2:
        argv += ["--from", store, "--to", folder.path("copy.db"), "--output", folder.path("o")]
      default: argv += ["--store", store, "--as", Self.tokens[random.below(Self.tokens.count)]]
      }
      let result = try WarroomBinary.runRaw(argv, timeout: 20)
      let shown = argv.map { $0.count > 40 ? String($0.prefix(40)) + "…" : $0 }.debugDescription
      statuses[result.status, default: 0] += 1
      if result.timedOut {
        hangs.append(shown)
      } else if ![0, 1, 64].contains(result.status) {
        crashes.append("\(result.status) \(shown)")
      }
      for data in [result.stdout, result.stderr] {
        let text = String(decoding: data, as: UTF8.self)
        if text.unicodeScalars.contains(where: {
          ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value)
        }) {
          leaks.append(shown)
        }
      }
    }
    print(
      "cli fuzz: \(runs) runs, exit codes \(statuses), \(crashes.count) crashes, \(hangs.count) hangs, \(leaks.count) raw control characters"
    )
    #expect(crashes.isEmpty, "\(crashes.prefix(5))")
    #expect(hangs.isEmpty, "\(hangs.prefix(5))")
    #expect(leaks.isEmpty, "\(leaks.prefix(5))")
    #expect(!FileManager.default.fileExists(atPath: "/tmp/warroom-pwned"))
  }
}

/// SplitMix64: the same vectors on every run of the same seed.
struct SeededRandom {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func below(_ bound: Int) -> Int {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int((z ^ (z >> 31)) % UInt64(max(1, bound)))
  }
}
