#!/usr/bin/env python3
"""Self-test of tests/sentry/server.py (stdlib only, loopback only).

    python3 tests/sentry/selftest.py [--python VENV_PYTHON]

Starts the server with the given interpreter (one that has sentry_relay,
default: the one running this script), drives it over HTTP and prints one
line per check and a closing `N passed, M failed`.  Exit status 0 only when
nothing failed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = "0123456789abcdef0123456789abcdef"
EVENT_ID = "9ec79c33ec9942ab8353589fcb2e04dc"

RESULTS = {"passed": 0, "failed": 0}


def check(name: str, cond: bool, detail: object = "") -> None:
    if cond:
        RESULTS["passed"] += 1
        print("ok   %s" % name)
    else:
        RESULTS["failed"] += 1
        print("FAIL %s %s" % (name, detail))


class Client:
    def __init__(self, port: int):
        self.port = port

    def request(self, method, path, body=b"", headers=None, timeout=10):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            try:
                parsed = json.loads(data) if data else None
            except ValueError:
                parsed = data
            return r.status, dict(r.getheaders()), parsed
        finally:
            c.close()

    def post_envelope(self, body: bytes, project="42", auth=None, headers=None, path=None):
        h = {"Content-Type": "application/x-sentry-envelope"}
        if auth is not False:
            h["X-Sentry-Auth"] = auth or (
                "Sentry sentry_version=7, sentry_key=%s, sentry_client=selftest/1" % KEY)
        h.update(headers or {})
        return self.request("POST", path or "/api/%s/envelope/" % project, body, h)

    def control(self, what, body=None):
        if body is None:
            return self.request("GET", "/control/" + what)[2]
        return self.request("POST", "/control/" + what, json.dumps(body).encode())[2]


def envelope(header: dict | bytes, items: list[tuple[dict, bytes, bool]], trailing=b"\n") -> bytes:
    """items: (item header without length, payload, with_length)."""
    out = header if isinstance(header, bytes) else json.dumps(header).encode()
    for h, payload, with_length in items:
        h = dict(h)
        if with_length:
            h["length"] = len(payload)
        out += b"\n" + json.dumps(h).encode() + b"\n" + payload
    return out + trailing


def crash_event(event_id=EVENT_ID, **extra) -> dict:
    ev = {
        "event_id": event_id,
        "timestamp": time.time() - 60,
        "platform": "cocoa",
        "level": "fatal",
        "exception": {"values": [{"type": "EXC_BAD_ACCESS", "value": "KERN_INVALID_ADDRESS at 0x0",
                                  "mechanism": {"type": "mach", "handled": False}}]},
    }
    ev.update(extra)
    return ev


def good_envelope(event_id=EVENT_ID, event=None) -> bytes:
    ev = json.dumps(event or crash_event(event_id)).encode()
    return envelope(
        {"event_id": event_id, "sent_at": "2026-01-01T00:00:00.123456Z"},
        [({"type": "event"}, ev, True),
         ({"type": "attachment", "filename": "report.crash", "content_type": "text/plain",
           "attachment_type": "event.attachment"}, b"line1\nline2\r\n\n", True),
         ({"type": "attachment", "filename": "nolen.txt"}, b"helloworld", False)])


def start_server(python: str, tmp: str, *extra: str):
    port_file = os.path.join(tmp, "port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    err = open(os.path.join(tmp, "server.err"), "ab")
    proc = subprocess.Popen([python, os.path.join(HERE, "server.py"), "--port-file", port_file,
                             "--public-key", KEY, "--project", "42", *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 20
    while time.time() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                text = f.read()
            if text.endswith("\n"):
                return proc, int(text), port_file
        if proc.poll() is not None:
            raise SystemExit("server exited early with %s; see %s/server.err" % (proc.returncode, tmp))
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("server did not write its port file")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="sentry-selftest-")
    proc, port, port_file = start_server(args.python, tmp)
    c = Client(port)
    try:
        run_checks(c, port, proc, port_file)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    # a second server: --unknown-key-status 403, --exit-on-stdin-eof
    proc2, port2, port_file2 = start_server(args.python, tmp, "--unknown-key-status", "403",
                                            "--exit-on-stdin-eof")
    try:
        c2 = Client(port2)
        s, _, b = c2.post_envelope(good_envelope(),
                                   auth="Sentry sentry_version=7, sentry_key=%s" % ("f" * 32))
        check("wrong key with --unknown-key-status 403 -> 403 ProjectId",
              s == 403 and "ProjectId" in b["detail"], (s, b))
        proc2.stdin.close()
        try:
            proc2.wait(5)
            check("--exit-on-stdin-eof: exits when stdin closes", proc2.returncode == 0,
                  proc2.returncode)
        except subprocess.TimeoutExpired:
            check("--exit-on-stdin-eof: exits when stdin closes", False, "still running")
    finally:
        if proc2.poll() is None:
            proc2.kill()
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] else 0


def run_checks(c: Client, port: int, proc, port_file: str) -> None:
    # ---- startup ---------------------------------------------------------
    h = c.control("health")
    check("health answers", h.get("ok") is True and h.get("port") == port, h)
    out = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout \
        if os.path.exists("/usr/bin/ss") or os.path.exists("/bin/ss") else ""
    if out:
        lines = [l for l in out.splitlines() if ":%d " % port in l]
        check("listens on 127.0.0.1 only", lines and all("127.0.0.1:%d" % port in l for l in lines),
              lines)

    # ---- a good envelope -------------------------------------------------
    body = good_envelope()
    s, hdrs, b = c.post_envelope(body)
    check("good envelope -> 200 {id}", s == 200 and b == {"id": EVENT_ID}, (s, b))
    rec = c.control("received")["envelopes"]
    check("recorded once", len(rec) == 1, len(rec))
    e = rec[-1]
    check("envelope header recorded", e["envelope_header"]["event_id"] == EVENT_ID, e["envelope_header"])
    ev = e["events"][0]
    check("event normalised, no errors", ev["errors"] == [] and ev["normalized"]["platform"] == "cocoa",
          ev["errors"])
    att = e["attachments"]
    check("attachment with length recorded", att[0]["filename"] == "report.crash"
          and att[0]["length"] == 14 and att[0]["declared_length"] == 14
          and att[0]["attachment_type"] == "event.attachment"
          and att[0]["sha256"] == hashlib.sha256(b"line1\nline2\r\n\n").hexdigest(), att[0])
    check("attachment without length runs to next newline", att[1]["length"] == 10
          and att[1]["declared_length"] is None
          and att[1]["sha256"] == hashlib.sha256(b"helloworld").hexdigest(), att[1])
    auth_hdrs = [v for k, v in e["headers"] if k.lower() == "x-sentry-auth"]
    check("raw request headers recorded (with the key)", auth_hdrs and KEY in auth_hdrs[0], e["headers"])

    # ---- encodings -------------------------------------------------------
    s, _, b = c.post_envelope(gzip.compress(body), headers={"Content-Encoding": "gzip"})
    check("gzip body accepted", s == 200 and b == {"id": EVENT_ID}, (s, b))
    s, _, b = c.post_envelope(zlib.compress(body), headers={"Content-Encoding": "deflate"})
    check("deflate (zlib) body accepted", s == 200, (s, b))
    s, _, b = c.post_envelope(body, headers={"Content-Encoding": "gzip"})
    check("corrupt gzip -> 400", s == 400 and b["detail"] == "invalid request body", (s, b))
    s, _, b = c.post_envelope(body, headers={"Content-Encoding": "br"})
    check("unsupported encoding -> 400", s == 400, (s, b))
    last = c.control("received")["envelopes"][-1]
    check("duplicate event_id flagged (still 200, as Sentry)", last["duplicate"] is True, last["duplicate"])

    # chunked transfer encoding over a raw socket
    raw = chunked_post(port, body)
    check("chunked request body accepted", raw.startswith(b"HTTP/1.1 200"), raw[:80])
    # Expect: 100-continue
    raw = expect_continue_post(port, body)
    check("Expect: 100-continue handled", b"100 Continue" in raw and b"HTTP/1.1 200" in raw, raw[:120])
    # keep-alive: two requests on one connection
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    ok = True
    for _ in range(2):
        conn.request("POST", "/api/42/envelope/", body,
                     {"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=%s" % KEY})
        r = conn.getresponse()
        r.read()
        ok = ok and r.status == 200
    conn.close()
    check("keep-alive: two envelopes on one connection", ok)

    # ---- auth --------------------------------------------------------------
    s, _, b = c.post_envelope(body, auth="Sentry sentry_version=7, sentry_key=%s" % ("f" * 32))
    check("wrong key -> 401 {detail}", s == 401 and "detail" in b, (s, b))
    s, _, b = c.post_envelope(body, auth=False)
    check("no auth -> 401 missing authorization information",
          s == 401 and b["detail"] == "missing authorization information", (s, b))
    s, _, b = c.post_envelope(body, auth="Sentry sentry_key=%s" % KEY)
    check("no sentry_version -> 401", s == 401, (s, b))
    s, _, b = c.post_envelope(body, auth="Sentry sentry_version=6, sentry_key=%s" % KEY)
    check("sentry_version=6 -> 401", s == 401, (s, b))
    s, _, b = c.post_envelope(body, auth="Sentry sentry_version=8, sentry_key=%s" % KEY)
    check("sentry_version=8 -> 400 unsupported protocol version", s == 400, (s, b))
    s, _, b = c.post_envelope(body, auth="Sentry sentry_version=7, sentry_key=nothex")
    check("malformed key -> 400 bad sentry DSN public key", s == 400, (s, b))
    s, _, b = c.post_envelope(body, auth="Bearer abc")
    check("non-Sentry Authorization-like header ignored -> 401", s == 401, (s, b))
    s, _, b = c.post_envelope(body, project="43")
    check("wrong project id -> 403 ProjectId", s == 403 and "ProjectId" in b["detail"], (s, b))
    s, _, b = c.post_envelope(body, project="abc")
    check("non-numeric project -> 400", s == 400, (s, b))
    s, _, b = c.post_envelope(body, auth=False,
                              path="/api/42/envelope/?sentry_version=7&sentry_key=%s" % KEY)
    check("query-string auth accepted (as Relay)", s == 200, (s, b))
    check("query auth recorded as such",
          c.control("received")["envelopes"][-1]["auth_source"] == "query")
    s, _, b = c.post_envelope(body, path="/api/42/envelope/?sentry_version=7&sentry_key=%s" % KEY)
    check("two auth payloads -> 401 multiple", s == 401 and "multiple" in b["detail"], (s, b))
    s, _, b = c.post_envelope(body, path="/api/42/envelope")
    check("path without trailing slash accepted", s == 200, (s, b))

    # ---- malformed envelopes ----------------------------------------------
    auth_ok_cases = [
        ("length beyond EOF", b'{}\n{"type":"attachment","length":50}\nshort\n'),
        ("no newline after length payload", b'{}\n{"type":"attachment","length":3}\nabcd\n'),
        ("envelope header not JSON", b'{"event_id":\n'),
        ("envelope header not an object", b'[1,2]\n'),
        ("trailing garbage after header", b'{} x\n'),
        ("CRLF after header", b'{}\r\n{"type":"attachment","length":1}\r\nx\n'),
        ("item header missing type", b'{}\n{"length":1}\nx\n'),
        ("item length negative", b'{}\n{"type":"attachment","length":-1}\nx\n'),
        ("item length as string", b'{}\n{"type":"attachment","length":"1"}\nx\n'),
        ("bad event_id in header", b'{"event_id":"nope"}\n{"type":"attachment","length":1}\nx\n'),
        ("bad sent_at", b'{"sent_at":"yesterday"}\n'),
        ("extra blank line at the end", b'{}\n{"type":"attachment","length":1}\nx\n\n'),
        ("item header then only whitespace", b'{}\n   \n'),
        ("event item not JSON", b'{"event_id":"%s"}\n{"type":"event","length":5}\n{nope\n' % EVENT_ID.encode()),
        ("event item not an object", b'{"event_id":"%s"}\n{"type":"event","length":2}\n[]\n' % EVENT_ID.encode()),
        ("dsn header for another project",
         b'{"dsn":"https://%s@o1.ingest.sentry.io/43"}\n' % KEY.encode()),
    ]
    for name, bad in auth_ok_cases:
        s, _, b = c.post_envelope(bad)
        check("malformed: %s -> 400 with detail" % name,
              s == 400 and isinstance(b, dict) and b.get("detail"), (s, b))
    s, _, b = c.post_envelope(b"")
    check("empty body -> 400 empty request body", s == 400 and b["detail"] == "empty request body", (s, b))

    # framing edge cases that are valid
    s, _, b = c.post_envelope(b'{}')
    check("header only, no newline -> 200 {}", s == 200 and b == {}, (s, b))
    s, _, b = c.post_envelope(b'{"event_id":"%s"}\n{"type":"attachment","filename":"a"}\nhelloworld'
                              % EVENT_ID.encode())
    check("implicit length ending at EOF", s == 200 and
          c.control("received")["envelopes"][-1]["attachments"][0]["length"] == 10, (s, b))
    s, _, b = c.post_envelope(b'{"event_id":"%s"}\n{"type":"attachment","length":0}\n\n'
                              b'{"type":"attachment","length":0}\n' % EVENT_ID.encode())
    check("two empty attachments", s == 200 and
          len(c.control("received")["envelopes"][-1]["attachments"]) == 2, (s, b))
    s, _, b = c.post_envelope(b'{"event_id":"%s"}\n{"type":"session"}\n{"started":"2020-02-07T14:16:00Z"}\n'
                              % EVENT_ID.encode())
    check("unknown/other item types kept", s == 200 and
          c.control("received")["envelopes"][-1]["other_items"][0]["type"] == "session", (s, b))
    s, _, b = c.post_envelope(b'{"dsn":"https://%s@o1.ingest.sentry.io/42"}\n' % KEY.encode())
    check("matching dsn header accepted", s == 200, (s, b))

    # ---- event ids -----------------------------------------------------------
    other = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
    ev = json.dumps(crash_event(other)).encode()
    s, _, b = c.post_envelope(envelope({}, [({"type": "event"}, ev, True)]))
    check("event_id taken from payload when header lacks it", s == 200 and b == {"id": other}, (s, b))
    ev = json.dumps({k: v for k, v in crash_event().items() if k != "event_id"}).encode()
    s, _, b = c.post_envelope(envelope({}, [({"type": "event"}, ev, True)]))
    check("event_id generated when missing everywhere", s == 200 and len(b["id"]) == 32, (s, b))
    s, _, b = c.post_envelope(envelope({"event_id": EVENT_ID},
                                       [({"type": "event"}, json.dumps(crash_event(other)).encode(), True)]))
    last = c.control("received")["envelopes"][-1]["events"][0]
    check("header event_id wins, mismatch flagged", b == {"id": EVENT_ID} and last["event_id_mismatch"],
          (b, last.get("event_id_mismatch")))

    # ---- normaliser errors are recorded ---------------------------------------
    bad_ev = crash_event(level="bogus", timestamp=1500000000)
    s, _, b = c.post_envelope(good_envelope(event=bad_ev))
    errs = c.control("received")["envelopes"][-1]["events"][0]["errors"]
    kinds = sorted(x["type"] for x in errs)
    check("normaliser errors recorded (invalid_data, past_timestamp)",
          s == 200 and kinds == ["invalid_data", "past_timestamp"], (s, errs))

    # ---- size limits ------------------------------------------------------
    big = crash_event(extra={"pad": "x" * (1024 * 1024)})
    s, _, b = c.post_envelope(good_envelope(event=big))
    check("event > 1 MiB -> 413", s == 413, (s, b))
    two = envelope({"event_id": EVENT_ID}, [({"type": "event"}, json.dumps(crash_event()).encode(), True)] * 2)
    s, _, b = c.post_envelope(two)
    check("two event items -> 413 (Relay: at most one)", s == 413, (s, b))

    # ---- faults -----------------------------------------------------------
    before = c.control("stats")
    n_before = len(c.control("received")["envelopes"])
    r = c.control("faults", [
        {"status": 503},
        {"status": 429, "headers": {"Retry-After": "1", "X-Sentry-Rate-Limits": "1:error:organization"}},
        {"reset": True},
        {"status": 413},
        {"delay": 1.5},
        {"headers": {"X-Sentry-Rate-Limits": "60:attachment:key"}},
        {"delay": 0.5, "status": 500, "body": "plain text"},
    ])
    check("faults queued", r == {"pending": 7}, r)
    s, _, b = c.post_envelope(body)
    check("fault 503", s == 503 and "detail" in b, (s, b))
    s, hd, b = c.post_envelope(body)
    check("fault 429 with Retry-After and X-Sentry-Rate-Limits",
          s == 429 and hd.get("Retry-After") == "1"
          and hd.get("X-Sentry-Rate-Limits") == "1:error:organization", (s, hd))
    try:
        s, _, b = c.post_envelope(body)
        check("fault reset: connection reset without an answer", False, (s, b))
    except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError) as exc:
        check("fault reset: connection reset without an answer (%s)" % type(exc).__name__, True)
    s, _, b = c.post_envelope(body)
    check("fault 413", s == 413, (s, b))
    t0 = time.time()
    s, _, b = c.post_envelope(body)
    dt = time.time() - t0
    check("fault delay 1.5s then normal answer", s == 200 and 1.4 <= dt < 5, (s, dt))
    s, hd, b = c.post_envelope(body)
    check("fault headers-only: 200 plus X-Sentry-Rate-Limits", s == 200
          and hd.get("X-Sentry-Rate-Limits") == "60:attachment:key", (s, hd))
    t0 = time.time()
    s, _, b = c.post_envelope(body)
    check("fault delay+status with plain body", s == 500 and b == b"plain text"
          and time.time() - t0 >= 0.45, (s, b))
    s, _, b = c.post_envelope(body)
    check("after the queue: normal again", s == 200, (s, b))
    after = c.control("stats")
    n_after = len(c.control("received")["envelopes"])
    check("faulted requests not recorded (3 recorded of 8)", n_after - n_before == 3, n_after - n_before)
    check("stats: faulted +5, accepted +3, delayed +2",
          after["faulted"] - before["faulted"] == 5 and after["accepted"] - before["accepted"] == 3
          and after["delayed"] - before["delayed"] == 2, (before, after))
    check("stats keys", all(k in after for k in ("requests", "accepted", "faulted", "rejected")), after)
    s, _, b = c.request("POST", "/control/faults", b'{"status": 500}')
    check("bad faults body -> 400", s == 400, (s, b))
    s, _, b = c.request("POST", "/control/faults", b'[{"status": 500, "bogus": 1}]')
    check("fault with unknown key -> 400", s == 400, (s, b))
    check("control requests do not consume faults", c.control("faults", [{"status": 502}]) == {"pending": 1}
          and c.control("stats")["pending_faults"] == 1 and c.control("received") is not None
          and c.control("stats")["pending_faults"] == 1)
    c.control("faults", [])

    # ---- concurrency --------------------------------------------------------
    def one(i):
        eid = "%032x" % (0xabc000 + i)
        return c.post_envelope(good_envelope(eid))[0]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(24)))
    check("24 concurrent envelopes all 200", statuses == [200] * 24, statuses)

    # ---- rejected log, misc ---------------------------------------------------
    rej = c.control("rejected")["requests"]
    check("rejected requests listed with status", rej and all("status" in r for r in rej), len(rej))
    s, _, b = c.request("GET", "/api/42/envelope/")
    check("GET on envelope endpoint -> 405", s == 405, s)
    s, _, b = c.request("GET", "/nope")
    check("unknown path -> 404", s == 404, s)
    check("no internal errors so far", c.control("stats")["internal_errors"] == 0, c.control("stats"))
    c.control("clear", {})
    st = c.control("stats")
    check("clear resets stats and records", st["accepted"] == 0 and c.control("received")["envelopes"] == [],
          st)

    # ---- shutdown ---------------------------------------------------------
    r = c.control("shutdown", {})
    check("shutdown answers", r.get("shutting_down") is True, r)
    try:
        proc.wait(10)
        check("process exits after /control/shutdown", proc.returncode == 0, proc.returncode)
    except subprocess.TimeoutExpired:
        check("process exits after /control/shutdown", False, "still running")
    check("port file removed on clean exit", not os.path.exists(port_file))


def chunked_post(port: int, body: bytes) -> bytes:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        head = ("POST /api/42/envelope/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                "X-Sentry-Auth: Sentry sentry_version=7, sentry_key=%s\r\n"
                "Transfer-Encoding: chunked\r\n\r\n" % KEY).encode()
        parts = [body[i:i + 100] for i in range(0, len(body), 100)]
        data = head + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
        s.sendall(data)
        return recv_all(s)
    finally:
        s.close()


def expect_continue_post(port: int, body: bytes) -> bytes:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        head = ("POST /api/42/envelope/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                "X-Sentry-Auth: Sentry sentry_version=7, sentry_key=%s\r\n"
                "Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % (KEY, len(body))).encode()
        s.sendall(head)
        first = s.recv(4096)
        s.sendall(body)
        return first + recv_all(s)
    finally:
        s.close()


def recv_all(s: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        chunks.append(d)
    return b"".join(chunks)


if __name__ == "__main__":
    sys.exit(main())
