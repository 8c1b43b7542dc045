"""A loopback latency-and-fault proxy for benchmarking AWS collectors against a moto server.

Real AWS is tens of milliseconds away and sometimes throttles; moto answers in a few
milliseconds and never does. This proxy sits between a collector and moto and adds:

* a fixed per-request latency (``latency_ms``, plus optional ``jitter_ms``);
* throttling at a given probability, in each protocol's own error format, so that botocore
  classifies it as throttling (EC2 ``RequestLimitExceeded``, query ``Throttling``,
  JSON ``ThrottlingException``, S3 ``SlowDown`` 503, REST-JSON ``x-amzn-ErrorType``);
* 5xx errors at a given probability;
* AccessDenied for chosen services (read from the SigV4 credential scope) or regions.

It counts requests (total, per service, per operation, per outcome) and the peak number
in flight. ``GET /__proxy__/stats`` returns them as JSON, ``POST /__proxy__/reset`` zeroes
them, ``POST /__proxy__/config`` changes the fault settings of a running proxy.

Use it from the command line::

    python bench/proxy.py --upstream http://127.0.0.1:5000 --port 8080 --latency-ms 50 \\
        --throttle-rate 0.25 --error-rate 0.05 --deny-service iam

or from Python (tests, ``bench/compare.py``)::

    with FaultProxy("http://127.0.0.1:5000", ProxyConfig(latency_ms=50)) as proxy:
        boto3.client("ec2", endpoint_url=proxy.url, ...)
        proxy.stats()
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CONTROL_PREFIX = "/__proxy__/"
TIMELINE_MAX = 500_000
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "proxy-connection"}
)
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"X-Amz-Credential=[^&]*?(?:/|%2F)\d{8}(?:/|%2F)([^/&%]+)(?:/|%2F)([^/&%]+)")
_ACTION = re.compile(rb"(?:^|&)Action=([A-Za-z0-9]+)")
# REST services whose errors are XML rather than JSON; every other REST service is REST-JSON.
_REST_XML = frozenset({"s3", "route53", "cloudfront"})


@dataclass
class ProxyConfig:
    """Fault settings. Rates are probabilities per request, drawn independently."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    deny_services: set[str] = field(default_factory=set)
    deny_regions: set[str] = field(default_factory=set)
    seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["deny_services"] = sorted(self.deny_services)
        data["deny_regions"] = sorted(self.deny_regions)
        return data


@dataclass
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    service: str
    region: str
    operation: str
    protocol: str  # ec2 | query | json | cbor | rest-json | rest-xml | s3


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: list[tuple[str, str]]


