"""`awsgraph collect`, `awsgraph demo` and `awsgraph sandbox`."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys
import urllib.parse
from collections.abc import Iterator
from typing import Any

from awsgraph.catalog import service_groups
from awsgraph.cli.common import DEFAULT_DB, CliError, console
from awsgraph.cli.output import inert, print_json
from awsgraph.cli.summary import print_summary, progress_bar
from awsgraph.collect.config import (
    DEFAULT_MAX_DETAILS,
    DEFAULT_MAX_ITEMS,
    DEFAULT_MAX_PAGES,
    ConfigError,
    InstanceConfig,
    build_config,
    load_file,
)
from awsgraph.collect.run import RunSummary, open_session, run_collection
from awsgraph.collect.session import CredentialError
from awsgraph.output_files import OutputError
from awsgraph.store import StoreError, describe, open_writer


def _add_collect_flags(p: argparse.ArgumentParser, *, with_credentials: bool = True) -> None:
    if with_credentials:
        p.add_argument("--role-arn", help="IAM role to assume (requires --external-id)")
        p.add_argument("--external-id", help="external id the role's trust policy requires")
        p.add_argument("--profile", help="AWS profile to use instead of the default credential chain")
        p.add_argument("--endpoint-url", default=None,
                       help="send every API call here (an emulator); AWS_ENDPOINT_URL also works")
        p.add_argument("--config", help="TOML file with the instance configuration")
        p.add_argument("--event", help='JSON event file: {"instance": {"id": ..., "config": {...}}}')
    p.add_argument("--regions", help="'all' (default: every enabled region) or r1,r2,...")
    p.add_argument("--services", help=f"only these services: {','.join(service_groups())}")
    p.add_argument("--exclude-services", help="skip these services")
    p.add_argument("--tag-account-name", help="stamp tag.AccountName on every entity")
    p.add_argument("--tag-production", choices=["true", "false"], help="stamp tag.Production on every entity")
    p.add_argument("--db", help=f"database file (default {DEFAULT_DB})")
    p.add_argument("--workers", type=int, help="concurrent API calls (default 32)")
    p.add_argument("--per-service", type=int, help="concurrent calls per service and region (default 16)")
    p.add_argument("--retry-mode", choices=["standard", "adaptive", "legacy"], help="botocore retry mode")
    p.add_argument("--max-attempts", type=int, help="attempts per call before giving up (default 10)")
    p.add_argument("--max-pages", type=int, help=f"pages per paginated call (default {DEFAULT_MAX_PAGES:,});"
                   " more makes the step partial")
    p.add_argument("--max-items", type=int, help=f"items per list call (default {DEFAULT_MAX_ITEMS:,})")
    p.add_argument("--max-details", type=int, help=f"detail calls per step (default {DEFAULT_MAX_DETAILS:,})")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--verbose", "-v", action="store_true", help="list every type and step in the summary")


def register(sub: Any) -> None:
    from awsgraph.cli.org_cmds import add_org_flags, add_wait_flag

    p = sub.add_parser("collect", help="collect an AWS account (or an organization) into the local graph")
    _add_collect_flags(p)
    add_wait_flag(p)
    add_org_flags(p)
    p.set_defaults(func=cmd_collect)

    d = sub.add_parser("demo", help="collect the bundled sandbox estate (moto) end to end")
    _add_collect_flags(d, with_credentials=False)
    d.add_argument("--out", default="awsgraph-out", help="where to write the jsonl export (default awsgraph-out)")
    d.add_argument("--port", type=int, default=0, help="port for the emulator (default: any free port)")
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("sandbox", help="serve the seeded emulator for other tools until Ctrl-C")
    s.add_argument("--port", type=int, default=0, help="port for the emulator (default: any free port)")
    s.add_argument("--host", default="127.0.0.1")
    s.set_defaults(func=cmd_sandbox)


def _cli_values(args: argparse.Namespace) -> dict[str, Any]:
    v = {
        "roleArn": getattr(args, "role_arn", None), "externalId": getattr(args, "external_id", None),
        "profile": getattr(args, "profile", None), "endpointUrl": getattr(args, "endpoint_url", None),
        "regions": args.regions, "services": args.services, "excludeServices": args.exclude_services,
        "tagAccountName": args.tag_account_name, "tagProduction": args.tag_production, "db": args.db,
        "workers": args.workers, "perService": args.per_service, "retryMode": args.retry_mode,
        "maxAttempts": args.max_attempts, "maxPages": args.max_pages, "maxItems": args.max_items,
        "maxDetails": args.max_details,
    }
    return {k: val for k, val in v.items() if val is not None}


def config_from_args(args: argparse.Namespace, extra: dict[str, Any] | None = None) -> InstanceConfig:
    try:
        file_values = load_file(getattr(args, "config", None), "config")
        event_values = load_file(getattr(args, "event", None), "event")
        return build_config(file_values, event_values, {**_cli_values(args), **(extra or {})}, service_groups())
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


def check_reachable(url: str, timeout: float = 5.0) -> None:
    """Fail in one line, before any credential is tried, when nothing answers at ``url``."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(f"--endpoint-url must be http(s)://host[:port], got {inert(url)!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise CliError(f"--endpoint-url has a bad port: {inert(url)}") from exc
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CliError(f"cannot reach {inert(url)}: {inert(reason)} (is the endpoint running?)") from exc


