"""Organization runs on moto: discovery, members through their role, SCPs, cross-account edges,
a member whose role cannot be assumed, an account leaving the organization, accounts written by
two sources, and the incremental derivation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.org import OrgOptions, OrgSummary, run_organization
from awsgraph.collect.run import open_session
from awsgraph.store.sqlite import SQLiteStore
from tests.conftest import MOTO_CONFIG
from tests.helpers import collect

MGMT = "123456789012"
MEMBER_ROLE = "OrganizationAccountAccessRole"
ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def member_session(account: str) -> boto3.Session:
    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{MEMBER_ROLE}",
                                            RoleSessionName="seed")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name="us-east-1")


@dataclass
class Org:
    org_id: str
    root: str
    prod_ou: str
    dev_ou: str
    prod: str
    dev: str
    spare: str
    scp: str
    prod_vpc: str
    dev_vpc: str


def _new_account(org: Any, name: str) -> str:
    req = org.create_account(AccountName=name, Email=f"aws+{name}@example.com")
    return str(org.describe_create_account_status(
        CreateAccountRequestId=req["CreateAccountStatus"]["Id"])["CreateAccountStatus"]["AccountId"])


def build_estate() -> Org:
    """Management account, a prod OU whose SCP denies s3:DeleteBucket, a dev OU, and three
    members: prod and dev hold an admin role each, a bucket and a VPC peered with the other;
    dev's deployer role trusts prod's admin role. Seeds whatever boto3 reaches: in-process moto,
    or a moto server (``AWS_ENDPOINT_URL``)."""
    org = boto3.client("organizations", region_name="us-east-1")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    prod_ou = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    dev_ou = org.create_organizational_unit(ParentId=root, Name="dev")["OrganizationalUnit"]["Id"]
    prod, dev, spare = (_new_account(org, n) for n in ("prod", "dev", "spare"))
    org.move_account(AccountId=prod, SourceParentId=root, DestinationParentId=prod_ou)
    org.move_account(AccountId=dev, SourceParentId=root, DestinationParentId=dev_ou)
    scp = org.create_policy(
        Name="no-bucket-deletes", Description="prod keeps its buckets", Type="SERVICE_CONTROL_POLICY",
        Content=_doc({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}),
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=scp, TargetId=prod_ou)
    boto3.client("iam").create_account_alias(AccountAlias="acme-mgmt")
    trust_mgmt = _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MGMT}:root"},
                       "Action": "sts:AssumeRole"})
    vpcs = {}
    for name, account in (("prod", prod), ("dev", dev)):
        s = member_session(account)
        iam = s.client("iam")
        iam.create_role(RoleName="admin", AssumeRolePolicyDocument=trust_mgmt)
        iam.put_role_policy(RoleName="admin", PolicyName="everything", PolicyDocument=json.dumps(ALL))
        s.client("s3").create_bucket(Bucket=f"{name}-data-{account}")
        vpcs[name] = s.client("ec2").create_vpc(CidrBlock="10.1.0.0/16" if name == "prod" else "10.2.0.0/16"
                                                )["Vpc"]["VpcId"]
    member_session(dev).client("iam").create_role(
        RoleName="deployer", AssumeRolePolicyDocument=_doc(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{prod}:role/admin"},
             "Action": "sts:AssumeRole"}))
    # prod's bucket lets the dev account in (its principals' own policies decide who)
    member_session(prod).client("s3").put_bucket_policy(Bucket=f"prod-data-{prod}", Policy=_doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{dev}:root"}, "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::prod-data-{prod}", f"arn:aws:s3:::prod-data-{prod}/*"]}))
    pcx = member_session(prod).client("ec2").create_vpc_peering_connection(
        VpcId=vpcs["prod"], PeerVpcId=vpcs["dev"], PeerOwnerId=dev)["VpcPeeringConnection"]
    member_session(dev).client("ec2").accept_vpc_peering_connection(
        VpcPeeringConnectionId=pcx["VpcPeeringConnectionId"])
    return Org(org_id, root, prod_ou, dev_ou, prod, dev, spare, scp, vpcs["prod"], vpcs["dev"])


@pytest.fixture(scope="module")
def estate() -> Iterator[Org]:
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        yield build_estate()


def _cfg(db: str) -> InstanceConfig:
    return InstanceConfig(regions=["us-east-1"], services=["iam", "ec2", "s3"], db=db, workers=8, max_attempts=2)


def org_run(db: str, **opts: Any) -> OrgSummary:
    cfg = _cfg(db)
    session = open_session(cfg)
    hook = opts.pop("hook", None)
    progress = opts.pop("progress", None)
    if hook is not None:
        session.botocore_session.register("before-parameter-build.sts.AssumeRole", hook)
    store = SQLiteStore(db)
    try:
        return run_organization(cfg, OrgOptions(member_role_name=MEMBER_ROLE, **opts), store, source=session,
                                progress=progress)
    finally:
        store.close()


def graph(db: str) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    store = SQLiteStore(db)
    try:
        ents = {e.key: e.props for e in store.iter_entities()}
        rows = store.connection.execute(
            "SELECT props, mapped FROM relationships WHERE deleted_run IS NULL").fetchall()
    finally:
        store.close()
    return ents, [{**json.loads(p), "mapped": bool(m)} for p, m in rows]


def rel(rels: list[dict[str, Any]], frm: str, verb: str, to: str) -> dict[str, Any] | None:
    return next((r for r in rels if r["_fromEntityKey"] == frm and r["_class"] == verb
                 and r["_toEntityKey"] == to), None)


ASSUMED: list[dict[str, Any]] = []  # the AssumeRole requests of the first run, as sent


@pytest.fixture(scope="module")
def first_run(estate: Org, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, OrgSummary]:
    db = str(tmp_path_factory.mktemp("org") / "org.db")

    def record(params: dict[str, Any], **_: Any) -> None:
        ASSUMED.append(dict(params))

    return db, org_run(db, member_external_id="ext-org-7", hook=record, progress=PROGRESS)


class Recorder:
    """What an organization run tells its progress display."""

    def __init__(self) -> None:
        self.total = 0
        self.started: list[str] = []
        self.steps: dict[str, list[tuple[int, int]]] = {}
        self.done: list[str] = []
        self.derived: list[tuple[int, int]] = []

    def planned(self, total: int) -> None:
        self.total = total

    def account_started(self, account: str, name: str) -> None:
        self.started.append(account)

    def account_steps(self, account: str, done: int, total: int) -> None:
        self.steps.setdefault(account, []).append((done, total))

    def account_done(self, outcome: Any) -> None:
        self.done.append(outcome.account_id)

    def deriving(self, done: int, total: int) -> None:
        self.derived.append((done, total))


PROGRESS = Recorder()


def test_progress_shows_accounts_done_of_total_and_each_accounts_steps(first_run: tuple[str, OrgSummary]) -> None:
    from io import StringIO

    from rich.console import Console

    from awsgraph.cli.org_summary import OrgProgressBar

    _db, summary = first_run
    accounts = {a.account_id for a in summary.accounts}
    assert PROGRESS.total == len(accounts) == 4
    assert sorted(PROGRESS.started) == sorted(PROGRESS.done) == sorted(accounts)
    for account in accounts:  # each account's steps, counted up to all of them
        steps = PROGRESS.steps[account]
        assert steps[-1][0] == steps[-1][1] > 0 and [d for d, _t in steps] == sorted(d for d, _t in steps)
    assert PROGRESS.derived and PROGRESS.derived[-1][0] == PROGRESS.derived[-1][1]
    # on a terminal: an overall bar of accounts and a bar per running account, fed by those calls
    bar = OrgProgressBar(Console(file=StringIO(), force_terminal=True, width=120))
    with bar:
        bar.planned(4)
        bar.account_started(MGMT, "mgmt")
        bar.account_steps(MGMT, 3, 10)
        assert bar._progress is not None
        shown = {t.description.strip(): (t.completed, t.total) for t in bar._progress.tasks}
        assert shown == {"accounts": (0, 4), f"{MGMT} (mgmt)": (3, 10)}
        bar.account_done(summary.accounts[0])
        assert {t.description for t in bar._progress.tasks} == {"accounts"}
        assert bar._progress.tasks[0].completed == 1


def test_discovery_and_each_member_through_its_role(estate: Org, first_run: tuple[str, OrgSummary]) -> None:
    db, summary = first_run
    statuses = {a.account_id: a.status for a in summary.accounts}
    assert {statuses[a] for a in (MGMT, estate.prod, estate.dev, estate.spare)} == {"success"}
    assert summary.plan.organization_id == estate.org_id and summary.plan.management_account == MGMT
    # moto admits any role name and external id (moto-notes), so the requests themselves are checked:
    # each member once through arn:aws:iam::{id}:role/NAME with the external id, the management account
    # with the starting credentials (no AssumeRole into it)
    assert sorted((a["RoleArn"], a.get("ExternalId")) for a in ASSUMED) == sorted(
        (f"arn:aws:iam::{a}:role/{MEMBER_ROLE}", "ext-org-7") for a in (estate.prod, estate.dev, estate.spare))
    ents, rels = graph(db)
    # each member was read through its own session: its role lives in its account
    for account in (estate.prod, estate.dev):
        role = ents[f"arn:aws:iam::{account}:role/admin"]
        assert role["accountId"] == account
    org_key = next(k for k, e in ents.items() if e["_type"] == "aws_organization")
    ou = {e["name"]: k for k, e in ents.items() if e["_type"] == "aws_organizations_ou"}
    assert set(ou) == {"prod", "dev"}
    assert rel(rels, org_key, "HAS", ou["prod"]) and rel(rels, ou["prod"], "CONTAINS", f"aws:account:{estate.prod}")
    assert rel(rels, org_key, "CONTAINS", f"aws:account:{estate.spare}")
    assert rel(rels, f"aws:account:{MGMT}", "MANAGES", org_key)
    scp = next(k for k, e in ents.items() if e.get("name") == "no-bucket-deletes")
    assert ents[scp]["_class"] == ["ControlPolicy"] and "s3:DeleteBucket" in ents[scp]["content"]
    assert rel(rels, scp, "ENFORCES", ou["prod"])
    # the account entity joins its own run's view and the organization's
    prod = ents[f"aws:account:{estate.prod}"]
    assert prod["email"] == "aws+prod@example.com" and prod["parentId"] == estate.prod_ou
    assert ents[f"aws:account:{MGMT}"]["alias"] == "acme-mgmt"
    assert summary.to_dict()["accountsByStatus"]["partial"] == 0


def test_cross_account_trusts_and_peering_end_on_real_entities(estate: Org, first_run: tuple[str, OrgSummary]
                                                                ) -> None:
    db, _ = first_run
    ents, rels = graph(db)
    trust = rel(rels, f"arn:aws:iam::{estate.dev}:role/deployer", "TRUSTS", f"arn:aws:iam::{estate.prod}:role/admin")
    assert trust is not None and not trust["mapped"] and trust["crossAccount"] is True
    vpc_keys = {e["vpcId"]: k for k, e in ents.items() if e["_type"] == "aws_vpc" and "vpcId" in e}
    peering = rel(rels, vpc_keys[estate.prod_vpc], "CONNECTS", vpc_keys[estate.dev_vpc])
    assert peering is not None and not peering["mapped"] and peering["crossAccount"] is True
    # the bucket policy naming the dev account ends on its real account entity
    allows = rel(rels, f"arn:aws:s3:::prod-data-{estate.prod}", "ALLOWS", f"aws:account:{estate.dev}")
    assert allows is not None and not allows["mapped"]
    # no placeholder stands in for anything an account of the run holds
    assert not [k for k, e in ents.items() if e.get("_source") == "system-mapper" and e["_type"] in
                ("aws_vpc", "aws_iam_role", "aws_account")]


def test_scp_aware_who_can(estate: Org, first_run: tuple[str, OrgSummary], capsys: pytest.CaptureFixture[str],
                           tmp_path: Path) -> None:
    from awsgraph.cli import main

    db, _ = first_run
    bucket = f"arn:aws:s3:::prod-data-{estate.prod}"
    assert main(["who-can", "s3:DeleteBucket", bucket, "--db", db, "--json"]) == 0
    who = {a["principal"] for a in json.loads(capsys.readouterr().out)}
    # prod's SCP (on its OU) denies it to prod's admin; dev's admin is allowed by the bucket policy
    assert f"arn:aws:iam::{estate.dev}:role/admin" in who
    assert f"arn:aws:iam::{estate.prod}:role/admin" not in who
    assert main(["who-can", "s3:GetObject", bucket + "/k", "--db", db, "--json"]) == 0
    assert f"arn:aws:iam::{estate.prod}:role/admin" in {a["principal"] for a in json.loads(capsys.readouterr().out)}
    # --scp stays an override: an allow-all file puts prod's admin back
    allow = tmp_path / "allow.json"
    allow.write_text(json.dumps(ALL))
    assert main(["who-can", "s3:DeleteBucket", bucket, "--db", db, "--json", "--scp", str(allow)]) == 0
    assert f"arn:aws:iam::{estate.prod}:role/admin" in {a["principal"] for a in json.loads(capsys.readouterr().out)}
    # iam simulate given an account; the management account is not subject to SCPs
    policy = tmp_path / "admin.json"
    policy.write_text(json.dumps(ALL))
    args = ["iam", "simulate", "--policy", str(policy), "--action", "s3:DeleteBucket", "--resource", bucket,
            "--db", db, "--json"]
    assert main([*args, "--account", estate.prod]) == 0
    assert json.loads(capsys.readouterr().out)["decision"] == "deny"
    for account in (estate.dev, MGMT):
        assert main([*args, "--account", account]) == 0
        assert json.loads(capsys.readouterr().out)["decision"] == "allow"
    # a service-linked role is exempt
    assert main([*args, "--principal", f"arn:aws:iam::{estate.prod}:role/aws-service-role/s3.amazonaws.com/x"]) == 0
    assert json.loads(capsys.readouterr().out)["decision"] == "allow"


def test_scps_in_derived_allows(estate: Org, first_run: tuple[str, OrgSummary]) -> None:
    from awsgraph.analysis import GraphView, Record
    from awsgraph.analysis.orgs import ORG_TYPES, scp_levels

    db, _ = first_run
    store = SQLiteStore(db)
    try:
        view = GraphView(Record(e.key, e.type, e.props) for e in store.iter_entities(ORG_TYPES))
    finally:
        store.close()
    prod_levels = scp_levels(view, estate.prod)
    assert prod_levels is not None and len(prod_levels) == 3  # root, the prod OU, the account
    assert any("s3:DeleteBucket" in json.dumps(doc) for doc in prod_levels[1])
    assert scp_levels(view, MGMT) is None  # the management account is not subject
    _ents, rels = graph(db)
    prod_edge = rel(rels, f"arn:aws:iam::{estate.prod}:role/admin|inline-policy|everything", "ALLOWS",
                    f"aws:account:{estate.prod}")
    dev_edge = rel(rels, f"arn:aws:iam::{estate.dev}:role/admin|inline-policy|everything", "ALLOWS",
                   f"aws:account:{estate.dev}")
    assert prod_edge is not None and prod_edge.get("scpLimited") is True
    assert dev_edge is not None and "scpLimited" not in dev_edge


def test_member_whose_role_fails_is_partial_and_keeps_its_data(estate: Org, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from awsgraph.cli import main, org_cmds

    db = str(tmp_path / "broken.db")
    org_run(db)
    before, _ = graph(db)
    dev_before = {k: e for k, e in before.items() if e.get("accountId") == estate.dev}

    # moto never evaluates trust policies, so STS is made to refuse this one role the way AWS
    # would, by a hook on the starting session that every chained STS client inherits.
    def refuse(params: dict[str, Any], **_: Any) -> None:
        if f":{estate.dev}:" in str(params.get("RoleArn")):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized to assume"}},
                              "AssumeRole")

    def refusing_session(cfg: InstanceConfig) -> Any:
        session = open_session(cfg)
        session.botocore_session.register("before-parameter-build.sts.AssumeRole", refuse)
        return session

    monkeypatch.setattr(org_cmds, "open_session", refusing_session)
    args = ["collect", "--org", "--member-role-name", MEMBER_ROLE, "--regions", "us-east-1", "--services",
            "iam,ec2,s3", "--db", db, "--workers", "8", "--max-attempts", "2"]
    assert main([*args, "--json"]) == 0  # the organization was listed: a partial member does not fail the run
    summary = json.loads(capsys.readouterr().out)
    outcome = {a["account"]: a for a in summary["accounts"]}
    assert outcome[estate.dev]["status"] == "partial"
    assert "AssumeRole failed" in outcome[estate.dev]["reason"] and "AccessDenied" in outcome[estate.dev]["reason"]
    assert outcome[estate.prod]["status"] == "success" and outcome[MGMT]["status"] == "success"
    assert summary["accountsByStatus"]["partial"] == 1
    assert main(args) == 0  # the table says which account, and why
    text = capsys.readouterr().out
    assert "partial and failed accounts kept what earlier runs knew" in text and estate.dev in text
    assert "AssumeRole failed" in text
    after, _ = graph(db)
    assert {k: e for k, e in after.items() if e.get("accountId") == estate.dev} == dev_before


def test_account_that_left_the_organization_is_marked_deleted(estate: Org, tmp_path: Path) -> None:
    db = str(tmp_path / "left.db")
    org = boto3.client("organizations", region_name="us-east-1")
    leaver = _new_account(org, "leaver")
    org_run(db, accounts=(MGMT, leaver))
    assert f"aws:account:{leaver}" in graph(db)[0]
    org.remove_account_from_organization(AccountId=leaver)
    summary = org_run(db, accounts=(MGMT,))
    assert summary.left_organization == [leaver]
    assert any(leaver in note for note in summary.notes)
    ents, _ = graph(db)
    assert f"aws:account:{leaver}" not in ents and f"aws:account:{estate.prod}" in ents
    store = SQLiteStore(db)
    try:
        deleted = store.connection.execute("SELECT count(*) FROM history WHERE key=? AND op='deleted'",
                                           (f"aws:account:{leaver}",)).fetchone()[0]
    finally:
        store.close()
    assert deleted == 1


def test_accounts_are_not_overwritten_by_another_accounts_run(estate: Org, tmp_path: Path) -> None:
    """Issue 12 item 3: management and member collected one at a time into one database."""
    db = str(tmp_path / "two.db")
    member_role = f"arn:aws:iam::{estate.dev}:role/{MEMBER_ROLE}"

    def accounts() -> tuple[dict[str, Any], dict[str, Any]]:
        ents, _ = graph(db)
        return ents[f"aws:account:{MGMT}"], ents[f"aws:account:{estate.dev}"]

    collect(db, services=["iam"])
    mgmt_alone, dev_listed = accounts()  # the member as ListAccounts gives it
    collect(db, services=["iam"], role_arn=member_role, external_id="unused-by-moto")
    mgmt, dev = accounts()
    assert mgmt == mgmt_alone  # the member's run left the management account as its own run wrote it
    assert {k: dev[k] for k in ("email", "status", "masterAccountId")} == {
        k: dev_listed[k] for k in ("email", "status", "masterAccountId")}
    assert mgmt["alias"] == "acme-mgmt" and mgmt["name"] == "acme-mgmt"
    assert dev["email"] == "aws+dev@example.com" and dev["status"] == "ACTIVE" and dev["name"] == "dev"
    assert dev["masterAccountId"] == MGMT
    again = collect(db, services=["iam"])
    assert accounts() == (mgmt, dev)
    assert again.summary.changes["updated"] == 0
    collect(db, services=["iam"], role_arn=member_role, external_id="unused-by-moto")
    assert accounts() == (mgmt, dev)
    # no run recorded a change to either account (the member's role it assumed does change: lastUsedOn)
    store = SQLiteStore(db)
    try:
        flips = store.connection.execute("SELECT count(*) FROM history WHERE key IN (?, ?) AND op = 'updated'",
                                         (f"aws:account:{MGMT}", f"aws:account:{estate.dev}")).fetchone()[0]
    finally:
        store.close()
    assert flips == 0


def test_a_member_collected_on_its_own_that_left_is_marked_deleted_by_the_management_run(
        estate: Org, tmp_path: Path) -> None:
    """Accounts collected one at a time (no organization run): the management account's next
    successful ListAccounts no longer lists the member, so its account entity is deleted; what
    remains is the placeholder its own resources still point to, without the organization's data."""
    db = str(tmp_path / "plain-left.db")
    org = boto3.client("organizations", region_name="us-east-1")
    gone = _new_account(org, "gone")
    iam = member_session(gone).client("iam")  # a role of its own, trusting the management account
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=_doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MGMT}:root"}, "Action": "sts:AssumeRole"}))
    iam.put_role_policy(RoleName="admin", PolicyName="everything", PolicyDocument=json.dumps(ALL))
    collect(db, services=["iam"])
    collect(db, services=["iam"], role_arn=f"arn:aws:iam::{gone}:role/{MEMBER_ROLE}", external_id="unused-by-moto")
    assert graph(db)[0][f"aws:account:{gone}"]["email"] == "aws+gone@example.com"
    org.remove_account_from_organization(AccountId=gone)
    got = collect(db, services=["iam"])  # an upsert of an entity queued earlier in the run aborted this once
    assert got.summary.changes["deleted"] >= 1
    store = SQLiteStore(db)
    try:
        ops = [r[0] for r in store.connection.execute(
            "SELECT op FROM history WHERE key = ? AND kind = 'entity' ORDER BY rowid", (f"aws:account:{gone}",))]
    finally:
        store.close()
    assert "deleted" in ops, ops
    left = graph(db)[0].get(f"aws:account:{gone}")
    assert left is None or (left["_source"] == "system-mapper" and "email" not in left and "status" not in left)


