#!/usr/bin/env python3
"""A scripted war room: three real dashboards in tmux (lead, recorder, communicator) on
one store, typed into as tired people type: sentences that start with q or ?, a
sentence typed while a pane has focus, pasted blocks of several lines, pasted escape
sequences, Esc in the middle of a line. First it sweeps every focus of every view with
every letter key, each followed by letters and Enter twice (what a person who thinks
they are typing does); then it pastes a 30-line stack trace with tabs and types a `:`
command that does not parse. Prints what was typed, what was stored, what changed the
incident or queued a message without the word that confirms it, and whether every
dashboard is still running. Asserts nothing.

  python3 bench/war_room_drill.py [path/to/warroom] [rounds]   (default .build/release/warroom, 10)
"""
import json, os, subprocess, sys, tempfile, time

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/warroom")
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
folder = tempfile.mkdtemp(prefix="warroom-drill-")
store = os.path.join(folder, "drill.db")
socket = f"warroom-drill-{os.getpid()}"
env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm-256color")


def tmux(*args):
    return subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], env=env,
                          capture_output=True, text=True, timeout=10).stdout


def cli(*args, user="drill"):
    return subprocess.run([binary, *args, "--store", store], env=dict(env, WARROOM_USER=user),
                          capture_output=True, text=True, timeout=30)


def type_text(session, text):
    tmux("send-keys", "-t", session, "-l", text)


def press(session, *keys):
    tmux("send-keys", "-t", session, *keys)


def paste(session, text):
    tmux("set-buffer", "-b", "drill", text)
    tmux("paste-buffer", "-p", "-b", "drill", "-t", session)


def settle():
    time.sleep(0.25)


def running(session):
    return tmux("display-message", "-p", "-t", session, "#{pane_dead}").strip() == "0"


cli("declare", "Drill: payments are slow")
cli("mitigate")  # yellow: a stray `o` would reopen it, a stray `g` would try green
for name, view in [("lead", "lead"), ("recorder", "recorder"), ("comms", "communicator")]:
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40",
         f"env LANG=C.UTF-8 LC_ALL=C.UTF-8 WARROOM_USER={name} {binary} --store {store} --view {view}")
    tmux("set-option", "-t", name, "remain-on-exit", "on")
time.sleep(1.0)

# Events that change where the incident stands or reach people: none may come from the
# sweep, which never types the word.
CONSEQUENTIAL = {"mitigated", "resolved", "reopened", "step-completed", "step-undone",
                 "role-assigned", "role-released", "stakeholder-updated", "announced",
                 "undone", "customer-verified", "delivery-resend", "declared"}


def consequential_events():
    events = json.loads(cli("export", "--format", "json").stdout or "{}").get("events", [])
    return [e for e in events if e["type"] in CONSEQUENTIAL]


before_sweep = len(consequential_events())
sweeps = 0
panes = {"lead": 5, "recorder": 4, "comms": 3}
for name, count in panes.items():
    for focus in range(count + 1):
        for letter in "abcdefghijklmnopqrstuvwxyz ":
            press(name, "Escape", "Escape", "C-u")
            for _ in range(focus):
                press(name, "Tab")
            press(name, letter if letter != " " else "Space")
            type_text(name, "ok")
            press(name, "Enter", "Enter")
            sweeps += 1
        time.sleep(0.1)
    press(name, "Escape", "Escape", "C-u")
time.sleep(1.0)
swept = consequential_events()[before_sweep:]

# A 30-line stack trace with tabs, pasted into the recorder: one entry, every character.
trace = ["Traceback (most recent call last):"] + [
    f"\tat com.shop.checkout.Pool.acquire(Pool.java:{100 + i})\t# frame {i}" for i in range(28)
] + ["java.util.concurrent.TimeoutException: pool exhausted after 30000 ms"]
paste("recorder", "\n".join(trace))
time.sleep(0.5)
press("recorder", "Enter")
time.sleep(0.5)
# A `:` command with a typo: it stays in the input line, with the error shown.
type_text("recorder", ":role asign communicator carl")
press("recorder", "Enter")
time.sleep(0.5)
kept_colon = ":role asign communicator carl" in tmux("capture-pane", "-p", "-t", "recorder")
press("recorder", "C-u")