def execute(cfg: InstanceConfig, *, as_json: bool = False, verbose: bool = False, wait: float = 0.0) -> RunSummary:
    from awsgraph.store.base import StoreBusy

    out = console()
    if cfg.endpoint_url:
        check_reachable(cfg.endpoint_url)
    try:
        session = open_session(cfg)
    except CredentialError as exc:
        raise CliError(str(exc)) from exc
    try:
        store = open_writer(cfg.db)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    err = console(stderr=True)
    try:
        with progress_bar(err, "collecting") as progress:
            summary = run_collection(cfg, session, store, progress=progress, wait=wait,
                                     on_wait=lambda message: err.print(message))
    except StoreBusy as exc:
        raise CliError(str(exc), 1) from exc
    finally:
        store.close()
    if as_json:
        print_json(summary.to_dict())
    else:
        print_summary(out, summary, verbose=verbose, emulator=bool(cfg.endpoint_url))
        out.print(f"graph written to {describe(cfg.db)}")
    return summary


def cmd_collect(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    if cfg.endpoint_url is None and os.environ.get("AWS_ENDPOINT_URL"):
        cfg.endpoint_url = os.environ["AWS_ENDPOINT_URL"]
    from awsgraph.cli.org_cmds import execute_org, org_options, wants_org

    if wants_org(args):
        execute_org(cfg, args)
        return 0
    org_options(args)  # org-only flags without --org: one clear line
    execute(cfg, as_json=args.json, verbose=args.verbose, wait=max(args.wait or 0.0, 0.0))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from awsgraph.export.jsonl import export_jsonl
    from awsgraph.sandbox import DEMO_EXTERNAL_ID, DEMO_ROLE_ARN

    out = console(stderr=args.json)  # with --json, stdout holds the JSON summary alone
    with _stop_on_sigterm(), _sandbox(port=args.port) as sandbox:
        out.print(f"sandbox: seeded a multi-region estate in {sandbox.seed_seconds:.1f} s")
        # The sandbox seeds two regions; `--regions all` makes the demo discover every region
        # the emulator offers (slower: the emulator builds each region's backends on first use).
        regions = args.regions or ",".join(sandbox.regions)
        cfg = config_from_args(args, {"roleArn": DEMO_ROLE_ARN, "externalId": DEMO_EXTERNAL_ID,
                                      "endpointUrl": sandbox.url, "db": args.db or DEFAULT_DB,
                                      "regions": regions})
        with sandbox.credentials():
            execute(cfg, as_json=args.json, verbose=args.verbose)
    try:
        counts = export_jsonl(cfg.db, args.out)
    except (StoreError, OutputError) as exc:
        raise CliError(str(exc)) from exc
    out.print(f"export: {counts['entities']} entities and {counts['relationships']} relationships "
              f"in {args.out}/entities.jsonl and {args.out}/relationships.jsonl")
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from awsgraph.sandbox import DEMO_EXTERNAL_ID, DEMO_ROLE_ARN

    with _stop_on_sigterm(), _sandbox(port=args.port, host=args.host) as sandbox:
        print(f"sandbox: seeded emulator at {sandbox.url} (Ctrl-C to stop)")
        print(f"  try: AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing awsgraph collect "
              f"--endpoint-url {sandbox.url} --role-arn {DEMO_ROLE_ARN} --external-id {DEMO_EXTERNAL_ID}")
        sys.stdout.flush()
        try:
            sandbox.wait()
        except KeyboardInterrupt:
            print("sandbox: stopped")
    return 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that ``with Sandbox()`` stops its emulator on the way out."""


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _sandbox(port: int, host: str = "127.0.0.1") -> Iterator[Any]:
    from awsgraph.sandbox import Sandbox, SandboxError

    err = console(stderr=True)
    err.print("sandbox: starting the emulator…")
    try:
        sandbox = Sandbox(port=port, host=host,
                          on_ready=lambda url: err.print(f"sandbox: emulator listening at {url}; seeding…")).__enter__()
    except SandboxError as exc:
        raise CliError(str(exc)) from exc
    try:
        yield sandbox
    finally:
        sandbox.__exit__(None, None, None)
