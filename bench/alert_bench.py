#!/usr/bin/env python3
"""Alerts in: latency and idle cost. Prints figures, asserts nothing.

For N alerts (each a new group, a warning, so it joins the open incident as a finding):
the time from posting it to `warroom relay --listen` until its finding is on a dashboard
(tmux, polled with capture-pane), and until the relay answered (stored). Baseline in the
same run: `warroom log` of the same text until it is on the same dashboard. Then the CPU
of two idle relays over 30 s, side by side: one listening for alerts, one not.

  python3 bench/alert_bench.py [path/to/warroom] [alerts]   (default .build/release/warroom, 50)
"""
import json, os, re, statistics, subprocess, sys, tempfile, time, urllib.request

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/warroom")
count = int(sys.argv[2]) if len(sys.argv) > 2 else 50
folder = tempfile.mkdtemp(prefix="warroom-alert-bench-")
socket = f"warroom-alert-bench-{os.getpid()}"
token = "bench-token"
env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm-256color",
           WARROOM_USER="bench", BENCH_TOKEN=token)
config = os.path.join(folder, "config.toml")
with open(config, "w") as f:
    f.write('[intake]\ntoken_env = "BENCH_TOKEN"\n')


def cli(store, *args):
    return subprocess.run([binary, *args, "--store", store], env=env, capture_output=True, text=True, timeout=30)


def tmux(*args):
    return subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], env=env,
                          capture_output=True, text=True, timeout=10).stdout


def on_screen(text, deadline):
    while time.time() < deadline:
        if text in tmux("capture-pane", "-p", "-t", "lead"):
            return time.time()
        time.sleep(0.001)
    return None


def alert_body(name):
    return json.dumps({
        "version": "4", "groupKey": "{}:{alertname=\"%s\"}" % name, "status": "firing",
        "receiver": "warroom", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://am", "truncatedAlerts": 0,
        "alerts": [{"status": "firing", "labels": {"alertname": name, "severity": "warning"},
                    "annotations": {}, "startsAt": "2026-12-02T10:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": name}],
    }).encode()


def report(label, values, baseline=None):
    values = sorted(values)
    median = statistics.median(values)
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    ratio = f"  ({median / baseline:.2f}× the baseline)" if baseline else ""
    print(f"{label:<44} n={len(values):<4} median {median:7.2f} ms   p95 {p95:7.2f} ms{ratio}")
    return median


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


processes = []
try:
    store = os.path.join(folder, "alerts.db")
    cli(store, "declare", "Alert benchmark")
    relay = subprocess.Popen([binary, "relay", "--store", store, "--config", config, "--listen", "127.0.0.1:0"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    processes.append(relay)
    port = None
    deadline = time.time() + 30
    while port is None and time.time() < deadline:
        line = relay.stderr.readline()
        match = re.search(r"listening for alerts on http://127\.0\.0\.1:(\d+)", line)
        if match:
            port = int(match.group(1))
    tmux("new-session", "-d", "-s", "lead", "-x", "200", "-y", "50", f"exec {binary} --store {store} --no-deliver")
    time.sleep(2)
    print(f"warroom alert benchmark: {count} alerts, relay on 127.0.0.1:{port}")

    baseline = []
    for n in range(count):
        text = f"cli-note-{n}"
        start = time.time()
        cli(store, "log", text)
        seen = on_screen(text, start + 10)
        if seen:
            baseline.append((seen - start) * 1000)
    base = report("warroom log → on the dashboard (baseline)", baseline)

    stored, visible = [], []
    for n in range(count):
        name = f"BenchAlert{n}"
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/alerts/alertmanager", data=alert_body(name),
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        start = time.time()
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()
        stored.append((time.time() - start) * 1000)
        seen = on_screen(f"alert {name} firing", start + 10)
        if seen:
            visible.append((seen - start) * 1000)
    report("alert posted → relay answered (stored)", stored, base)
    report("alert posted → finding on the dashboard", visible, base)

    # Idle: two relays side by side, on stores of their own, one listening.
    quiet = os.path.join(folder, "quiet.db")
    listening = os.path.join(folder, "listening.db")
    cli(quiet, "declare", "Idle")
    cli(listening, "declare", "Idle")
    plain = subprocess.Popen([binary, "relay", "--store", quiet], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    listener = subprocess.Popen([binary, "relay", "--store", listening, "--config", config, "--listen", "127.0.0.1:0"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes += [plain, listener]
    time.sleep(3)
    before = (cpu_seconds(plain.pid), cpu_seconds(listener.pid))
    time.sleep(30)
    after = (cpu_seconds(plain.pid), cpu_seconds(listener.pid))
    without = (after[0] - before[0]) / 30 * 100
    with_listener = (after[1] - before[1]) / 30 * 100
    ratio = with_listener / without if without else float("nan")
    print(f"idle relay over 30 s: {with_listener:.2f}% of a core listening for alerts, "
          f"{without:.2f}% without (ratio {ratio:.2f}×)")
finally:
    tmux("kill-server")
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
