#!/usr/bin/env python3
"""Times the command line as scripts and people call it: whole processes, start to exit.
Prints figures; asserts nothing.

  python3 bench/cli_bench.py [path/to/warroom] [--baseline path/to/older/warroom]
                             [--runs N]

Figures (median of N runs, peak RSS of the median run's process):
  - process start: `warroom --version` against a bare Swift program that imports
    Foundation, linked statically (built here with swiftc)
  - `warroom status` and `warroom log` on an incident of 10 events and of 100k events,
    and the ratio between them
  - with WARROOM_BENCH_POSTGRES (a postgres:// address; a schema of its own is made):
    `status` on the 100k-event incident there, with the user's snapshot cache and without

The stores are written by `warroom-bench --populate`, built beside the binary. With
--baseline, every figure is measured for both binaries in the same run, interleaved.
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

args = sys.argv[1:]


def option(name, default=None):
    if name in args:
        index = args.index(name)
        value = args[index + 1]
        del args[index:index + 2]
        return value
    return default


baseline = option("--baseline")
runs = int(option("--runs", "15"))
binary = os.path.abspath(args[0] if args else ".build/release/warroom")
bench_tool = os.path.join(os.path.dirname(binary), "warroom-bench")
folder = tempfile.mkdtemp(prefix="warroom-cli-bench-")
cache = os.path.join(folder, "cache")
env = dict(os.environ, WARROOM_USER="bench", WARROOM_CACHE_DIR=cache, LANG="C.UTF-8")
env.pop("WARROOM_STORE", None)


def run_once(argv, environment):
    """Wall seconds and peak RSS (MiB) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"cli_bench: {' '.join(argv)} exited with {status}")
    return elapsed, usage.ru_maxrss / 1024


def measure(argv, environment=env):
    """Median wall time (ms) and that run's peak RSS, after one run to warm the caches."""
    run_once(argv, environment)
    samples = sorted(run_once(argv, environment) for _ in range(runs))
    seconds, rss = samples[len(samples) // 2]
    return seconds * 1000, rss


def binaries():
    return [("now", binary)] + ([("baseline", baseline)] if baseline else [])


def report(label, figures):
    text = "  ".join(f"{name} {ms:7.1f} ms {rss:5.1f} MiB" for name, (ms, rss) in figures)
    print(f"  {label:<34} {text}")


def populate(path, events):
    subprocess.run([bench_tool, "--populate", path, str(events)], check=True,
                   capture_output=True)


try:
    print(f"cli_bench: median of {runs} runs; {binary}" + (f" against {baseline}" if baseline else ""))

    # Process start, against a bare static program.
    bare_source = os.path.join(folder, "bare.swift")
    with open(bare_source, "w") as f:
        f.write("import Foundation\nprint(ProcessInfo.processInfo.arguments.count)\n")
    bare = os.path.join(folder, "bare")
    subprocess.run(["swiftc", "-O", "-static-stdlib", bare_source, "-o", bare], check=True,
                   capture_output=True)
    bare_ms, bare_rss = measure([bare])
    print(f"  {'bare static Swift + Foundation':<34} now {bare_ms:7.1f} ms {bare_rss:5.1f} MiB")
    starts = [(name, measure([path, "--version"])) for name, path in binaries()]
    report("warroom --version", starts)
    for name, (ms, _) in starts:
        print(f"    {name}: {ms / bare_ms:.2f}x the bare program (target <= 3)")

    # status and log, 10 against 100k events.
    stores = {}
    for events in (10, 100_000):
        stores[events] = os.path.join(folder, f"s{events}.db")
        populate(stores[events], events)
    results = {}
    for command in (["status"], ["log", "still digging"]):
        for events, store in stores.items():
            figures = [(name, measure([path] + command + ["--store", store]))
                       for name, path in binaries()]
            results[(command[0], events)] = figures
            report(f"{command[0]}, {events} events", figures)
        for index, (name, _) in enumerate(binaries()):
            small = results[(command[0], 10)][index][1][0]
            large = results[(command[0], 100_000)][index][1][0]
            peak = results[(command[0], 100_000)][index][1][1]
            print(f"    {name}: 100k/10 = {large / small:.2f} (target <= 1.5), "
                  f"peak {peak:.1f} MiB at 100k (target <= 40)")

    # PostgreSQL: the user's snapshot cache against folding every event.
    url = os.environ.get("WARROOM_BENCH_POSTGRES")
    if url:
        schema = f"clibench{os.getpid()}"
        address = url + ("&" if "?" in url else "?") + "schema=" + schema
        subprocess.run([binary, "store", "copy", "--from", stores[100_000], "--to", address],
                       check=True, capture_output=True, env=env)
        without = dict(env, WARROOM_CACHE_DIR="")
        for name, path in binaries():
            report(f"PostgreSQL status, 100k ({name})",
                   [("cache", measure([path, "status", "--store", address])),
                    ("no cache", measure([path, "status", "--store", address], without))])
        print(f"    (schema {schema} is left for inspection: DROP SCHEMA {schema} CASCADE)")
finally:
    shutil.rmtree(folder, ignore_errors=True)
