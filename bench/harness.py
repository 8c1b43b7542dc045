"""Shared plumbing for the bench scripts: a moto server and the proxy as child processes,
and running a command while measuring its wall time and peak RSS.

Run ``python bench/harness.py moto --port N`` to serve moto alone (what ``start_moto`` does).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
AWSGRAPH = ROOT / ".venv" / "bin" / "awsgraph"
PEERS = BENCH / ".venv-peers"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a collector under test: fake credentials, no real AWS profile."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(FAKE_CREDENTIALS)
    env["AWS_CONFIG_FILE"] = "/dev/null"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env.update(extra)
    return env


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so ``with`` blocks stop the moto and proxy children."""
    import signal

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def git_commit() -> str:
    out = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %cd",
                          "--date=format:%Y-%m-%d %H:%M"], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def loadavg() -> str:
    """The 1/5/15-minute load averages: other work on the host skews every figure."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Child:
    proc: subprocess.Popen[str]
    url: str

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _start(cmd: list[str], marker: str, env: dict[str, str] | None = None, timeout: float = 60) -> Child:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{cmd[:3]} exited before listening (rc={proc.poll()})")
        if marker in line:
            url = line.split(marker, 1)[1].split()[0]
            return Child(proc, url)
    proc.kill()
    raise RuntimeError(f"{cmd[:3]} did not start within {timeout}s")


def start_moto(port: int = 0) -> Child:
    """A moto server in its own process (own GIL, own RSS), without the default AMI catalogue
    and with AWS managed IAM policies (as a real account sees them)."""
    env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false", MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    env.pop("MOTO_ACCOUNT_ID", None)
    child = _start([str(VENV_PY), str(BENCH / "harness.py"), "moto", "--port", str(port)],
                   "moto listening on ", env)
    # Lambda functions are created without Docker; the endpoint accepts only these keys.
    req = urllib.request.Request(f"{child.url}/moto-api/config", method="POST",
                                 data=json.dumps({"lambda": {"use_docker": False},
                                                  "batch": {"use_docker": False}}).encode())
    urllib.request.urlopen(req, timeout=30).read()
    return child


def start_proxy(upstream: str, *, latency_ms: float = 0, throttle_rate: float = 0, error_rate: float = 0,
                deny: tuple[str, ...] = (), seed: int | None = None, stats_file: str | None = None) -> Child:
    cmd = [str(VENV_PY), str(BENCH / "proxy.py"), "--upstream", upstream, "--port", "0",
           "--latency-ms", str(latency_ms), "--throttle-rate", str(throttle_rate),
           "--error-rate", str(error_rate), "--exit-with-parent"]
    for service in deny:
        cmd += ["--deny-service", service]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if stats_file:
        cmd += ["--stats-file", stats_file]
    return _start(cmd, "proxy listening on ")


@dataclass
class Measured:
    argv: list[str]
    rc: int
    wall_s: float
    max_rss_mb: float
    stdout: str
    stderr: str

    cpu_s: float = 0.0  # the tool's own user + system CPU time

    def as_dict(self) -> dict[str, Any]:
        return {"rc": self.rc, "wall_s": round(self.wall_s, 2), "max_rss_mb": round(self.max_rss_mb, 1),
                "cpu_s": round(self.cpu_s, 2)}


def run_measured(argv: list[str], env: dict[str, str] | None = None, timeout: float = 3600,
                 cwd: str | Path | None = None, out_prefix: Path | None = None) -> Measured:
    """Run ``argv`` to completion; wall time and the child's peak RSS (``wait4``'s ru_maxrss).

    Only the direct child is measured; the tools here run in one process.
    Output goes to files (``out_prefix``.out/.err) so a chatty tool can't block on a pipe.
    """
    import tempfile

    prefix = out_prefix or Path(tempfile.mkdtemp(prefix="bench-")) / "run"
    prefix.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{prefix}.out", "w") as out, open(f"{prefix}.err", "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=cwd, text=True)
        deadline = time.monotonic() + timeout
        hwm_kb = 0
        try:
            while True:
                hwm_kb = max(hwm_kb, _vm_hwm_kb(proc.pid))
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    proc.kill()
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.02)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss counts the child from the fork, so it is never below this (bench) process's own
    # peak; the kernel's high-water mark of the exec'd program, polled, is the tool's own.
    return Measured(argv, proc.returncode, wall, (hwm_kb or usage.ru_maxrss) / 1024,
                    Path(f"{prefix}.out").read_text(errors="replace"),
                    Path(f"{prefix}.err").read_text(errors="replace"), usage.ru_utime + usage.ru_stime)


def _vm_hwm_kb(pid: int) -> int:
    """Peak resident set (VmHWM) of a running process, in KiB; 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


# -- estates ------------------------------------------------------------------------------------
@dataclass
class Estate:
    """A seeded estate: the credentials that see it, its regions and what the seeder made."""

    kind: str
    regions: list[str]
    account: str
    env: dict[str, str]  # AWS_* credentials for the tools under test
    seeded: dict[str, Any]
    seed_s: float