class Stats:
    """Thread-safe counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.started = time.monotonic()
            self.requests = 0
            self.in_flight = 0
            self.peak_in_flight = 0
            self.outcomes: Counter[str] = Counter()
            self.services: dict[str, Counter[str]] = {}
            self.operations: Counter[str] = Counter()
            self.operation_upstream_s: Counter[str] = Counter()
            self.bytes_out = 0
            self.upstream_s = 0.0
            self.overhead_s = 0.0
            self.overhead_max_s = 0.0
            # (start, end, service, operation, outcome) per request, for critical-path analysis
            self.timeline: list[tuple[float, float, str, str, str]] = []

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def leave(self, req: _Request, outcome: str, nbytes: int, upstream_s: float, overhead_s: float,
              started: float) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self.timeline) < TIMELINE_MAX:
                self.timeline.append((round(started - self.started, 4), round(now - self.started, 4),
                                      req.service, req.operation, outcome))
            self.in_flight -= 1
            self.requests += 1
            self.outcomes[outcome] += 1
            per = self.services.setdefault(req.service, Counter())
            per["requests"] += 1
            per[outcome] += 1
            self.operations[f"{req.service}:{req.operation}"] += 1
            self.operation_upstream_s[f"{req.service}:{req.operation}"] += upstream_s
            self.bytes_out += nbytes
            self.upstream_s += upstream_s
            self.overhead_s += overhead_s
            self.overhead_max_s = max(self.overhead_max_s, overhead_s)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            n = max(self.requests, 1)
            return {
                "requests": self.requests,
                "in_flight": self.in_flight,
                "peak_in_flight": self.peak_in_flight,
                "outcomes": dict(self.outcomes),
                "services": {k: dict(v) for k, v in sorted(self.services.items())},
                "operations": dict(self.operations.most_common()),
                # seconds the upstream (moto) spent answering each operation, summed
                "operation_upstream_s": {k: round(v, 3) for k, v in self.operation_upstream_s.most_common()},
                "bytes_out": self.bytes_out,
                "elapsed_s": round(time.monotonic() - self.started, 3),
                "upstream_ms_avg": round(1000 * self.upstream_s / n, 3),
                # time the proxy itself spent per request: parsing, copying, accounting
                # (excludes the injected latency and the upstream's own time)
                "overhead_ms_avg": round(1000 * self.overhead_s / n, 3),
                "overhead_ms_max": round(1000 * self.overhead_max_s, 3),
            }


# -- request classification ---------------------------------------------------------------
def _classify(method: str, path: str, headers: dict[str, str], body: bytes) -> _Request:
    auth = headers.get("authorization", "")
    m = _SCOPE.search(auth) or _QUERY_SCOPE.search(path)
    region, service = (m.group(1), m.group(2)) if m else ("", "unknown")
    target = headers.get("x-amz-target", "")
    ctype = headers.get("content-type", "")
    if "rpc-v2-cbor" in headers.get("smithy-protocol", ""):
        protocol, operation = "cbor", path.rsplit("/", 1)[-1]
    elif target:
        protocol, operation = "json", target.rsplit(".", 1)[-1]
    elif service == "s3":
        protocol, operation = "s3", _s3_operation(method, path)
    else:
        action = _ACTION.search(body) if "form-urlencoded" in ctype else None
        query = urlsplit(path).query
        if action is None and "Action=" in query:
            found = parse_qs(query).get("Action", [""])[0]
            operation = found or "?"
            protocol = "ec2" if service == "ec2" else "query"
        elif action is not None:
            operation = action.group(1).decode()
            protocol = "ec2" if service == "ec2" else "query"
        else:
            operation = _rest_operation(method, path)
            protocol = "rest-xml" if service in _REST_XML else "rest-json"
    return _Request(method, path, headers, body, service, region, operation, protocol)


def _query_keys(query: str) -> str:
    keys = sorted({kv.split("=", 1)[0] for kv in query.split("&") if kv and not kv.startswith("X-Amz-")})
    return f"?{'&'.join(keys)}" if keys else ""


def _rest_operation(method: str, path: str) -> str:
    """A low-cardinality name for a REST call, e.g. ``GET /{v}/functions/{id}/policy``."""
    parts = urlsplit(path)
    names: list[str] = []
    expect_id = False  # REST paths alternate collection names and identifiers
    for seg in (p for p in parts.path.split("/") if p):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", seg):
            names.append("{v}")
        elif expect_id or not re.fullmatch(r"[a-z][a-z-]*", seg):
            names.append("{id}")
            expect_id = False
        else:
            names.append(seg)
            expect_id = True
    return f"{method} /{'/'.join(names)}{_query_keys(parts.query)}"


def _s3_operation(method: str, path: str) -> str:
    parts = urlsplit(path)
    depth = min(len([p for p in parts.path.split("/") if p]), 2)
    return f"{method} {['/', '/{bucket}', '/{bucket}/{key}'][depth]}{_query_keys(parts.query)}"


# -- error bodies, one per protocol --------------------------------------------------------
_CBOR_TEXT = 0x60
_CBOR_MAP = 0xA0


def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major | n])
    if n < 256:
        return bytes([major | 24, n])
    return bytes([major | 25]) + n.to_bytes(2, "big")


def _cbor_map(data: dict[str, str]) -> bytes:
    out = bytearray(_cbor_head(_CBOR_MAP, len(data)))
    for key, value in data.items():
        for text in (key, value):
            raw = text.encode()
            out += _cbor_head(_CBOR_TEXT, len(raw)) + raw
    return bytes(out)


def error_reply(req: _Request, kind: str) -> _Reply:
    """Build the error AWS would send for ``kind`` (throttle | server | denied) in ``req``'s protocol."""
    rid = str(uuid.uuid4())
    p = req.protocol
    if kind == "throttle":
        if p == "ec2":
            code, status = "RequestLimitExceeded", 503
        elif p == "s3":
            code, status = "SlowDown", 503
        elif p in ("query", "rest-xml"):
            code, status = "Throttling", 400
        elif req.service == "lambda":
            code, status = "TooManyRequestsException", 429
        else:
            code, status = "ThrottlingException", 400
        message = "Rate exceeded"
    elif kind == "server":
        code, status = ("ServiceUnavailable", 503) if random.random() < 0.5 else ("InternalError", 500)
        if p in ("json", "cbor", "rest-json"):
            code = "ServiceUnavailableException" if status == 503 else "InternalFailure"
        message = "We encountered an internal error. Please try again."
    else:
        status = 403
        if p == "ec2":
            code = "UnauthorizedOperation"
        elif p in ("query", "rest-xml", "s3"):
            code = "AccessDenied"
        else:
            code, status = "AccessDeniedException", (400 if p in ("json", "cbor") else 403)
        message = f"User is not authorized to perform: {req.service}:{req.operation} (injected by proxy)"

    headers = [("x-amzn-RequestId", rid)]
    if p == "ec2":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>"
                f"<Message>{message}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>")
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
        return _Reply(status, body.encode(), headers)
    if p == "s3":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}"
                f"</Message><RequestId>{rid}</RequestId><HostId>proxy</HostId></Error>")
        headers += [("Content-Type", "application/xml"), ("x-amz-request-id", rid)]
        return _Reply(status, body.encode(), headers)
    if p in ("query", "rest-xml"):
        kind_attr = "Receiver" if status >= 500 else "Sender"
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse><Error><Type>{kind_attr}</Type>"
                f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{rid}</RequestId>"
                f"</ErrorResponse>")
        headers.append(("Content-Type", "text/xml"))
        return _Reply(status, body.encode(), headers)
    if p == "cbor":
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
        return _Reply(status, _cbor_map({"__type": code, "message": message}), headers)
    if p == "json":
        headers.append(("Content-Type", "application/x-amz-json-1.1"))
        return _Reply(status, json.dumps({"__type": code, "message": message}).encode(), headers)
    headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    return _Reply(status, json.dumps({"message": message, "Message": message}).encode(), headers)


