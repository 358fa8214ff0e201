#!/usr/bin/env python3
"""Probes at scale: 20 probes every 5 s for 10 minutes against a service on 127.0.0.1 that
turns unhealthy for one minute in five. Prints the relay's CPU, the rows added per hour
(events and samples), and how long `warroom status` takes on the incident afterwards,
against the same incident's events without the samples table filled (a baseline measured
in the same run). Asserts nothing.

  python3 bench/probe_bench.py [path/to/warroom] [minutes] [probes]   (default .build/release/warroom, 10, 20)
"""
import http.server, os, shutil, sqlite3, statistics, subprocess, sys, tempfile, threading, time

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/warroom")
minutes = float(sys.argv[2]) if len(sys.argv) > 2 else 10
count = int(sys.argv[3]) if len(sys.argv) > 3 else 20
folder = tempfile.mkdtemp(prefix="warroom-probe-bench-")
store = os.path.join(folder, "probes.db")
env = dict(os.environ, WARROOM_USER="bench", WARROOM_STORE=store, XDG_CONFIG_HOME=folder)
started = time.time()


class Service(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        # Unhealthy one minute in five.
        healthy = int((time.time() - started) / 60) % 5 != 2
        body = b"ok" if healthy else b"down"
        self.send_response(200 if healthy else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Service)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]


def cli(*args):
    return subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=60)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_status(paths, runs=30):
    """Median wall time of `warroom status` per store, the stores taken in turn (timing one
    after the other favoured the second: its pages were cached)."""
    times = {path: [] for path in paths}
    for _ in range(runs):
        for path in paths:
            t = time.perf_counter()
            subprocess.run([binary, "status", "--store", path], env=env, capture_output=True, timeout=60)
            times[path].append((time.perf_counter() - t) * 1000)
    return [statistics.median(times[path]) for path in paths]


cli("declare", "Probe benchmark")
for n in range(count):
    cli("probe", "add", f"svc-{n}", "--http", f"http://127.0.0.1:{port}/health/{n}", "--every", "5s")
with sqlite3.connect(store) as db:
    events_before = db.execute("select count(*) from events").fetchone()[0]
# The relay probes only the hosts its config allows.
relay_config = os.path.join(os.path.dirname(store), "relay.toml")
with open(relay_config, "w") as f:
    f.write('[probes]\nallow_hosts = ["127.0.0.1"]\n')
relay = subprocess.Popen([binary, "relay", "--config", relay_config], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(2)
cpu_start, wall_start = cpu_seconds(relay.pid), time.time()
time.sleep(minutes * 60)
cpu = cpu_seconds(relay.pid) - cpu_start
wall = time.time() - wall_start
relay.terminate()
relay.wait(timeout=60)
server.shutdown()

with sqlite3.connect(store) as db:
    events = db.execute("select count(*) from events").fetchone()[0] - events_before
    samples = db.execute("select count(*) from probe_samples").fetchone()[0]
hours = wall / 3600
print(f"warroom probe benchmark: {count} probes every 5 s for {wall / 60:.1f} min, service down 1 min in 5")
print(f"relay CPU: {cpu:.1f} s over {wall:.0f} s = {cpu / wall * 100:.2f}% of a core "
      f"({count * wall / 5:.0f} checks, {cpu / (count * wall / 5) * 1000:.2f} ms of CPU per check)")
print(f"rows added: {events} events + {samples} samples = {(events + samples) / hours:.0f} rows/hour "
      f"({events / hours:.0f} events/hour, {samples / hours:.0f} samples/hour)")
baseline = os.path.join(folder, "baseline.db")
shutil.copy(store, baseline)
with sqlite3.connect(baseline) as db:
    db.execute("delete from probe_samples")
with_samples, without = timed_status([store, baseline])
print(f"warroom status afterwards (median of 30, whole process): {with_samples:.1f} ms "
      f"vs {without:.1f} ms with the samples table emptied (ratio {with_samples / without:.2f})")