def seed_estate(moto_url: str, kind: str = "sample", scale: float = 1.0,
                regions: list[str] | None = None) -> Estate:
    """``sample``: awsgraph's own sandbox estate (``awsgraph.sandbox.seed``), in its demo account,
    seen through assumed-role credentials. ``scale``: ``bench/seed_scale.py`` at ``scale``."""
    import boto3

    t0 = time.perf_counter()
    if kind == "sample":
        from awsgraph.sandbox.seed import seed_estate as seed_sample
        from awsgraph.sandbox.server import DEMO_EXTERNAL_ID, DEMO_REGIONS, DEMO_ROLE_ARN

        os.environ.update(FAKE_CREDENTIALS)
        estate = seed_sample(moto_url, tuple(regions or DEMO_REGIONS))
        sts = boto3.client("sts", endpoint_url=moto_url, region_name="us-east-1")
        creds = sts.assume_role(RoleArn=DEMO_ROLE_ARN, RoleSessionName="bench", ExternalId=DEMO_EXTERNAL_ID,
                                DurationSeconds=43200)["Credentials"]
        env = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
               "AWS_SESSION_TOKEN": creds["SessionToken"]}
        seeded = {k: (len(v) if isinstance(v, list | dict | tuple) else 1) for k, v in estate.made.items()}
        return Estate("sample", list(estate.regions), estate.account, env, seeded, time.perf_counter() - t0)
    sys.path.insert(0, str(BENCH))
    import seed_scale

    report = seed_scale.seed_scale(moto_url, scale, regions or list(seed_scale.DEFAULT_REGIONS))
    env = {k: FAKE_CREDENTIALS[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    return Estate("scale", report["regions"], seed_scale.ACCOUNT, env, report["counts"], report["seconds"])


def tool_env(estate: Estate, **extra: str) -> dict[str, str]:
    env = clean_env(**estate.env)
    if "AWS_SESSION_TOKEN" not in estate.env:
        env.pop("AWS_SESSION_TOKEN", None)
    env.update(extra)
    return env


def ours_collect(proxy_url: str, estate: Estate, db: Path, *, services: list[str] | None = None,
                 workers: int | None = None, timeout: float = 3600, out_prefix: Path | None = None,
                 extra: list[str] | None = None) -> Measured:
    argv = [str(AWSGRAPH), "collect", "--endpoint-url", proxy_url, "--regions", ",".join(estate.regions),
            "--db", str(db), "--json"]
    if services:
        argv += ["--services", ",".join(services)]
    if workers:
        argv += ["--workers", str(workers)]
    argv += extra or []
    return run_measured(argv, env=tool_env(estate), timeout=timeout, out_prefix=out_prefix)


def json_tail(text: str) -> dict[str, Any] | None:
    """The last JSON object printed by a tool (its summary), or None."""
    start = text.find("{")
    while start != -1:
        try:
            return dict(json.loads(text[start:]))
        except ValueError:
            start = text.find("{", start + 1)
    return None


def _exit_with_parent() -> None:
    """A server child must not outlive the bench script that started it (even after kill -9)."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _serve_moto(port: int) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request log line
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _exit_with_parent()
    host, bound = server.get_host_and_port()
    print(f"moto listening on http://{host}:{bound}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def proxy_overhead(n: int = 300, threads: int = 16) -> dict[str, Any]:
    """What the proxy (with no latency or faults) adds to a cheap call, serially and under
    concurrency: the proxy must not be the bottleneck."""
    from concurrent.futures import ThreadPoolExecutor

    import boto3
    from botocore.config import Config

    def timed(url: str) -> dict[str, float]:
        cfg = Config(max_pool_connections=threads, retries={"max_attempts": 1})
        sts = boto3.client("sts", endpoint_url=url, region_name="us-east-1", config=cfg,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        for _ in range(20):
            sts.get_caller_identity()
        t0 = time.perf_counter()
        for _ in range(n):
            sts.get_caller_identity()
        serial = (time.perf_counter() - t0) / n
        t0 = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: sts.get_caller_identity(), range(n)))
        rate = n / (time.perf_counter() - t0)
        return {"serial_ms": round(serial * 1000, 2), f"req_per_s_{threads}_threads": round(rate)}

    with start_moto() as moto, start_proxy(moto.url) as px:
        direct = timed(moto.url)
        proxied = timed(px.url)
        sys.path.insert(0, str(BENCH))
        import proxy as bench_proxy

        stats = bench_proxy.fetch_stats(px.url)
    return {"direct": direct, "via_proxy": proxied, "proxy_overhead_ms_avg": stats["overhead_ms_avg"],
            "added_ms_serial": round(proxied["serial_ms"] - direct["serial_ms"], 2), "loadavg": loadavg()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="bench plumbing")
    sub = ap.add_subparsers(dest="cmd", required=True)
    moto = sub.add_parser("moto", help="serve moto on 127.0.0.1")
    moto.add_argument("--port", type=int, default=0)
    sub.add_parser("proxy-overhead", help="measure what the proxy adds per request")
    args = ap.parse_args(argv)
    if args.cmd == "proxy-overhead":
        print(json.dumps(proxy_overhead(), indent=1))
        return 0
    if args.cmd == "moto":
        import signal

        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        _serve_moto(args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