def test_placeholder_becomes_the_real_entity_when_its_account_is_collected(estate: Org, tmp_path: Path) -> None:
    db = str(tmp_path / "later.db")
    dev_only = org_run(db, accounts=(estate.dev,))
    assert {a.account_id for a in dev_only.accounts} == {MGMT, estate.dev}
    prod_admin = f"arn:aws:iam::{estate.prod}:role/admin"
    ents, rels = graph(db)
    trust = rel(rels, f"arn:aws:iam::{estate.dev}:role/deployer", "TRUSTS", prod_admin)
    assert trust is not None and trust["mapped"] and ents[prod_admin]["_source"] == "system-mapper"
    with_prod = org_run(db, accounts=(estate.prod,))
    ents, rels = graph(db)
    trust = rel(rels, f"arn:aws:iam::{estate.dev}:role/deployer", "TRUSTS", prod_admin)
    assert trust is not None and not trust["mapped"] and "_source" not in ents[prod_admin]
    # only prod and the accounts whose relationships cross into it were derived again, not dev's
    # whole account twice; the management account (organization only) did not change
    assert with_prod.derived["derived_accounts"] <= 3
    store = SQLiteStore(db)
    try:
        assert store.dirty_accounts() == []
    finally:
        store.close()


def test_cli_accounts_file_and_json(estate: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from awsgraph.cli import main

    accounts = tmp_path / "accounts.toml"
    accounts.write_text("".join(
        f'[[account]]\nroleArn = "arn:aws:iam::{a}:role/{MEMBER_ROLE}"\nexternalId = "ext-{a}"\nname = "{n}"\n\n'
        for a, n in ((estate.prod, "prod"), (estate.dev, "dev"))))
    db = str(tmp_path / "file.db")
    assert main(["collect", "--accounts-file", str(accounts), "--regions", "us-east-1", "--services", "iam",
                 "--db", db, "--json", "--workers", "4"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["mode"] == "accounts-file" and out["accountsTotal"] == 2
    # progress, not on a terminal: one line per account done, with the count
    assert "[1/2]" in captured.err and "[2/2]" in captured.err
    assert {(a["account"], a["name"], a["status"]) for a in out["accounts"]} == {
        (estate.prod, "prod", "success"), (estate.dev, "dev", "success")}
    assert all(a["entities"] > 0 and a["apiCalls"] > 0 for a in out["accounts"])
    ents, rels = graph(db)
    assert rel(rels, f"arn:aws:iam::{estate.dev}:role/deployer", "TRUSTS", f"arn:aws:iam::{estate.prod}:role/admin")
    assert f"aws:account:{MGMT}" not in ents or ents[f"aws:account:{MGMT}"].get("_source") == "system-mapper"
    # the table, not JSON: one row per account
    assert main(["collect", "--accounts-file", str(accounts), "--regions", "us-east-1", "--services", "iam",
                 "--db", db]) == 0
    text = capsys.readouterr().out
    assert estate.prod in text and estate.dev in text and "accounts: 2 (2 success" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--member-role-name", "x"], "only go with --org"),
    (["--org"], "--org needs --member-role-name"),
    (["--org", "--member-role-name", "r", "--accounts", "12"], "12-digit account ids"),
    (["--org", "--member-role-name", "r", "--accounts", "111111111111", "--exclude-accounts", "222222222222"],
     "not both"),
    (["--org", "--member-role-name", "r", "--accounts-file", "a.toml"], "use one"),
    (["--accounts-file", "missing.toml"], "accounts file not found"),
    (["--org", "--member-role-name", "r", "--account-workers", "0"], "between 1 and 64"),
])
def test_org_flags_are_checked_in_one_line(args: list[str], message: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from awsgraph.cli import main

    with mock_aws():
        code = main(["collect", "--regions", "us-east-1", "--db", str(tmp_path / "x.db"), *args])
    err = capsys.readouterr().err.strip()
    assert code in (1, 2) and len(err.splitlines()) == 1 and message in err, err


def test_an_organization_that_cannot_be_listed_is_one_error(estate: Org, tmp_path: Path) -> None:
    from awsgraph.collect.org import OrgError

    def deny(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not the management account"}},
                          "ListAccounts")

    cfg = _cfg(str(tmp_path / "denied.db"))
    session = open_session(cfg)
    session.botocore_session.register("before-parameter-build.organizations.ListAccounts", deny)
    store = SQLiteStore(cfg.db)
    try:
        with pytest.raises(OrgError, match=r"cannot list the organization.*AccessDeniedException"):
            run_organization(cfg, OrgOptions(member_role_name=MEMBER_ROLE), store, source=session)
        assert store.runs() == []  # nothing was started
    finally:
        store.close()


def test_the_plan_takes_active_selected_accounts_and_says_why_not_the_others(estate: Org, tmp_path: Path) -> None:
    """--exclude-accounts and a suspended account: not collected, each listed with its reason; the
    management account still lists the organization. (Last in this module: it closes an account.)"""
    from awsgraph.collect.org import plan_organization

    org = boto3.client("organizations", region_name="us-east-1")
    closed = _new_account(org, "closed")
    org.close_account(AccountId=closed)  # moto lists it SUSPENDED
    session = open_session(_cfg(str(tmp_path / "plan.db")))
    plan = plan_organization(session, OrgOptions(member_role_name=MEMBER_ROLE, exclude_accounts=(estate.spare,)))
    targets = {t.account_id: t for t in plan.targets}
    assert set(targets) == {MGMT, estate.prod, estate.dev}
    assert targets[MGMT].lists_organization and targets[MGMT].role_arn is None
    skipped = {s["account"]: s["reason"] for s in plan.skipped}
    assert skipped == {estate.spare: "not selected", closed: "status SUSPENDED"}
    only = plan_organization(session, OrgOptions(member_role_name=MEMBER_ROLE, accounts=(estate.dev,)))
    assert [(t.account_id, t.organization_only) for t in only.targets] == [(MGMT, True), (estate.dev, False)]