# -- the server ------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        t0 = time.perf_counter()
        body = self._read_body()
        if self.path.startswith(CONTROL_PREFIX):
            self._control(body)
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = _classify(self.command, self.path, headers, body)
        proxy = self.server.proxy
        stats = proxy.stats_obj
        stats.enter()
        started = time.monotonic()
        upstream_s = 0.0
        slept = 0.0
        outcome = "ok"
        try:
            cfg = proxy.config
            wait = cfg.latency_ms + (proxy.rng_uniform(0, cfg.jitter_ms) if cfg.jitter_ms else 0.0)
            if wait > 0:
                slept = wait / 1000
                time.sleep(slept)
            fault = proxy.pick_fault(req)
            if fault:
                outcome = fault
                reply = error_reply(req, fault)
            else:
                u0 = time.perf_counter()
                reply = proxy.forward(req)
                upstream_s = time.perf_counter() - u0
                if reply.status >= 400:
                    outcome = f"upstream_{reply.status}"
        except (OSError, http.client.HTTPException) as exc:
            outcome = "upstream_unreachable"
            reply = _Reply(502, f"proxy: upstream failed: {exc}".encode(), [("Content-Type", "text/plain")])
        finally:
            # counted before the reply leaves, so a client that reads the stats after its
            # response always sees its own request (the send itself is not in the overhead)
            overhead = max(time.perf_counter() - t0 - upstream_s - slept, 0.0)
            stats.leave(req, outcome, len(reply.body) if outcome != "upstream_unreachable" else 0,
                        upstream_s, overhead, started)
        try:
            self._send(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send(self, reply: _Reply) -> None:
        self.send_response_only(reply.status)
        has_length = False
        for name, value in reply.headers:
            lname = name.lower()
            if lname in _HOP_BY_HOP:
                continue
            if lname == "content-length":
                if self.command != "HEAD":
                    continue  # recomputed below; HEAD keeps the upstream's (object size)
                has_length = True
            self.send_header(name, value)
        if not has_length:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD" and reply.body:
            self.wfile.write(reply.body)

    def _control(self, body: bytes) -> None:
        proxy = self.server.proxy
        name = self.path[len(CONTROL_PREFIX):].split("?", 1)[0]
        if name == "stats":
            payload: dict[str, Any] = proxy.stats()
        elif name == "timeline":
            with proxy.stats_obj._lock:
                payload = {"columns": ["start", "end", "service", "operation", "outcome"],
                           "rows": list(proxy.stats_obj.timeline)}
        elif name == "reset" and self.command == "POST":
            proxy.reset()
            payload = {"reset": True}
        elif name == "config" and self.command == "POST":
            proxy.configure(**json.loads(body or b"{}"))
            payload = proxy.config.to_json()
        elif name == "config":
            payload = proxy.config.to_json()
        else:
            self._send(_Reply(404, b"unknown control path", [("Content-Type", "text/plain")]))
            return
        self._send(_Reply(200, json.dumps(payload).encode(), [("Content-Type", "application/json")]))

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], proxy: FaultProxy) -> None:
        self.proxy = proxy
        super().__init__(addr, _Handler)