before_rounds = json.loads(cli("export", "--format", "json").stdout or "{}")
stored_before = len(before_rounds.get("log", [])) + len(before_rounds.get("updates", []))
typed_log, typed_updates = [], []
for n in range(rounds):
    # The recorder: sentences starting with letters that used to be keys.
    for text in [f"queue depth on payments-worker is {9000 + n}", f"?? is the CDN also affected ({n})"]:
        type_text("recorder", text)
        press("recorder", "Enter")
        typed_log.append(text)
        settle()
    # Half a line, Esc (to look at the log), then the rest.
    type_text("recorder", f"pool at {40 + n}%")
    press("recorder", "Escape")
    settle()
    type_text("recorder", " and climbing")
    press("recorder", "Enter")
    typed_log.append(f"pool at {40 + n}% and climbing")
    settle()
    # The lead: Tab to the checklist, then types a sentence into it.
    press("lead", "Tab")
    type_text("lead", f"ok thanks {n}")
    press("lead", "Enter")
    typed_log.append(f"ok thanks {n}")
    settle()
    press("lead", "Escape")
    # A pasted block of three lines, the second starting with q: one entry, sent whole.
    block = [f"grep shows timeouts {n}", f"quota on the db proxy {n}", f"restarting nothing yet {n}"]
    paste("recorder", "\n".join(block) + "\n")
    settle()
    press("recorder", "Enter")
    typed_log.append("\n".join(block))
    settle()
    # A pasted line with escape sequences in it.
    paste("recorder", f"curl -s \x1b[2Jhttp://checkout/health \x1b]0;x\x07 {n}")
    press("recorder", "Enter")
    typed_log.append(None)  # stored inert: counted, not compared by text
    settle()
    # The communicator posts an update from its view.
    text = f"still investigating, next update in 20 minutes ({n})"
    type_text("comms", text)
    press("comms", "Enter")  # an update reaches people: it is confirmed on purpose
    settle()
    type_text("comms", "yes")
    press("comms", "Enter")
    typed_updates.append(text)
    settle()

time.sleep(1.0)
alive = {name: running(name) for name in ["lead", "recorder", "comms"]}
export = json.loads(cli("export", "--format", "json").stdout or "{}")
events = export.get("events", [])
stored_log = [row["text"] for row in export.get("log", [])]
stored_updates = [row["text"] for row in export.get("updates", [])]
expected_types = {"declared", "mitigated", "logged", "stakeholder-updated", "experiment-proposed",
                  "followup-added", "why-added"}
accidental = [e for e in events if e["type"] not in expected_types]
expanded = "\n".join(line.expandtabs(8) for line in trace)
trace_stored = [t for t in stored_log if t.startswith("Traceback")]
trace_lost = (len(expanded) if not trace_stored else
              sum(1 for a, b in zip(expanded, trace_stored[0]) if a != b)
              + abs(len(expanded) - len(trace_stored[0])))
missing = [t for t in typed_log if t is not None and t not in stored_log]
missing += [t for t in typed_updates if t not in stored_updates]
tmux("kill-server")

print(f"war room drill: {binary}")
print(f"  pane keys swept       : {sweeps} (every focus of 3 views, a-z and Space, then ok Enter Enter)")
print(f"  changes from the sweep: {len(swept)}" + (f"  ({', '.join(sorted({e['type'] for e in swept}))})" if swept else ""))
print(f"  30-line trace pasted  : {len(trace_stored)} entr{'y' if len(trace_stored) == 1 else 'ies'}, {trace_lost} characters lost")
print(f"  failed : command kept : {'yes' if kept_colon else 'NO'}")
print(f"  rounds                : {rounds}")
print(f"  entries typed         : {len(typed_log) + len(typed_updates)}")
print(f"  entries stored        : {len(stored_log) + len(stored_updates) - stored_before}"
      f" (and {stored_before} from the sweep's typing and the trace)")
print(f"  typed but not stored  : {len(missing)}" + (f"  e.g. {missing[:2]}" if missing else ""))
print(f"  accidental actions    : {len(accidental)}" +
      (f"  ({', '.join(sorted({e['type'] for e in accidental}))})" if accidental else ""))
print(f"  status at the end     : {export.get('status', {}).get('status', '?')} (was mitigated)")
print(f"  dashboards running    : {sum(alive.values())}/3 {alive}")
