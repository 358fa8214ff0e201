#!/usr/bin/env python3
"""Delivery latency and the deliverer's idle cost. Prints figures, asserts nothing.

For 100 updates: the time from `warroom update` recording the update (the event's own
time) until a webhook receiver on 127.0.0.1 has the request, with the deliverer in
`warroom relay` and in a dashboard (in tmux). Baseline, measured in the same run: the
same receiver's latency for a POST sent straight from Python. Then the CPU an idle
dashboard uses over 30 s while it holds the deliverer's lease, against one without a
config (no deliverer).

  python3 bench/delivery_bench.py [path/to/warroom] [updates]   (default .build/release/warroom, 100)
"""
import http.server, json, os, statistics, subprocess, sys, tempfile, threading, time, urllib.request

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/warroom")
count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
folder = tempfile.mkdtemp(prefix="warroom-delivery-bench-")
socket = f"warroom-bench-{os.getpid()}"
env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm-256color", WARROOM_USER="bench")
arrivals = {}  # delivery id or marker -> (arrival time, message time)
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        now = time.time()
        try:
            data = json.loads(body)
        except ValueError:
            data = {}
        # By text: delivery ids repeat across the two stores (INC-1-5-hook in both).
        key = (data.get("message") or {}).get("text") or data.get("marker")
        sent = data.get("sent")
        if sent is None and "message" in data:
            at = data["message"]["at"]
            sent = time.mktime(time.strptime(at[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float("0" + at[19:23])
        with lock:
            arrivals.setdefault(key, (now, sent, (data.get("message") or {}).get("text")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]
config = os.path.join(folder, "config.toml")
with open(config, "w") as f:
    f.write(f'[[destination]]\nname = "hook"\nkind = "webhook"\nurl = "http://127.0.0.1:{port}/hook"\nmessages = ["update"]\n')


def cli(store, *args):
    return subprocess.run([binary, *args, "--store", store], env=env, capture_output=True, text=True, timeout=30)


def tmux(*args):
    return subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], env=env,
                          capture_output=True, text=True, timeout=10).stdout


def latencies(store, label):
    found = []
    for n in range(count):
        text = f"{label} update {n}"
        cli(store, "update", text)
        deadline = time.time() + 10
        while time.time() < deadline:
            with lock:
                hit = arrivals.get(text)
            if hit:
                found.append((hit[0] - hit[1]) * 1000)
                break
            time.sleep(0.001)
    return found


def report(label, values, baseline=None):
    values = sorted(values)
    median = statistics.median(values)
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    ratio = f"  ({median / baseline:.1f}× the direct POST)" if baseline else ""
    print(f"{label:<34} n={len(values):<4} median {median:7.2f} ms   p95 {p95:7.2f} ms{ratio}")
    return median


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pane_pid(session):
    # The dashboard is the pane's process (started with exec).
    return int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())


try:
    # Baseline: straight from Python to the same receiver.
    direct = []
    for n in range(count):
        marker = f"direct-{n}"
        sent = time.time()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/hook", data=json.dumps({"marker": marker, "sent": sent}).encode(),
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).read()
        with lock:
            direct.append((arrivals[marker][0] - sent) * 1000)
    print(f"warroom delivery benchmark: {count} updates each, receiver on 127.0.0.1:{port}")
    base = report("direct POST from Python (baseline)", direct)

    store = os.path.join(folder, "relay.db")
    cli(store, "declare", "Delivery benchmark")
    relay = subprocess.Popen([binary, "relay", "--store", store, "--config", config], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    report("update → receiver, warroom relay", latencies(store, "relay"), base)
    relay.terminate()
    relay.wait(timeout=30)

    store = os.path.join(folder, "dashboard.db")
    cli(store, "declare", "Delivery benchmark")
    tmux("new-session", "-d", "-s", "lead", "-x", "120", "-y", "40",
         f"exec {binary} --store {store} --config {config}")
    time.sleep(2)
    report("update → receiver, dashboard", latencies(store, "dashboard"), base)

    tmux("new-session", "-d", "-s", "plain", "-x", "120", "-y", "40",
         f"exec {binary} --store {store} --no-deliver")
    time.sleep(3)
    lead, plain = pane_pid("lead"), pane_pid("plain")
    before = (cpu_seconds(lead), cpu_seconds(plain))
    time.sleep(30)
    after = (cpu_seconds(lead), cpu_seconds(plain))
    holding = (after[0] - before[0]) / 30 * 100
    idle = (after[1] - before[1]) / 30 * 100
    print(f"idle CPU over 30 s, dashboard holding the lease: {holding:.2f}% of a core "
          f"(no deliverer: {idle:.2f}%, ratio {holding / idle if idle else float('nan'):.1f}×)")
finally:
    tmux("kill-server")
    server.shutdown()
