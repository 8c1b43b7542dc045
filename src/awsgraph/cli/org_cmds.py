"""`awsgraph collect --org` and `--accounts-file`: several accounts in one run."""

from __future__ import annotations

import argparse

from awsgraph.cli.common import CliError, console
from awsgraph.cli.org_summary import OrgProgressBar, print_org_summary
from awsgraph.cli.output import print_json
from awsgraph.cli.worker_cmds import add_broker_flags, check_broker, check_shared_db, time_limit
from awsgraph.collect.config import EXTERNAL_ID, InstanceConfig
from awsgraph.collect.org import ACCOUNT_ID, ROLE_NAME, OrgError, OrgOptions, OrgSummary, run_organization
from awsgraph.collect.run import open_session
from awsgraph.collect.session import CredentialError
from awsgraph.store import describe, open_writer
from awsgraph.store.base import StoreBusy, StoreError

BUSY_EXIT = 1


def add_org_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("several accounts (an organization run)")
    g.add_argument("--org", action="store_true",
                   help="collect every ACTIVE account of the organization the credentials manage")
    g.add_argument("--member-role-name", metavar="NAME",
                   help="role to assume in each member account (e.g. OrganizationAccountAccessRole)")
    g.add_argument("--member-external-id", metavar="ID", help="external id the member role requires")
    g.add_argument("--account-workers", type=int, metavar="N",
                   help="accounts collected at once (default 4; each uses --workers concurrent calls)")
    g.add_argument("--accounts", metavar="ID,ID", help="only these accounts of the organization")
    g.add_argument("--exclude-accounts", metavar="ID,ID", help="every account of the organization but these")
    g.add_argument("--accounts-file", metavar="FILE",
                   help="TOML file of [[account]] entries (roleArn, externalId): accounts without Organizations")
    add_broker_flags(g)


def add_wait_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wait", type=float, metavar="SECONDS", default=0.0,
                   help="when another run is writing the database, wait up to this long (default: refuse)")


def wants_org(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "org", False) or getattr(args, "accounts_file", None))


def _ids(value: str | None, flag: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    ids = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [v for v in ids if not ACCOUNT_ID.match(v)]
    if bad or not ids:
        raise CliError(f"{flag} wants 12-digit account ids, comma-separated (got {value!r})")
    return ids


def org_options(args: argparse.Namespace) -> OrgOptions:
    org, file = bool(args.org), args.accounts_file
    member_only = {"--member-role-name": args.member_role_name, "--member-external-id": args.member_external_id,
                   "--accounts": args.accounts, "--exclude-accounts": args.exclude_accounts}
    if not org:
        used = [flag for flag, value in member_only.items() if value is not None]
        if used:
            raise CliError(f"{', '.join(used)} only go with --org")
        if args.account_workers is not None and not file:
            raise CliError("--account-workers only goes with --org or --accounts-file")
    if org and file:
        raise CliError("--org and --accounts-file are two ways to name the accounts: use one")
    if not (org or file) and (args.broker is not None or args.task_time_limit is not None):
        raise CliError("--broker and --task-time-limit go with --org or --accounts-file (workers collect accounts)")
    if org and not args.member_role_name:
        raise CliError("--org needs --member-role-name NAME (the role to assume in each member account)")
    if args.member_role_name is not None and not ROLE_NAME.match(args.member_role_name):
        raise CliError("malformed --member-role-name (letters, digits and +=,.@_/- only)")
    if args.member_external_id is not None and not EXTERNAL_ID.match(args.member_external_id):
        raise CliError("malformed --member-external-id (2-1224 characters of letters, digits and +=,.@:/-)")
    if args.accounts is not None and args.exclude_accounts is not None:
        raise CliError("use --accounts or --exclude-accounts, not both")
    workers = args.account_workers if args.account_workers is not None else 4
    if not 1 <= workers <= 64:
        raise CliError("--account-workers must be between 1 and 64")
    return OrgOptions(member_role_name=args.member_role_name, member_external_id=args.member_external_id,
                      account_workers=workers, accounts=_ids(args.accounts, "--accounts"),
                      exclude_accounts=_ids(args.exclude_accounts, "--exclude-accounts") or (),
                      accounts_file=file, wait=max(args.wait or 0.0, 0.0))


def execute_org(cfg: InstanceConfig, args: argparse.Namespace) -> OrgSummary:
    from awsgraph.cli.collect_cmds import check_reachable

    opts = org_options(args)
    err = console(stderr=True)
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
    dispatch = None
    if args.broker is not None:
        from awsgraph.workers.dispatch import CeleryDispatch

        check_broker(args.broker)
        check_shared_db(cfg.db)
        dispatch = CeleryDispatch(args.broker, cfg, store, in_flight=opts.account_workers,
                                  time_limit=time_limit(args))
    try:
        with OrgProgressBar(err) as progress:
            summary = run_organization(cfg, opts, store, source=session, progress=progress,
                                       on_wait=lambda message: err.print(message), dispatch=dispatch)
    except StoreBusy as exc:
        raise CliError(str(exc), BUSY_EXIT) from exc
    except OrgError as exc:
        raise CliError(str(exc), 1) from exc
    finally:
        store.close()
    if args.json:
        print_json(summary.to_dict())
    else:
        out = console()
        print_org_summary(out, summary)
        out.print(f"graph written to {describe(cfg.db)}")
    return summary
