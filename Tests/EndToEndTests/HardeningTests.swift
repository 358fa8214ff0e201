import Foundation
import GRDB
import Testing
import WarroomTestSupport

/// Running as root, where acting as another user works.
let isRoot = getuid() == 0

/// Whether this machine lets the tests mount a small file system (root, and a kernel and
/// container that allow tmpfs mounts): tried once.
let canMountTmpfs: Bool = {
  guard isRoot else { return false }
  let point = FileManager.default.temporaryDirectory
    .appendingPathComponent("warroom-mount-check-\(getpid())").path
  try? FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
  defer { rmdir(point) }
  guard (try? Spawn.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", point]))?.status == 0
  else { return false }
  _ = try? Spawn.run(["umount", point])
  return true
}()

let canActAsNobody = isRoot && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")

/// The reproductions of the hardening issue, each against the real binary: nothing a
/// person, a script or a planted row gives crashes warroom, wedges a store, or reaches the
/// terminal raw.
@Suite("Hardening: hostile input never crashes, wedges or leaks", .serialized)
struct HardeningTests {
  let folder: TemporaryFolder
  let store: String

  init() throws {
    folder = try TemporaryFolder()
    store = folder.path("w.db")
  }

  @discardableResult
  func warroom(_ arguments: String..., on path: String? = nil) throws -> WarroomBinary.Result {
    try WarroomBinary.run(arguments + ["--store", path ?? store])
  }

  /// A crash shows as a signal (128 + n); every outcome must be 0, 1 or 64.
  func expectNoCrash(_ result: WarroomBinary.Result, _ what: String) {
    #expect(
      [0, 1, 64].contains(result.status), "\(what): status \(result.status) \(result.stderr)")
  }

  /// Writes a row straight into the table, as anyone who can write the file could.
  func plant(
    incident: String = "INC-1", at: Int64 = 1_798_000_000_000, actor: String = "mallory",
    type: String, payload: String
  ) throws {
    let queue = try DatabaseQueue(path: store)
    try queue.write { db in
      try db.execute(
        sql: """
          INSERT INTO events (seq, incident, at_ms, actor, type, payload)
          VALUES ((SELECT MAX(seq) + 1 FROM events), ?, ?, ?, ?, ?)
          """, arguments: [incident, at, actor, type, payload])
    }
    try queue.close()
  }

  // MARK: - A store left unusable

  @Test(.enabled(if: canMountTmpfs, "mounting a small file system needs root and tmpfs"))
  func aFullDiskOnFirstUseLeavesNothingThatWedgesTheStore() throws {
    let mount = try SmallFileSystem(folder.path("fs"), kilobytes: 1024)
    defer { mount.unmount() }
    try mount.fill(leavingKilobytes: 16)
    let path = mount.path + "/n.db"
    let full = try warroom("declare", "x", on: path)
    #expect(full.status == 1)
    #expect(full.stderr.contains("full"), "\(full.stderr)")
    #expect(full.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: path))
    try mount.unfill()
    let again = try warroom("declare", "x", on: path)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stdout == "INC-1\n")
  }

  @Test func aFirstDeclareKilledAnywhereNeverWedgesTheStore() throws {
    for round in 0..<20 {
      let path = folder.path("k\(round).db")
      let process = try WarroomBinary.start(["declare", "x", "--store", path])
      usleep(UInt32(round * 1_500))  // from before the file exists to after it is done
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      let next = try warroom("declare", "y", on: path)
      #expect(next.status == 0, "round \(round): \(next.stderr)")
      #expect(try warroom("list", on: path).status == 0)
    }
  }

  @Test func aStoreCopyKilledAnywhereLeavesNoneOrAWholeCopy() throws {
    try warroom("declare", "source")
    _ = try WarroomBinary.run(["log", "a note", "--store", store])
    for round in 0..<12 {
      let destination = folder.path("copy\(round).db")
      let process = try WarroomBinary.start(["store", "copy", "--from", store, "--to", destination])
      usleep(UInt32(round * 2_500))
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      let again = try WarroomBinary.run(["store", "copy", "--from", store, "--to", destination])
      #expect(again.status == 0, "round \(round): \(again.stderr)")
      #expect(try warroom("store", "verify", on: destination).stdout.contains("intact, 2 events"))
    }
  }

  @Test func aShareReadyEmptyFileKeepsItsModeAndGroupAndSoDoesTheLock() throws {
    let path = folder.path("shared.db")
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    chmod(path, 0o660)
    if isRoot { chown(path, 0, 65534) }  // nogroup
    #expect(try warroom("declare", "x", on: path).status == 0)
    for file in [path, path + "-lock"] {
      var info = stat()
      #expect(stat(file, &info) == 0)
      #expect(info.st_mode & 0o777 == 0o660, "\(file)")
      if isRoot { #expect(info.st_gid == 65534, "\(file)") }
    }
  }

  @Test func onlyDeclareCreatesAStore() throws {
    let typo = folder.path("typo/w.db")
    let status = try warroom("status", on: typo)
    #expect(status.status == 1)
    #expect(status.stderr.contains("no warroom store at \(typo)"))
    #expect(!FileManager.default.fileExists(atPath: folder.path("typo")))
    #expect(try warroom("declare", "x", on: typo).status == 0)
  }

  @Test func aOneCharacterRelativeStoreNameIsAPath() throws {
    let result = try WarroomBinary.run(
      ["list", "--store", "a"], timeout: 30, workingDirectory: folder.url.path)
    #expect(result.status == 1)
    #expect(result.stderr.contains("no warroom store at a"))
    let declared = try WarroomBinary.run(
      ["declare", "x", "--store", "a"], timeout: 30, workingDirectory: folder.url.path)
    #expect(declared.status == 0, "\(declared.stderr)")
    #expect(FileManager.default.fileExists(atPath: folder.path("a")))
  }

  // MARK: - Numbers at the limits

  @Test func durationsAtTheIntegerLimitsAreRefusedInOneLine() throws {
    try warroom("declare", "x")
    for arguments in [
      ["cadence", "153722867280912931"], ["cadence", "9223372036854775807s"],
      ["cadence", "2562047788015215h"], ["declare", "y", "--cadence", "153722867280912931"],
    ] {
      let result = try WarroomBinary.run(arguments + ["--store", store])
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1)
    }
    let runbook = folder.path("rb.json")
    try #"{"steps":[{"title":"a"}],"maximum_cadence":"2562047788015215h"}"#
      .write(toFile: runbook, atomically: true, encoding: .utf8)
    let refused = try warroom("declare", "z", "--runbook", runbook)
    #expect(refused.status == 1)
    #expect(refused.stderr.hasPrefix("warroom: bad runbook"))
    expectNoCrash(try warroom("status"), "status")
  }

  @Test func hostileRowsAreSkippedAndNamedAndEverythingElseWorks() throws {
    try warroom("declare", "first")
    try warroom("declare", "second")
    try plant(type: "step-completed", payload: #"{"step":-9223372036854775808}"#)
    try plant(type: "why-added", payload: #"{"chain":9223372036854775807,"why":"a","because":"b"}"#)
    try plant(type: "logged", payload: #"{"kind":"note","text":"from the far future"}"#)
    try plant(at: Int64.max, type: "logged", payload: #"{"kind":"note","text":"late"}"#)
    try plant(type: "cadence-changed", payload: #"{"seconds":9223372036854775807}"#)
    try plant(type: "cadence-changed", payload: #"{"seconds":-9223372036854775808}"#)
    try plant(type: "role-assigned", payload: #"{"role":"overlord","person":"x"}"#)
    try plant(type: "logged", payload: "not json at all")
    try plant(type: "logged", payload: String(repeating: "[", count: 5000))
    try plant(incident: "INC-9223372036854775807", type: "declared", payload: #"{"title":"huge"}"#)
    for arguments in [
      ["list"], ["status", "--incident", "INC-1"], ["status", "--incident", "INC-2"],
      ["export", "--incident", "INC-1"], ["export", "--incident", "INC-1", "--format", "json"],
      ["log", "--incident", "INC-1", "still works"], ["status", "--json", "--incident", "1"],
    ] {
      let result = try WarroomBinary.run(arguments + ["--store", store])
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
    }
    let status = try warroom("status", "--incident", "INC-1")
    #expect(status.stderr.contains("#3 step-completed"), "\(status.stderr)")
    #expect(status.stderr.contains("cannot use"))
    let json = try warroom("export", "--incident", "INC-1", "--format", "json")
    #expect(json.stdout.contains("not json at all"))
    #expect(try warroom("declare", "third").stdout == "INC-3\n")
  }

  // MARK: - Output

  @Test func outputThatCannotBeWrittenNeitherCrashesNorStoresTwice() throws {
    try warroom("declare", "x")
    let binary = WarroomBinary.path
    let quiet = try Spawn.capture(
      ["/bin/sh", "-c", "'\(binary)' log --store '\(store)' hello 2>/dev/full"],
      environment: ["WARROOM_USER": "t", "PATH": "/usr/bin:/bin"])
    #expect(quiet.status == 0)
    let full = try Spawn.capture(
      ["/bin/sh", "-c", "'\(binary)' export --store '\(store)' > /dev/full"],
      environment: ["WARROOM_USER": "t", "PATH": "/usr/bin:/bin"])
    #expect(full.status == 1)
    let message = String(decoding: full.stderr, as: UTF8.self)
    #expect(message == "warroom: cannot write to standard output: No space left on device\n")
    let json = try warroom("export", "--format", "json")
    #expect(json.stdout.components(separatedBy: "\"type\" : \"logged\"").count == 2)  // once
  }

  @Test func noCommandPrintsARawControlCharacter() throws {
    try warroom("declare", "x")
    let osc = "\u{1B}]0;pwned\u{07}"
    let clipboard = "\u{1B}]52;c;ZXZpbA==\u{07}"
    try plant(
      incident: "INC-\(osc)", actor: "m\(clipboard)", type: "declared",
      payload: #"{"title":"t\u001b[2J\u009b31m\u202e","severity":"P1","cadence":1800,"runbook":"#
        + String(decoding: try JSONEncoder().encode(StandardRunbook.json), as: UTF8.self) + "}")
    try plant(
      actor: "al\u{200B}ice\(clipboard)", type: "logged",
      payload: #"{"kind":"note","text":"\u001b]0;x\u0007"}"#)
    let hostileID = "INC-\(osc)"
    let commands: [[String]] = [
      ["list"], ["status"], ["status", "--json"], ["export"], ["export", "--format", "json"],
      ["log", "note"], ["store", "verify"], ["status", "--incident", hostileID],
      ["export", "--incident", hostileID], ["log", "--incident", hostileID, "x"],
      ["step", "done", "1", "--incident", hostileID], ["log", "--incident", "\u{1B}[2J"],
      ["list", "--as", "\u{1B}]0;x\u{07}"], ["nonsense\u{1B}[2J"], ["log", "--bogus\u{9B}2J", "x"],
    ]
    for arguments in commands {
      let raw = try WarroomBinary.runRaw(arguments + ["--store", store])
      #expect([0, 1, 64].contains(raw.status), "\(arguments)")
      for (name, data) in [("stdout", raw.stdout), ("stderr", raw.stderr)] {
        let text = String(decoding: data, as: UTF8.self)
        let bad = text.unicodeScalars.filter {
          ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value)
        }
        #expect(bad.isEmpty, "\(arguments) \(name): \(bad.map { $0.value })")
      }
    }
  }

  @Test func thePasswordInAnAddressIsNeverRepeated() throws {
    for address in [
      "postgres://u@127.0.0.1:1/db?password=s3cret", "postgres://u:s3cret@127.0.0.1:1/db?bogus=1",
      "postgres://u@127.0.0.1:1/db?passwd=s3cret", "postgres://u:s3cret@127.0.0.1:1/db",
    ] {
      let result = try WarroomBinary.run(["list", "--store", address], timeout: 30)
      #expect(result.status == 1)
      #expect(!result.stderr.contains("s3cret"), "\(result.stderr)")
    }
  }

  // MARK: - Shared folders

  @Test func aLinkPlantedAtTheStoreOrItsLockIsNeverFollowed() throws {
    let target = folder.path("victim")
    symlink(target, store)
    let refused = try warroom("declare", "x")
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("link"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: target))
    unlink(store)

    symlink(target, store + "-lock")
    let lockRefused = try warroom("declare", "x")
    #expect(lockRefused.status == 1)
    #expect(lockRefused.stderr.contains("symbolic link"), "\(lockRefused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: target))
    unlink(store + "-lock")

    // A link a person made on purpose to an existing store is followed.
    #expect(try warroom("declare", "x").status == 0)
    let alias = folder.path("alias.db")
    symlink(store, alias)
    #expect(try warroom("status", on: alias).stdout.contains("INC-1"))
  }

  // MARK: - Attribution and history

  @Test func everyEventNamesItsSystemUserAndTheChainShowsRewrites() throws {
    try warroom("declare", "x")
    _ = try WarroomBinary.run(["log", "--as", "alice", "hello", "--store", store])
    let json = try warroom("export", "--format", "json")
    let user = String(cString: getpwuid(geteuid())!.pointee.pw_name)
    #expect(json.stdout.contains("\"osUser\" : \"\(user)\""))
    let markdown = try warroom("export")
    // One account wrote every event under two names: said once, not on every row.
    #expect(
      markdown.stdout.contains("Every event was written by the operating-system user \(user)."),
      "\(markdown.stdout)")
    #expect(!markdown.stdout.contains("(as OS user"))

    let intact = try warroom("store", "verify")
    #expect(intact.status == 0)
    #expect(intact.stdout.contains("intact, 2 events"))

    // A member of the store's group drops the trigger and rewrites an entry.
    let queue = try DatabaseQueue(path: store)
    try queue.write { db in
      try db.execute(sql: "DROP TRIGGER events_are_immutable")
      try db.execute(
        sql: "UPDATE events SET payload = '{\"kind\":\"note\",\"text\":\"bye\"}' WHERE seq = 2")
    }
    try queue.close()
    let broken = try warroom("store", "verify")
    #expect(broken.status == 1)
    #expect(broken.stderr.contains("event #2"), "\(broken.stderr)")
    #expect(try warroom("status").stderr.contains("changed at event #2"))
    #expect(try warroom("list").stderr.contains("changed at event #2"))
  }

  @Test func aStoreFromBeforeTheChainIsChainedOnUpgradeAndSaysSince() throws {
    let queue = try DatabaseQueue(path: store)
    try queue.write { db in
      try db.execute(
        sql: """
          PRAGMA application_id = 1465011505;
          CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
          INSERT INTO grdb_migrations VALUES ('v1: events'), ('v2: request ids');
          CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, incident TEXT NOT NULL,
            at_ms INTEGER NOT NULL, actor TEXT NOT NULL, type TEXT NOT NULL,
            payload TEXT NOT NULL, request TEXT);
          CREATE TRIGGER events_are_immutable BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'warroom events are immutable'); END;
          INSERT INTO events (incident, at_ms, actor, type, payload) VALUES
            ('INC-1', 1798000000000, 'a', 'declared', '{"title":"old","severity":"P1","cadence":1800,"runbook":{"name":"r","steps":[{"title":"s"}],"minimumCadence":900,"maximumCadence":2700,"defaultCadence":1800}}'),
            ('INC-1', 1798000001000, 'a', 'logged', '{"kind":"note","text":"n"}');
          PRAGMA user_version = 2;
          """)
    }
    try queue.close()
    #expect(try warroom("log", "after").status == 0)
    let verify = try warroom("store", "verify")
    #expect(verify.status == 0, "\(verify.stderr)")
    #expect(verify.stdout.contains("intact, 3 events; events up to #2 were chained"))
  }

  // MARK: - Read-only places

  @Test(.enabled(if: canMountTmpfs, "mounting a file system read-only needs root and tmpfs"))
  func aStoreOnAReadOnlyMountIsRead() throws {
    let mount = try SmallFileSystem(folder.path("ro"), kilobytes: 4096)
    defer { mount.unmount() }
    let path = mount.path + "/w.db"
    #expect(try warroom("declare", "frozen", on: path).status == 0)
    try mount.remountReadOnly()
    let status = try warroom("status", on: path)
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdout.contains("frozen"))
    let write = try warroom("log", "x", on: path)
    #expect(write.status == 1)
    #expect(write.stderr.contains("read-only"))
  }

  @Test(.enabled(if: canActAsNobody, "acting as another user needs root and runuser"))
  func aReaderWhoMayNotWriteTheFolderReads() throws {
    let shared = folder.path("shared")
    try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
    chmod(folder.url.path, 0o755)
    chmod(shared, 0o755)
    let path = shared + "/w.db"
    #expect(try warroom("declare", "watch me", on: path).status == 0)
    chmod(path, 0o644)
    // The build may sit in a folder only its owner may enter (a clone in a private home):
    // the other user runs a copy from a folder it can read.
    let binary = folder.path("bin/warroom")
    try FileManager.default.createDirectory(
      atPath: folder.path("bin"), withIntermediateDirectories: true)
    // Written through a descriptor no other test's child can inherit (an inherited
    // writable descriptor makes exec fail with "Text file busy").
    let bytes = try Data(contentsOf: URL(fileURLWithPath: WarroomBinary.path))
    let fd = open(binary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
    #expect(fd >= 0)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    chmod(folder.path("bin"), 0o755)
    chmod(binary, 0o755)
    let result = try Spawn.capture(
      ["/usr/sbin/runuser", "-u", "nobody", "--", binary, "status", "--store", path],
      environment: ["PATH": "/usr/bin:/bin", "HOME": "/tmp"])
    let text = String(decoding: result.stdout + result.stderr, as: UTF8.self)
    #expect(result.status == 0, "\(text)")
    #expect(text.contains("watch me"))
  }
}

/// The standard runbook as JSON, for planting a declaration by hand.
enum StandardRunbook {
  struct Step: Encodable { var title: String }
  struct Book: Encodable {
    var name = "planted"
    var steps = [Step(title: "one")]
    var minimumCadence = 900
    var maximumCadence = 2700
    var defaultCadence = 1800
  }
  static let json = Book()
}

/// A small tmpfs of its own, to fill up or make read-only; unmounted by the test.
struct SmallFileSystem {
  let path: String

  init(_ path: String, kilobytes: Int) throws {
    self.path = path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let mounted = try Spawn.run(["mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path])
    guard mounted.status == 0 else { throw Spawn.Failure(description: "cannot mount tmpfs") }
  }

  func fill(leavingKilobytes free: Int) throws {
    var info = statvfs()
    statvfs(path, &info)
    let available = Int(info.f_bavail) * Int(info.f_bsize)
    let size = max(0, available - free * 1024)
    _ = FileManager.default.createFile(
      atPath: path + "/ballast", contents: Data(count: size))
  }

  func unfill() throws { unlink(path + "/ballast") }

  func remountReadOnly() throws {
    _ = try Spawn.run(["mount", "-o", "remount,ro", path])
  }

  func unmount() { _ = try? Spawn.run(["umount", "-l", path]) }
}
