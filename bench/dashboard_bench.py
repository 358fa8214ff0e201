#!/usr/bin/env python3
"""Measures the live dashboard as a person's terminal sees it: the real binary on a real
pseudo-terminal, its output fed to a terminal emulator (pyte). Prints figures; asserts
nothing. Needs `pip install pyte`.

  python3 bench/dashboard_bench.py [path/to/warroom]    (default .build/release/warroom)

Figures:
  - start to first full frame on a 10k-event incident
  - propagation: a write by another process until it is on this screen, median and p95
    over 100 writes (direct SQLite commits as warroom makes them and with a sync, from
    the write's start and from COMMIT's return; and real `warroom log` processes)
  - idle: CPU share and bytes per second sent to the terminal, timer ticking
  - with WARROOM_BENCH_POSTGRES and EVENTS: start to first full frame of that incident
    copied into a fresh schema (the first start folds it; later ones start from the
    user's snapshot cache, here one of the bench's own)
  - with WARROOM_BENCH_POSTGRES, WARROOM_BENCH_PG_STOP and WARROOM_BENCH_PG_START (shell
    commands that crash and restart that server): outages, from the crash until the
    screen says OFFLINE, and from the server being back until a note typed meanwhile is
    stored and the screen says so
"""
import json, os, select, sqlite3, statistics, struct, subprocess, sys, tempfile, time
import fcntl, termios

import pyte

WIDTH, HEIGHT = 200, 60
binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/warroom")
folder = tempfile.mkdtemp(prefix="warroom-dash-bench-")
store = os.path.join(folder, "bench.db")
# A snapshot cache of the bench's own (PostgreSQL stores keep snapshots per user).
env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
           WARROOM_USER="bench", WARROOM_CACHE_DIR=os.path.join(folder, "cache"))


bench_tool = os.path.join(os.path.dirname(binary), "warroom-bench")


def populate(events):
    """The incident as warroom writes it (hash chain included) when warroom-bench is built
    beside the binary: readers trust a snapshot only where the chain holds. Else rows
    inserted directly, without the chain."""
    if os.path.exists(bench_tool):
        subprocess.run([bench_tool, "--populate", store, str(events)], check=True,
                       capture_output=True)
        return
    subprocess.run([binary, "declare", "--store", store, "Checkout returns 502"],
                   check=True, capture_output=True, env=env)
    db = sqlite3.connect(store)
    now = int(time.time() * 1000)
    rows = [("INC-1", now, "recorder", "logged",
             json.dumps({"kind": "note", "text": f"entry {n}: still digging"}))
            for n in range(events - 1)]
    db.executemany("INSERT INTO events (incident, at_ms, actor, type, payload) VALUES (?,?,?,?,?)", rows)
    db.commit()
    db.close()


