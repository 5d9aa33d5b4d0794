#!/usr/bin/env python3
"""Loopback stand-in for Sentry's envelope ingest endpoint, for crashport's tests.

It accepts `POST /api/<project>/envelope/` the way Relay (Sentry's ingest
service) does, runs every `event` item through Relay's own event normaliser
(`sentry_relay.processing.StoreNormalizer`, the PyPI package `sentry-relay`)
and records what it got, so that a Rust integration test can assert on the
exact envelope, the normalised event and the normaliser's `errors`.

Only the Python 3.11 standard library and `sentry_relay` are used.  The server
binds 127.0.0.1 on an ephemeral port and never any other address.  See
README.md beside this file for the command line, the control API and the
envelope rules implemented here (with references to Relay's source).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import collections
import datetime as _dt
import hashlib
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from sentry_relay.processing import StoreNormalizer
except Exception as _import_error:  # pragma: no cover - depends on the venv
    sys.stderr.write(
        "sentry-test-server: cannot import sentry_relay (%s).\n"
        "Run tests/sentry/setup.sh and start this script with the venv's python.\n"
        % (_import_error,)
    )
    sys.exit(3)

try:
    from importlib.metadata import version as _pkg_version

    RELAY_VERSION = _pkg_version("sentry-relay")
except Exception:  # pragma: no cover
    RELAY_VERSION = "unknown"

MIB = 1024 * 1024
PROTOCOL_VERSION = 7
JSON_WS = b" \t\r\n"
# Relay's `ProjectKey`: 32 hex characters, optionally followed by `.flag` parts.
PROJECT_KEY_RE = re.compile(r"^[0-9a-fA-F]{32}$")
RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
RATE_LIMITED_DETAIL = (
    "Sentry dropped data due to a quota or internal rate limit being reached. "
    "This will not affect your application. See "
    "https://docs.sentry.io/product/accounts/quotas/ for more information."
)
DEFAULT_FAULT_DETAIL = {
    400: "invalid event envelope",
    401: "missing authorization information",
    403: "event submission rejected with_reason: ProjectId",
    413: "envelope exceeded size limits for type 'event' "
    "(https://develop.sentry.dev/sdk/envelopes/#size-limits)",
    429: RATE_LIMITED_DETAIL,
    500: "internal server error",
    502: "bad gateway",
    503: "the service is overloaded",
    504: "gateway timeout",
}
FAULT_KEYS = {"status", "headers", "body", "reset", "delay"}
MAX_REJECTED_KEPT = 1000


def log(msg: str) -> None:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%H:%M:%S.%f")[:-3]
    try:
        sys.stderr.write("[sentry-test-server %s] %s\n" % (stamp, msg))
        sys.stderr.flush()
    except Exception:
        pass


def now_rfc3339() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat().replace("+00:00", "Z")


class HttpError(Exception):
    """A rejection answered with a Relay-style `{"detail", "causes"}` body."""

    def __init__(self, status: int, detail: str, causes: list[str] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.causes = causes or []
        self.headers = headers or {}

    def body(self) -> dict:
        out: dict = {"detail": self.detail}
        if self.causes:
            out["causes"] = self.causes
        return out


class EnvelopeError(Exception):
    """Mirrors relay-server `EnvelopeError`; answered as 400 "invalid event envelope"."""


# --------------------------------------------------------------------------
# Envelope parsing (relay-server/src/envelope/mod.rs + item.rs)
# --------------------------------------------------------------------------

def _skip_ws(buf: bytes, pos: int) -> int:
    n = len(buf)
    while pos < n and buf[pos] in JSON_WS:
        pos += 1
    return pos


def _read_json_header(buf: bytes, pos: int, what: str) -> tuple[object, int]:
    """Reads one JSON value starting at `pos` (leading JSON whitespace skipped,
    as serde_json's StreamDeserializer does).  Returns (value, end offset).

    Headers must sit on one line (develop docs "Headers"): the value is decoded
    from the bytes up to the next newline, so a header spread over several
    lines is rejected as invalid.
    """
    start = _skip_ws(buf, pos)
    if start >= len(buf):
        raise EnvelopeError("unexpected end of file" if what == "item" else "missing envelope header")
    nl = buf.find(b"\n", start)
    line_end = len(buf) if nl < 0 else nl
    raw = buf[start:line_end]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise EnvelopeError("invalid %s header" % what, ) from e
    try:
        value, consumed = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as e:
        raise EnvelopeError("invalid %s header" % what) from e
    end = start + len(text[:consumed].encode("utf-8"))
    # Each header is terminated by a UNIX newline (or EOF).
    if end < len(buf) and buf[end:end + 1] != b"\n":
        raise EnvelopeError("missing newline after header or payload")
    return value, end


def _check_uuid(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValueError("%s: expected a UUID string" % field)
    try:
        return uuid.UUID(value).hex
    except ValueError:
        raise ValueError("%s: invalid UUID %r" % (field, value))


def _check_rfc3339(value: object, field: str) -> None:
    if not isinstance(value, str):
        raise ValueError("%s: expected an RFC 3339 string" % field)
    m = RFC3339_RE.match(value)
    if not m:
        raise ValueError("%s: not an RFC 3339 timestamp: %r" % (field, value))
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    try:
        _dt.datetime(y, mo, d, h, mi, min(s, 59))
    except ValueError as e:
        raise ValueError("%s: %s" % (field, e))


def parse_dsn(dsn: str) -> dict:
    u = urllib.parse.urlsplit(dsn)
    if u.scheme not in ("http", "https") or not u.hostname or not u.username:
        raise ValueError("invalid DSN %r" % dsn)
    path = u.path.rstrip("/")
    project = path.rsplit("/", 1)[-1] if "/" in path else ""
    if not project.isdigit():
        raise ValueError("DSN has no numeric project id: %r" % dsn)
    return {"public_key": u.username, "project_id": int(project), "host": u.hostname,
            "port": u.port, "scheme": u.scheme}


def parse_envelope(buf: bytes) -> tuple[dict, str, list[dict]]:
    """Returns (envelope header, raw header line, items).

    Each item is {"headers": dict, "payload": bytes, "declared_length": int|None}.
    Follows relay-server Envelope::parse_bytes / Item::parse exactly where it
    matters for a client: `length` payloads must be followed by `\\n` or EOF,
    implicit-length payloads run to the next `\\n`, EOF ends the last item.
    """
    header, end = _read_json_header(buf, 0, "envelope")
    if not isinstance(header, dict):
        raise EnvelopeError("invalid envelope header")
    header_raw = buf[_skip_ws(buf, 0):end].decode("utf-8")
    try:
        if "event_id" in header and header["event_id"] is not None:
            _check_uuid(header["event_id"], "event_id")
        if "sent_at" in header and header["sent_at"] is not None:
            _check_rfc3339(header["sent_at"], "sent_at")
        if "dsn" in header and header["dsn"] is not None:
            if not isinstance(header["dsn"], str):
                raise ValueError("dsn: expected a string")
            parse_dsn(header["dsn"])
    except ValueError as e:
        raise EnvelopeError("invalid envelope header: %s" % e)

    items: list[dict] = []
    offset = end + 1
    n = len(buf)
    while offset < n:
        ih, hend = _read_json_header(buf, offset, "item")
        if not isinstance(ih, dict):
            raise EnvelopeError("invalid item header")
        ty = ih.get("type")
        if not isinstance(ty, str):
            raise EnvelopeError("invalid item header: missing field `type`")
        length = ih.get("length")
        if length is not None and (isinstance(length, bool) or not isinstance(length, int)
                                   or length < 0 or length > 0xFFFFFFFF):
            raise EnvelopeError("invalid item header: `length` must be a u32, got %r" % (length,))
        for key in ("filename", "content_type", "attachment_type"):
            if key in ih and ih[key] is not None and not isinstance(ih[key], str):
                raise EnvelopeError("invalid item header: `%s` must be a string" % key)
        payload_start = min(hend + 1, n)
        if length is not None:
            payload_end = payload_start + length
            if payload_end > n:
                raise EnvelopeError("unexpected end of file")
            if payload_end < n and buf[payload_end:payload_end + 1] != b"\n":
                raise EnvelopeError("missing newline after header or payload")
        else:
            nl = buf.find(b"\n", payload_start)
            payload_end = n if nl < 0 else nl
        items.append({"headers": ih, "payload": buf[payload_start:payload_end],
                      "declared_length": length})
        offset = payload_end + 1
    return header, header_raw, items


# --------------------------------------------------------------------------
# Authentication (relay-server/src/extractors/request_meta.rs, relay-common Auth)
# --------------------------------------------------------------------------

def parse_auth_string(s: str) -> dict:
    prefix, _, rest = s.partition(" ")
    if prefix.lower() != "sentry":
        raise HttpError(401, "bad x-sentry-auth header", ["non-sentry auth"])
    pairs: dict[str, str] = {}
    for item in rest.split(","):
        key, eq, value = item.strip().partition("=")
        if eq:
            pairs[key.strip()] = value.strip()
    return pairs


def extract_auth(headers, query: str) -> tuple[dict, str]:
    """Returns (auth pairs, source).  Raises HttpError like Relay's extractor."""
    found: list[tuple[dict, str]] = []
    xsa = headers.get("X-Sentry-Auth")
    if xsa is not None and xsa[:7].lower() == "sentry ":
        found.append((parse_auth_string(xsa), "x-sentry-auth"))
    authz = headers.get("Authorization")
    if authz is not None and authz[:7].lower() == "sentry ":
        found.append((parse_auth_string(authz), "authorization"))
    if authz is not None and authz[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authz[6:].strip(), validate=True).decode("utf-8")
            key, sep, _ = decoded.partition(":")
            if sep:
                found.append(({"sentry_key": key}, "basic"))
        except (binascii.Error, UnicodeDecodeError):
            pass
    if "sentry_" in query:
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        found.append(({k: v for k, v in q.items() if k.startswith("sentry_")}, "query"))
    if len(found) > 1:
        raise HttpError(401, "multiple authorization payloads detected")
    if not found:
        raise HttpError(401, "missing authorization information")
    pairs, source = found[0]
    return pairs, source


# --------------------------------------------------------------------------
# Shared state
# --------------------------------------------------------------------------

class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.faults: collections.deque = collections.deque()
        self.received: list[dict] = []
        self.rejected: list[dict] = []
        self.seen_event_ids: set[str] = set()
        self.stats = self._zero_stats()
        self.normalizer_lock = threading.Lock()
        self.normalizer = StoreNormalizer(max_secs_in_past=args.max_secs_in_past,
                                          max_secs_in_future=args.max_secs_in_future)

    @staticmethod
    def _zero_stats() -> dict:
        return {"requests": 0, "accepted": 0, "faulted": 0, "rejected": 0, "delayed": 0,
                "duplicates": 0, "control_requests": 0, "internal_errors": 0}

    def normalize(self, event: dict) -> dict:
        with self.normalizer_lock:
            return self.normalizer.normalize_event(event)

    def bump(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.stats[key] += n


def validate_faults(value) -> list[dict]:
    if isinstance(value, dict) and "faults" in value:
        value = value["faults"]
    if not isinstance(value, list):
        raise HttpError(400, "faults must be a JSON list")
    out = []
    for i, f in enumerate(value):
        if not isinstance(f, dict):
            raise HttpError(400, "fault %d is not an object" % i)
        unknown = set(f) - FAULT_KEYS
        if unknown:
            raise HttpError(400, "fault %d has unknown keys %s" % (i, sorted(unknown)))
        if "status" in f and (isinstance(f["status"], bool) or not isinstance(f["status"], int)
                              or not 100 <= f["status"] <= 599):
            raise HttpError(400, "fault %d: status must be an integer 100..599" % i)
        if "delay" in f and (isinstance(f["delay"], bool) or not isinstance(f["delay"], (int, float))
                             or f["delay"] < 0 or f["delay"] > 600):
            raise HttpError(400, "fault %d: delay must be a number of seconds 0..600" % i)
        if "reset" in f and not isinstance(f["reset"], bool):
            raise HttpError(400, "fault %d: reset must be a boolean" % i)
        if f.get("reset") and "status" in f:
            raise HttpError(400, "fault %d: reset and status exclude each other" % i)
        hdrs = f.get("headers", {})
        if not isinstance(hdrs, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in hdrs.items()):
            raise HttpError(400, "fault %d: headers must map strings to strings" % i)
        for k, v in hdrs.items():
            if "\n" in k or "\r" in k or "\n" in v or "\r" in v or ":" in k:
                raise HttpError(400, "fault %d: bad header %r" % (i, k))
        out.append(dict(f))
    return out


# --------------------------------------------------------------------------
# HTTP handler
# --------------------------------------------------------------------------

ENVELOPE_PATH_RE = re.compile(r"^/api/([^/]+)/envelope/?$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "crashport-sentry-test-server"
    sys_version = ""

    def version_string(self):
        return self.server_version
    state: State = None  # set in main()

    # ---- plumbing --------------------------------------------------------

    def log_message(self, fmt, *args):  # noqa: N802 - stdlib name
        log("%s %s" % (self.address_string(), fmt % args))

    def _send_json(self, status: int, body, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, bytes):
            data, ctype = body, "text/plain; charset=utf-8"
        else:
            data, ctype = json.dumps(body).encode("utf-8"), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    def _read_body(self, limit: int) -> bytes:
        """Reads the whole request body (Content-Length or chunked)."""
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise HttpError(400, "invalid request body", ["truncated chunked body"])
                size_s = line.split(b";", 1)[0].strip()
                try:
                    size = int(size_s, 16)
                except ValueError:
                    raise HttpError(400, "invalid request body", ["bad chunk size"])
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                data = self.rfile.read(size)
                self.rfile.readline(3)
                total += len(data)
                if total > limit:
                    self.close_connection = True
                    raise HttpError(413, "envelope exceeded size limits "
                                         "(https://develop.sentry.dev/sdk/envelopes/#size-limits)")
                chunks.append(data)
            return b"".join(chunks)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            length = int(cl)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            raise HttpError(400, "invalid request body", ["bad Content-Length"])
        if length > limit:
            # Drain so the client sees the answer, not a broken pipe.
            left = length
            while left > 0:
                got = self.rfile.read(min(left, 1 << 20))
                if not got:
                    break
                left -= len(got)
            raise HttpError(413, "envelope exceeded size limits "
                                 "(https://develop.sentry.dev/sdk/envelopes/#size-limits)")
        data = self.rfile.read(length)
        if len(data) != length:
            self.close_connection = True
            raise HttpError(400, "invalid request body", ["body shorter than Content-Length"])
        return data

    def _reset_connection(self) -> None:
        """Closes the TCP connection with an RST and no HTTP answer.

        SO_LINGER {on, 0} makes close() send RST.  The socket is detached first:
        rfile/wfile still reference it, and closing through the socket object
        would only drop a reference, not the descriptor.
        """
        sock = self.connection
        self.close_connection = True
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            fd = sock.detach()
        except OSError:
            return
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass

    def _guard(self, fn):
        try:
            fn()
        except HttpError as e:
            try:
                self._send_json(e.status, e.body(), e.headers)
            except Exception:
                pass
        except (BrokenPipeError, ConnectionResetError) as e:
            log("client went away: %s" % e)
            self.close_connection = True
        except Exception as e:  # never let the server die
            self.state.bump("internal_errors")
            log("internal error handling %s %s:\n%s" % (self.command, self.path,
                                                        traceback.format_exc()))
            try:
                self.close_connection = True
                self._send_json(500, {"detail": "internal test-server error: %s" % e})
            except Exception:
                pass

    # ---- verbs -----------------------------------------------------------

    def do_GET(self):  # noqa: N802
        self._guard(self._get)

    def do_POST(self):  # noqa: N802
        self._guard(self._post)

    def do_PUT(self):  # noqa: N802
        self._guard(self._other)

    def do_DELETE(self):  # noqa: N802
        self._guard(self._other)

    def _other(self):
        self._read_body_quietly()
        raise HttpError(405, "method not allowed")

    def _read_body_quietly(self):
        try:
            self._read_body(self.state.args.max_envelope_bytes)
        except HttpError:
            pass

    def _get(self):
        path = urllib.parse.urlsplit(self.path).path
        st = self.state
        if path.startswith("/control/"):
            st.bump("control_requests")
            with st.lock:
                if path == "/control/received":
                    body = {"envelopes": list(st.received)}
                elif path == "/control/rejected":
                    body = {"requests": list(st.rejected)}
                elif path == "/control/stats":
                    body = dict(st.stats, pending_faults=len(st.faults))
                elif path == "/control/faults":
                    body = {"pending": list(st.faults)}
                elif path == "/control/health":
                    body = {"ok": True, "port": self.server.server_address[1],
                            "project": st.args.project, "sentry_relay": RELAY_VERSION,
                            "pid": os.getpid()}
                else:
                    body = None
            if body is None:
                raise HttpError(404, "not found")
            self._send_json(200, body)
            return
        if ENVELOPE_PATH_RE.match(path):
            raise HttpError(405, "method not allowed")
        raise HttpError(404, "not found")

    def _post(self):
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        st = self.state
        if path.startswith("/control/"):
            st.bump("control_requests")
            self._control_post(path)
            return
        m = ENVELOPE_PATH_RE.match(path)
        if not m:
            self._read_body_quietly()
            raise HttpError(404, "not found")
        self._envelope(m.group(1), split.query)

    def _control_post(self, path: str) -> None:
        st = self.state
        raw = self._read_body(16 * MIB)
        if path == "/control/faults":
            try:
                value = json.loads(raw.decode("utf-8") or "null")
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise HttpError(400, "faults body is not JSON: %s" % e)
            faults = validate_faults(value)
            with st.lock:
                st.faults.clear()
                st.faults.extend(faults)
            log("faults set: %s" % json.dumps(faults))
            self._send_json(200, {"pending": len(faults)})
        elif path == "/control/clear":
            with st.lock:
                st.faults.clear()
                st.received.clear()
                st.rejected.clear()
                st.seen_event_ids.clear()
                st.stats = st._zero_stats()
            self._send_json(200, {"ok": True})
        elif path == "/control/shutdown":
            self.close_connection = True
            self._send_json(200, {"ok": True, "shutting_down": True})
            log("shutdown requested over HTTP")
            threading.Thread(target=self.server.shutdown, daemon=True).start()
        else:
            raise HttpError(404, "not found")

    # ---- the envelope endpoint -------------------------------------------

    def _envelope(self, project_s: str, query: str) -> None:
        st = self.state
        args = st.args
        st.bump("requests")
        header_pairs = [[k, v] for k, v in self.headers.items()]
        base_record = {
            "method": self.command,
            "path": self.path,
            "query": query,
            "headers": header_pairs,
            "received_at": now_rfc3339(),
        }
        try:
            body = self._read_body(args.max_envelope_bytes)
        except HttpError as e:
            self._reject(base_record, e)
            raise

        with st.lock:
            fault = st.faults.popleft() if st.faults else None
        if fault is not None:
            if fault.get("delay"):
                st.bump("delayed")
                log("fault: delaying %.3fs" % fault["delay"])
                time.sleep(float(fault["delay"]))
            if fault.get("reset"):
                st.bump("faulted")
                log("fault: resetting connection")
                self._reset_connection()
                return
            if "status" in fault:
                st.bump("faulted")
                status = fault["status"]
                fbody = fault.get("body")
                if fbody is None:
                    fbody = {"detail": DEFAULT_FAULT_DETAIL.get(status, "injected fault")}
                if isinstance(fbody, str):
                    fbody = fbody.encode("utf-8")
                log("fault: answering %d" % status)
                self._send_json(status, fbody, fault.get("headers"))
                return
        extra_headers = dict(fault.get("headers", {})) if fault else {}

        try:
            record, response = self._accept(project_s, query, body, base_record)
        except HttpError as e:
            self._reject(base_record, e)
            raise
        with st.lock:
            record["seq"] = len(st.received) + 1
            st.received.append(record)
            st.stats["accepted"] += 1
            if record.get("duplicate"):
                st.stats["duplicates"] += 1
        log("accepted envelope %s (%d event(s), %d attachment(s))" % (
            response.get("id"), len(record["events"]), len(record["attachments"])))
        self._send_json(200, response, extra_headers)

    def _reject(self, base_record: dict, e: HttpError) -> None:
        st = self.state
        log("rejected %d: %s %s" % (e.status, e.detail, e.causes))
        with st.lock:
            st.stats["rejected"] += 1
            if len(st.rejected) < MAX_REJECTED_KEPT:
                st.rejected.append(dict(base_record, status=e.status, response=e.body()))

    def _accept(self, project_s: str, query: str, body: bytes, base: dict):
        st = self.state
        args = st.args
        # 1. project id in the path (Relay: `BadProject` -> 400)
        if not project_s.isdigit():
            raise HttpError(400, "bad project path parameter")
        project_id = int(project_s)

        # 2. authentication (401 unless stated otherwise)
        pairs, auth_source = extract_auth(self.headers, query)
        key = pairs.get("sentry_key", "")
        if not key:
            raise HttpError(401, "bad x-sentry-auth header", ["missing public key in auth string"])
        version_s = pairs.get("sentry_version")
        if version_s is None:
            raise HttpError(401, "bad x-sentry-auth header", ["missing sentry_version"])
        try:
            version = int(version_s)
        except ValueError:
            raise HttpError(401, "bad x-sentry-auth header", ["invalid value for version"])
        if version > PROTOCOL_VERSION:
            raise HttpError(400, "unsupported protocol version (%d)" % version)
        if version != PROTOCOL_VERSION:
            raise HttpError(401, "bad x-sentry-auth header",
                            ["this test server requires sentry_version=7, got %d" % version])
        key_main = key.split(".", 1)[0]
        if not PROJECT_KEY_RE.match(key_main):
            raise HttpError(400, "bad sentry DSN public key", ["invalid length or characters"])

        # 3. body: content encoding, emptiness
        encoding = (self.headers.get("Content-Encoding") or "identity").strip().lower()
        data = decompress(body, encoding, args.max_envelope_bytes)
        if not data:
            raise HttpError(400, "empty request body")

        # 4. envelope framing
        try:
            env_header, env_header_raw, items = parse_envelope(data)
        except EnvelopeError as e:
            causes = [str(e)]
            if e.__cause__ is not None:
                causes.append(str(e.__cause__))
            raise HttpError(400, "invalid event envelope", causes)
        dsn = env_header.get("dsn")
        if isinstance(dsn, str):
            d = parse_dsn(dsn)
            if d["project_id"] != project_id:
                raise HttpError(400, "invalid event envelope",
                                ["project id header mismatch between envelope and request"])
            if d["public_key"] != key_main:
                raise HttpError(400, "invalid event envelope",
                                ["public key header mismatch between envelope and request"])

        # 5. project / key (Relay: 403 `ProjectId`; brief: wrong key -> 401)
        if key_main.lower() != args.public_key.lower():
            if args.unknown_key_status == 403:
                raise HttpError(403, "event submission rejected with_reason: ProjectId")
            raise HttpError(401, "invalid public key",
                            ["sentry_key does not match this project's DSN"])
        if project_id != args.project:
            raise HttpError(403, "event submission rejected with_reason: ProjectId")

        # 6. size limits (relay-server utils/sizes.rs; 413)
        event_items = [it for it in items if it["headers"]["type"] == "event"]
        att_items = [it for it in items if it["headers"]["type"] == "attachment"]
        if len(event_items) > 1:
            raise HttpError(413, "envelope exceeded size limits for type 'event' "
                                 "(https://develop.sentry.dev/sdk/envelopes/#size-limits)",
                            ["more than one event item"])
        for it in event_items:
            if len(it["payload"]) > args.max_event_bytes:
                raise HttpError(413, "envelope exceeded size limits for type 'event' "
                                     "(https://develop.sentry.dev/sdk/envelopes/#size-limits)")
        total_att = 0
        for it in att_items:
            total_att += len(it["payload"])
            if len(it["payload"]) > args.max_attachment_bytes or total_att > args.max_attachments_bytes:
                raise HttpError(413, "envelope exceeded size limits for type 'attachment' "
                                     "(https://develop.sentry.dev/sdk/envelopes/#size-limits)")

        # 7. event id: the envelope header wins; generated if missing (Relay parse_request)
        header_event_id = env_header.get("event_id")
        if isinstance(header_event_id, str):
            event_id = uuid.UUID(header_event_id).hex
            event_id_source = "envelope_header"
        else:
            event_id = None
            event_id_source = None

        events = []
        for it in event_items:
            try:
                event = json.loads(it["payload"].decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise HttpError(400, "invalid JSON data: %s" % e)
            if not isinstance(event, dict):
                raise HttpError(400, "invalid JSON data: the event payload is not an object")
            payload_id = event.get("event_id")
            if event_id is None:
                if isinstance(payload_id, str):
                    try:
                        event_id = uuid.UUID(payload_id).hex
                        event_id_source = "event_payload"
                    except ValueError:
                        pass
            try:
                normalized = st.normalize(event)
                norm_exc = None
            except Exception as e:  # keep going; record it
                normalized, norm_exc = None, "%s: %s" % (type(e).__name__, e)
                log("normaliser raised: %s" % norm_exc)
            events.append({
                "event_id": None,  # filled below
                "payload_event_id": payload_id,
                "item_headers": it["headers"],
                "length": len(it["payload"]),
                "declared_length": it["declared_length"],
                "event": event,
                "normalized": normalized,
                "errors": (normalized or {}).get("errors", []),
                "normalize_exception": norm_exc,
            })
        if event_id is None and (events or att_items):
            event_id = uuid.uuid4().hex
            event_id_source = "generated"
        for ev in events:
            ev["event_id"] = event_id
            pid = ev["payload_event_id"]
            try:
                ev["event_id_mismatch"] = (isinstance(pid, str) and uuid.UUID(pid).hex != event_id)
            except ValueError:
                ev["event_id_mismatch"] = True

        attachments = []
        for it in att_items:
            h = it["headers"]
            attachments.append({
                "filename": h.get("filename"),
                "content_type": h.get("content_type"),
                "attachment_type": h.get("attachment_type"),
                "length": len(it["payload"]),
                "declared_length": it["declared_length"],
                "sha256": hashlib.sha256(it["payload"]).hexdigest(),
                "item_headers": h,
            })
        other_items = [{"type": it["headers"]["type"], "item_headers": it["headers"],
                        "length": len(it["payload"])}
                       for it in items if it["headers"]["type"] not in ("event", "attachment")]

        duplicate = False
        if events and event_id:
            with st.lock:
                duplicate = event_id in st.seen_event_ids
                st.seen_event_ids.add(event_id)

        response = {"id": event_id} if event_id else {}
        record = dict(base)
        record.update({
            "project_id": project_id,
            "auth": pairs,
            "auth_source": auth_source,
            "content_encoding": encoding,
            "body_length": len(body),
            "decompressed_length": len(data),
            "envelope_header": env_header,
            "envelope_header_raw": env_header_raw,
            "event_id": event_id,
            "event_id_source": event_id_source,
            "duplicate": duplicate,
            "events": events,
            "attachments": attachments,
            "other_items": other_items,
            "response": {"status": 200, "body": response},
        })
        return record, response


def decompress(body: bytes, encoding: str, limit: int) -> bytes:
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif encoding == "deflate":
        wbits = zlib.MAX_WBITS  # zlib container, as Relay expects (RFC 1950)
    else:
        raise HttpError(400, "invalid request body",
                        ["unsupported content encoding %r (this test server handles "
                         "identity, gzip, deflate)" % encoding])
    try:
        d = zlib.decompressobj(wbits)
        out = d.decompress(body, limit + 1)
        if len(out) > limit or d.unconsumed_tail:
            raise HttpError(413, "envelope exceeded size limits "
                                 "(https://develop.sentry.dev/sdk/envelopes/#size-limits)")
        out += d.flush()
        if not d.eof:
            raise zlib.error("truncated %s stream" % encoding)
        if d.unused_data:
            raise zlib.error("trailing data after %s stream" % encoding)
    except zlib.error as e:
        raise HttpError(400, "invalid request body", ["failed to decode %s payload" % encoding, str(e)])
    return out


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def write_port_file(path: str, port: int) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, ".%s.tmp.%d" % (os.path.basename(path), os.getpid()))
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % port)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port-file", required=True,
                   help="where to write the chosen port (atomically) once listening")
    p.add_argument("--public-key", default="0123456789abcdef0123456789abcdef",
                   help="the DSN public key accepted (32 hex chars)")
    p.add_argument("--project", type=int, default=42, help="the project id accepted")
    p.add_argument("--unknown-key-status", type=int, choices=(401, 403), default=401,
                   help="status for a well-formed but wrong sentry_key (Relay answers 403)")
    p.add_argument("--max-secs-in-past", type=int, default=30 * 86400)
    p.add_argument("--max-secs-in-future", type=int, default=3600)
    p.add_argument("--max-event-bytes", type=int, default=1 * MIB)
    p.add_argument("--max-attachment-bytes", type=int, default=100 * MIB)
    p.add_argument("--max-attachments-bytes", type=int, default=100 * MIB)
    p.add_argument("--max-envelope-bytes", type=int, default=200 * MIB)
    p.add_argument("--exit-with-parent", action="store_true",
                   help="exit when the parent process goes away")
    p.add_argument("--exit-on-stdin-eof", action="store_true",
                   help="exit when standard input reaches EOF (e.g. the test closed its pipe)")
    p.add_argument("--max-lifetime", type=float, default=0,
                   help="exit after this many seconds (0: never)")
    args = p.parse_args(argv)
    if not PROJECT_KEY_RE.match(args.public_key):
        p.error("--public-key must be 32 hex characters")
    return args


def main(argv=None) -> int:
    parent = os.getppid()
    args = parse_args(argv)
    state = State(args)
    Handler.state = state

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = False
        request_queue_size = 64

        def handle_error(self, request, client_address):
            state.bump("internal_errors")
            log("error on connection from %s:\n%s" % (client_address, traceback.format_exc()))

    httpd = Server(("127.0.0.1", 0), Handler)
    port = httpd.server_address[1]
    stop = threading.Event()

    def request_stop(reason: str):
        if not stop.is_set():
            stop.set()
            log("stopping: %s" % reason)
            threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, lambda *_: request_stop("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: request_stop("SIGINT"))
    write_port_file(args.port_file, port)
    log("listening on http://127.0.0.1:%d/ project=%d sentry-relay=%s pid=%d"
        % (port, args.project, RELAY_VERSION, os.getpid()))

    if args.exit_with_parent:
        def watch_parent():
            while not stop.wait(0.5):
                if os.getppid() != parent:
                    request_stop("parent %d went away" % parent)
        threading.Thread(target=watch_parent, daemon=True).start()
    if args.exit_on_stdin_eof:
        def watch_stdin():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except Exception:
                pass
            request_stop("stdin closed")
        threading.Thread(target=watch_stdin, daemon=True).start()
    if args.max_lifetime > 0:
        timer = threading.Timer(args.max_lifetime, request_stop, ("max lifetime reached",))
        timer.daemon = True
        timer.start()

    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        httpd.server_close()
        try:
            with open(args.port_file, encoding="ascii") as f:
                if f.read().strip() == str(port):
                    os.unlink(args.port_file)
        except OSError:
            pass
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
