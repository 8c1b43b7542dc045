"""`awsgraph collect`, `awsgraph demo` and `awsgraph sandbox`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from awsgraph.catalog import service_groups
from awsgraph.cli.common import CliError, console
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
from awsgraph.store.sqlite import StoreError, open_store


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
    p.add_argument("--db", help="database file (default awsgraph.db)")
    p.add_argument("--workers", type=int, help="concurrent API calls (default 32)")
    p.add_argument("--per-service", type=int, help="concurrent calls per service and region (default 16)")
    p.add_argument("--retry-mode", choices=["standard", "adaptive", "legacy"], help="botocore retry mode")
    p.add_argument("--max-attempts", type=int, help="attempts per call before giving up (default 10)")
    p.add_argument("--max-pages", type=int, help=f"pages per paginated call (default {DEFAULT_MAX_PAGES:,});"
                   " more makes the step partial")
    p.add_argument("--max-items", type=int, help=f"items per list call (default {DEFAULT_MAX_ITEMS:,})")
    p.add_argument("--max-details", type=int, help=f"detail calls per step (default {DEFAULT_MAX_DETAILS:,})")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--verbose", "-v", action="store_true", help="list every step in the summary")


def register(sub: Any) -> None:
    p = sub.add_parser("collect", help="collect an AWS account into the local graph")
    _add_collect_flags(p)
    p.set_defaults(func=cmd_collect)

    d = sub.add_parser("demo", help="collect the bundled sandbox estate (moto) end to end")
    _add_collect_flags(d, with_credentials=False)
    d.add_argument("--out", default="awsgraph-out", help="where to write the jsonl export (default awsgraph-out)")
    d.add_argument("--port", type=int, default=0, help="port for the emulator (default: any free port)")
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("sandbox", help="serve the seeded emulator for other tools until Ctrl-C")
    s.add_argument("--port", type=int, default=5055)
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


def execute(cfg: InstanceConfig, *, as_json: bool = False, verbose: bool = False) -> RunSummary:
    out = console()
    try:
        session = open_session(cfg)
    except CredentialError as exc:
        raise CliError(str(exc)) from exc
    try:
        store = open_store(cfg.db, write=True)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    try:
        with progress_bar(console(stderr=True), "collecting") as progress:
            summary = run_collection(cfg, session, store, progress=progress)
    finally:
        store.close()
    if as_json:
        print(json.dumps(summary.to_dict(), indent=2, default=str))
    else:
        print_summary(out, summary, verbose=verbose)
        out.print(f"graph written to {cfg.db}")
    return summary


def cmd_collect(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    if cfg.endpoint_url is None and os.environ.get("AWS_ENDPOINT_URL"):
        cfg.endpoint_url = os.environ["AWS_ENDPOINT_URL"]
    execute(cfg, as_json=args.json, verbose=args.verbose)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from awsgraph.export.jsonl import export_jsonl
    from awsgraph.sandbox import DEMO_EXTERNAL_ID, DEMO_ROLE_ARN, Sandbox

    out = console()
    with Sandbox(port=args.port) as sandbox:
        out.print(f"sandbox: moto serving a seeded multi-region estate at {sandbox.url} "
                  f"({sandbox.seed_seconds:.1f} s to seed)")
        # The sandbox seeds two regions; `--regions all` makes the demo discover every region
        # the emulator offers (slower: the emulator builds each region's backends on first use).
        regions = args.regions or ",".join(sandbox.regions)
        cfg = config_from_args(args, {"roleArn": DEMO_ROLE_ARN, "externalId": DEMO_EXTERNAL_ID,
                                      "endpointUrl": sandbox.url, "db": args.db or "awsgraph-demo.db",
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
    from awsgraph.sandbox import DEMO_EXTERNAL_ID, DEMO_ROLE_ARN, Sandbox

    with Sandbox(port=args.port, host=args.host) as sandbox:
        print(f"sandbox: seeded emulator at {sandbox.url} (Ctrl-C to stop)")
        print(f"  try: AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing awsgraph collect "
              f"--endpoint-url {sandbox.url} --role-arn {DEMO_ROLE_ARN} --external-id {DEMO_EXTERNAL_ID}")
        sys.stdout.flush()
        try:
            sandbox.wait()
        except KeyboardInterrupt:
            print("sandbox: stopped")
    return 0
