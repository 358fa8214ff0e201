#!/usr/bin/env python3
"""Plays Slack, Teams, Statuspage, Jira, GitHub and a webhook receiver on 127.0.0.1, for
warroom's tests.

Usage: fake_peers.py LOG_FILE PLAN_FILE [--tls CERT KEY]
Prints the port it listens on, then serves until killed. Every request is appended to
LOG_FILE as one JSON line (method, path, headers, body) once it is answered, and noted on
arrival in LOG_FILE.arrived (so a test can act while an answer is delayed). PLAN_FILE (JSON, re-read on each
request) scripts answers: {"/path/prefix": [answer, ...]}, each answer consumed in turn,
the last one repeated; an answer is {"status": 500, "body": "...", "headers": {...},
"delay": seconds, "reset": true, "drip": seconds a byte}. Paths without a plan get the service's normal answer.
"""
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG, PLAN = sys.argv[1], sys.argv[2]
lock = threading.Lock()
consumed = {}
slack_ts = [1700000000]


def planned(path):
    try:
        with open(PLAN) as f:
            plan = json.load(f)
    except (OSError, ValueError):
        return None
    for prefix, answers in plan.items():
        if path.startswith(prefix) and answers:
            with lock:
                index = consumed.get(prefix, 0)
                consumed[prefix] = index + 1
            return answers[min(index, len(answers) - 1)]
    return None


issue_numbers = [41]


def normal(method, path, body=b""):
    if path.startswith("/slack/api/conversations.create"):
        try:
            name = json.loads(body or b"{}").get("name", "inc")
        except ValueError:
            name = "inc"
        return {"status": 200, "body": json.dumps({"ok": True, "channel": {"id": "C0INC%d" % len(name), "name": name}})}
    if path.startswith("/slack/api/conversations.") or path.startswith("/slack/api/auth.test"):
        return {"status": 200, "body": json.dumps({"ok": True})}
    if path.startswith("/jira/rest/api/3/issue") and path.endswith("/comment"):
        return {"status": 201, "body": json.dumps({"id": "10001", "self": "http://jira/comment/10001"})}
    if path.startswith("/jira/rest/api/3/issue") and path.endswith("/transitions"):
        return {"status": 204, "body": ""}
    if path.startswith("/jira/rest/api/3/issue"):
        with lock:
            issue_numbers[0] += 1
            number = issue_numbers[0]
        return {"status": 201, "body": json.dumps({"id": "100%d" % number, "key": "OPS-%d" % number, "self": "http://jira/issue"})}
    if path.startswith("/github/repos/") and path.endswith("/comments"):
        return {"status": 201, "body": json.dumps({"id": 1, "html_url": "https://github.com/c"})}
    if path.startswith("/github/repos/"):
        with lock:
            issue_numbers[0] += 1
            number = issue_numbers[0]
        return {"status": 201, "body": json.dumps({"number": number, "html_url": "https://github.com/i/%d" % number})}
    if path.startswith("/slack/api/chat.postMessage"):
        with lock:
            slack_ts[0] += 1
            ts = "%d.000100" % slack_ts[0]
        return {"status": 200, "body": json.dumps({"ok": True, "ts": ts, "channel": "C123"})}
    if path.startswith("/slack/api/chat.update"):
        return {"status": 200, "body": json.dumps({"ok": True})}
    if path.startswith("/statuspage/") and method == "POST":
        return {"status": 201, "body": json.dumps({"id": "sp-incident-1", "status": "investigating"})}
    if path.startswith("/statuspage/"):
        return {"status": 200, "body": json.dumps({"id": "sp-incident-1"})}
    if path.startswith("/teams"):
        return {"status": 202, "body": ""}
    if path.startswith("/html"):
        return {"status": 200, "body": "<html>not json</html>", "headers": {"Content-Type": "text/html"}}
    return {"status": 200, "body": "ok"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        record = {
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "t": time.time(),
        }
        with lock, open(LOG + ".arrived", "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "t": record["t"]}) + "\n")
        answer = planned(self.path) or normal(self.command, self.path, body)
        if answer.get("delay"):
            time.sleep(answer["delay"])
        if answer.get("reset"):
            with lock, open(LOG, "a") as f:
                f.write(json.dumps(dict(record, answered="reset")) + "\n")
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if answer.get("drip"):
            # Headers at once, then a chunked body one byte every `drip` seconds, for at
            # most a minute: a receiver (or a probed service) that never finishes answering.
            with lock, open(LOG, "a") as f:
                f.write(json.dumps(dict(record, answered="drip")) + "\n")
            self.send_response(answer.get("status", 200))
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                deadline = time.time() + 60
                while time.time() < deadline:
                    self.wfile.write(b"1\r\nx\r\n")
                    self.wfile.flush()
                    time.sleep(answer["drip"])
            except OSError:
                pass
            self.close_connection = True
            return
        with lock, open(LOG, "a") as f:
            f.write(json.dumps(dict(record, answered=answer.get("status", 200))) + "\n")
        data = answer.get("body", "").encode()
        self.send_response(answer.get("status", 200))
        for name, value in answer.get("headers", {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) > 4 and sys.argv[3] == "--tls":
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[4], sys.argv[5])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