class FaultProxy:
    """The proxy as an object: ``start()``/``stop()`` (or a ``with`` block), ``url``, ``stats()``."""

    def __init__(self, upstream: str, config: ProxyConfig | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        parts = urlsplit(upstream)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"upstream must be a loopback address, not {parts.hostname!r}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the proxy listens on loopback only")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.config = config or ProxyConfig()
        self.stats_obj = Stats()
        self._rng = random.Random(self.config.seed)
        self._rng_lock = threading.Lock()
        self._local = threading.local()
        self._server = _Server((host, port), self)
        self._thread: threading.Thread | None = None

    # -- lifecycle
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- control
    def stats(self) -> dict[str, Any]:
        snap = self.stats_obj.snapshot()
        snap["config"] = self.config.to_json()
        return snap

    def reset(self) -> None:
        self.stats_obj.reset()

    def configure(self, **changes: Any) -> None:
        for key in ("deny_services", "deny_regions"):
            if key in changes:
                changes[key] = set(changes[key])
        unknown = set(changes) - set(ProxyConfig.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown proxy settings: {sorted(unknown)}")
        merged = {**asdict(self.config), **changes}
        self.config = ProxyConfig(**merged)
        if "seed" in changes:
            with self._rng_lock:
                self._rng = random.Random(self.config.seed)

    # -- per request
    def rng_uniform(self, lo: float, hi: float) -> float:
        with self._rng_lock:
            return self._rng.uniform(lo, hi)

    def pick_fault(self, req: _Request) -> str | None:
        cfg = self.config
        if req.service in cfg.deny_services or (req.region and req.region in cfg.deny_regions):
            return "denied"
        if not (cfg.throttle_rate or cfg.error_rate):
            return None
        with self._rng_lock:
            draw = self._rng.random()
        if draw < cfg.throttle_rate:
            return "throttle"
        if draw < cfg.throttle_rate + cfg.error_rate:
            return "server"
        return None

    def _connection(self, fresh: bool = False) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=300)
            self._local.conn = conn
        return conn

    def forward(self, req: _Request) -> _Reply:
        headers = {k: v for k, v in req.headers.items() if k not in _HOP_BY_HOP}
        if req.body or req.method in ("POST", "PUT", "PATCH"):
            headers["content-length"] = str(len(req.body))
        for attempt in (0, 1):
            conn = self._connection(fresh=attempt > 0)
            try:
                conn.request(req.method, req.path, body=req.body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                    http.client.CannotSendRequest, http.client.BadStatusLine):
                if attempt:  # a kept-alive connection the upstream had closed: retry once, fresh
                    raise
                continue
            if resp.will_close:
                self._connection(fresh=True)
            return _Reply(resp.status, data, resp.getheaders())
        raise AssertionError("unreachable")


# -- command line -----------------------------------------------------------------------------
def fetch_stats(proxy_url: str) -> dict[str, Any]:
    """Read a running proxy's counters (used by bench scripts that run it as a child process)."""
    return _control_call(proxy_url, "GET", "stats")


def fetch_timeline(proxy_url: str) -> list[list[Any]]:
    """Every request since the last reset: [start s, end s, service, operation, outcome]."""
    return list(_control_call(proxy_url, "GET", "timeline")["rows"])


def reset_stats(proxy_url: str) -> None:
    _control_call(proxy_url, "POST", "reset")


def configure(proxy_url: str, **changes: Any) -> dict[str, Any]:
    for key in ("deny_services", "deny_regions"):
        if key in changes:
            changes[key] = sorted(changes[key])
    return _control_call(proxy_url, "POST", "config", changes)


def _control_call(proxy_url: str, method: str, name: str, payload: dict[str, Any] | None = None) -> Any:
    parts = urlsplit(proxy_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    try:
        body = json.dumps(payload).encode() if payload is not None else b""
        conn.request(method, CONTROL_PREFIX + name, body=body, headers={"Content-Length": str(len(body))})
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"proxy control {name}: HTTP {resp.status}: {data[:200]!r}")
        return json.loads(data)
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="moto server URL, e.g. http://127.0.0.1:5000")
    ap.add_argument("--port", type=int, default=0, help="listen port (0: any free port)")
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--jitter-ms", type=float, default=0.0)
    ap.add_argument("--throttle-rate", type=float, default=0.0)
    ap.add_argument("--error-rate", type=float, default=0.0)
    ap.add_argument("--deny-service", action="append", default=[], help="signing name, e.g. iam (repeatable)")
    ap.add_argument("--deny-region", action="append", default=[])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--stats-file", help="write the counters here as JSON on exit")
    ap.add_argument("--exit-with-parent", action="store_true", help="stop when the parent process dies")
    args = ap.parse_args(argv)
    cfg = ProxyConfig(latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, throttle_rate=args.throttle_rate,
                      error_rate=args.error_rate, deny_services=set(args.deny_service),
                      deny_regions=set(args.deny_region), seed=args.seed)
    proxy = FaultProxy(args.upstream, cfg, port=args.port)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    if args.exit_with_parent:
        parent = os.getppid()

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, daemon=True).start()
    print(f"proxy listening on {proxy.url} -> {args.upstream} {json.dumps(cfg.to_json())}", flush=True)
    try:
        proxy.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if args.stats_file:
            with open(args.stats_file, "w") as fh:
                json.dump(proxy.stats(), fh, indent=1)
        proxy._server.server_close()
    return 0


def wait_listening(port: int, timeout: float = 10.0) -> None:
    """Block until something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