class Dashboard:
    def __init__(self, on=None):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [binary, "--store", on or store], stdin=slave, stdout=slave, stderr=slave, env=env,
            start_new_session=True)
        os.close(slave)
        self.fd = master
        self.screen = pyte.Screen(WIDTH, HEIGHT)
        self.stream = pyte.ByteStream(self.screen)
        self.bytes = 0

    def pump(self, timeout):
        """Reads what the dashboard wrote, if anything within `timeout`, and notes when it
        arrived: the figures time the terminal receiving the bytes, not this script."""
        chunks = []
        if not self.read_chunk(timeout, chunks):
            return False
        self.arrived, data = chunks[0]
        self.stream.feed(data)
        return True

    def text(self):
        return "\n".join(self.screen.display)

    def changed_rows(self):
        # Only the rows the last bytes touched: pyte's whole `display` costs milliseconds
        # of Python, which an earlier version of this bench counted as the dashboard's.
        rows = [
            "".join(self.screen.buffer[y][x].data for x in range(self.screen.columns))
            for y in sorted(self.screen.dirty)
        ]
        self.screen.dirty.clear()
        return rows

    def burst(self, timeout):
        """What the dashboard writes next: every read until it has been quiet for 2 ms, each
        stamped as it arrives. Nothing slow runs between two reads: feeding pyte a chunk
        and looking at its rows takes milliseconds of Python, and a frame that came in two
        writes (ncurses sends a scroll first) was stamped that much late when its second
        half waited behind the first's processing."""
        chunks = []
        end = time.perf_counter() + 0.2
        while self.read_chunk(timeout if not chunks else 0.002, chunks) and time.perf_counter() < end:
            pass
        return chunks

    def read_chunk(self, timeout, chunks):
        """One read within `timeout`, stamped on arrival and appended to `chunks`; whether
        there was one."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        arrived = time.perf_counter()
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            raise SystemExit(f"the dashboard exited: {self.process.wait()}; screen:\n{self.text()}")
        self.bytes += len(data)
        chunks.append((arrived, data))
        return True

    def wait_for(self, needle, timeout=10):
        """When the bytes that put `needle` on screen arrived."""
        deadline = time.perf_counter() + timeout
        self.screen.dirty.clear()
        while time.perf_counter() < deadline:
            found = None
            for arrived, data in self.burst(0.05):  # every chunk is fed, found or not
                self.stream.feed(data)
                if found is None and any(needle in row for row in self.changed_rows()):
                    found = arrived
            if found is not None:
                self.arrived = found
                return found
        raise SystemExit(f"timed out waiting for {needle!r}")

    def peak_rss_mib(self):
        for line in open(f"/proc/{self.process.pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self):
        fields = open(f"/proc/{self.process.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        self.process.terminate()
        self.process.wait()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


postgres = os.environ.get("WARROOM_BENCH_POSTGRES")
events = int(os.environ.get("EVENTS", "10000"))
if postgres:
    # The same dashboard on PostgreSQL: a fresh schema, changes pushed by LISTEN/NOTIFY;
    # with EVENTS, that incident copied in first (the first start folds it and saves the
    # user's snapshot, later starts begin from it).
    address = postgres + ("&" if "?" in postgres else "?") + f"schema=dashbench{os.getpid()}"
    if "EVENTS" in os.environ:
        populate(events)
        subprocess.run([binary, "store", "copy", "--from", store, "--to", address],
                       check=True, capture_output=True, env=env)
    else:
        subprocess.run([binary, "declare", "--store", address, "Checkout returns 502"],
                       check=True, capture_output=True, env=env)
    store = address
else:
    populate(events)
# One start is at the mercy of the machine's other work: five, and the median.
starts = []
for attempt in range(5):
    dash = Dashboard()
    first = dash.wait_for("Tab panes")  # the hint line is the last row painted (needles are new text)
    starts.append((first - dash.started) * 1000)
    if attempt < 4:
        dash.close()
print(f"warroom dashboard bench ({WIDTH}×{HEIGHT}, {binary})")
what = f"{events:,} events" if not postgres or "EVENTS" in os.environ else "a new incident"
what += " on PostgreSQL" if postgres else ""
print(f"  start to first full frame, {what}: median {percentile(starts, 50):.0f} ms "
      f"(5 starts, {min(starts):.0f}–{max(starts):.0f} ms; the first {starts[0]:.0f} ms)")
if not postgres:
    # Memory: this dashboard against one showing a new incident of one event.
    small = os.path.join(folder, "small.db")
    subprocess.run([binary, "declare", "--store", small, "Checkout returns 502"],
                   check=True, capture_output=True, env=env)
    empty = Dashboard(on=small)
    empty.wait_for("Tab panes")
    baseline = empty.peak_rss_mib()
    empty.close()
    held = dash.peak_rss_mib()
    print(f"  peak memory holding {events:,} events: {held:.1f} MiB; a dashboard of a new "
          f"incident: {baseline:.1f} MiB (+{held - baseline:.1f} MiB for the events)")

def direct_commits(label, synchronous):
    """100 commits by another process, alternating with nothing else: when the write
    began and when COMMIT returned, to when the row's bytes reached this terminal. With
    synchronous=NORMAL, as warroom's writers commit (no sync at commit: the commit is
    visible a moment after its log write wakes the dashboard); Python's default FULL
    syncs between that write and visibility, so the dashboard's first look is too early
    and its first re-check (1 ms later) finds it."""
    from_write, from_commit = [], []
    for n in range(100):
        text = f"probe-{n:03d}-{label}"
        db = sqlite3.connect(store)
        db.execute(f"PRAGMA synchronous={synchronous}")
        start = time.perf_counter()
        db.execute("INSERT INTO events (incident, at_ms, actor, type, payload) VALUES (?,?,?,?,?)",
                   ("INC-1", int(time.time() * 1000), "writer", "logged",
                    json.dumps({"kind": "note", "text": text})))
        db.commit()
        committed = time.perf_counter()
        seen = dash.wait_for(text)
        from_write.append((seen - start) * 1000)
        from_commit.append((seen - committed) * 1000)
        db.close()
    return from_write, from_commit


if not postgres:
    for label, synchronous, what in [
            ("warroom", "NORMAL", "a commit as warroom writers make it (synchronous=NORMAL)"),
            ("synced", "FULL", "a commit that syncs first (synchronous=FULL)")]:
        from_write, from_commit = direct_commits(label, synchronous)
        print(f"  propagation, {what} → on screen: median {statistics.median(from_write):.1f} ms, "
              f"p95 {percentile(from_write, 95):.1f} ms from the write's start; from COMMIT's "
              f"return median {statistics.median(from_commit):.1f} ms, "
              f"p95 {percentile(from_commit, 95):.1f} ms (100 writes)")

cli, after_exit = [], []
for n in range(100):
    text = f"probe-{n:03d}-cli"
    start = time.perf_counter()
    subprocess.run([binary, "log", "--store", store, "--as", "writer", text],
                   check=True, capture_output=True, env=env)
    exited = time.perf_counter()
    seen = dash.wait_for(text)
    cli.append((seen - start) * 1000)
    after_exit.append((seen - exited) * 1000)
print(f"  propagation, `warroom log` started → on screen: median {statistics.median(cli):.1f} ms, "
      f"p95 {percentile(cli, 95):.1f} ms (100 writes; the CLI folds the incident first)")
early = sum(1 for value in after_exit if value < 0.5)
print(f"    of which after the CLI exited: median {statistics.median(after_exit):.1f} ms, "
      f"p95 {percentile(after_exit, 95):.1f} ms ({early} of 100 were on screen by the time "
      f"the CLI had exited)")

stop_command = os.environ.get("WARROOM_BENCH_PG_STOP")
start_command = os.environ.get("WARROOM_BENCH_PG_START")
if postgres and stop_command and start_command:
    detected, recovered = [], []
    for n in range(5):
        subprocess.run(stop_command, shell=True, check=True, capture_output=True)
        crashed = time.perf_counter()
        detected.append((dash.wait_for("OFFLINE") - crashed) * 1000)
        os.write(dash.fd, f"typed during outage {n}\r".encode())
        dash.wait_for("1 queued")
        time.sleep(1 + n)  # outages of 1 to 5 s
        subprocess.run(start_command, shell=True, check=True, capture_output=True)
        ready = time.perf_counter()
        recovered.append((dash.wait_for("back online; sent 1 queued", timeout=30) - ready) * 1000)
    print(f"  outage noticed (crash → OFFLINE on screen): "
          f"{', '.join(f'{v:.0f}' for v in detected)} ms")
    print(f"  recovery (server accepting → queued note stored, on screen): "
          f"{', '.join(f'{v:.0f}' for v in recovered)} ms (outages of 1–5 s; retries back off "
          f"to 5 s)")

# Idle: let it settle, then watch for a while with the countdown ticking.
settle = time.perf_counter() + 2
while time.perf_counter() < settle:
    dash.pump(0.1)
seconds = 10
bytes_before, cpu_before, start = dash.bytes, dash.cpu_seconds(), time.perf_counter()
while time.perf_counter() - start < seconds:
    dash.pump(0.1)
elapsed = time.perf_counter() - start
cpu = dash.cpu_seconds() - cpu_before
print(f"  idle over {elapsed:.0f} s: {100 * cpu / elapsed:.2f}% of a core, "
      f"{(dash.bytes - bytes_before) / elapsed:.0f} bytes/s to the terminal")
dash.close()
