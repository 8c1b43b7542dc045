"""Escalation across the accounts of an organization, on moto: a member's user allowed to assume
the management account's administrator role (whose trust admits the member) gets the edge in
one org run, loses it when the trust stops admitting the member, is stopped by its own SCP, and
a chain through two accounts is two steps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from awsgraph.collect import run as collect_run
from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.org import OrgOptions, OrgSummary, run_organization
from awsgraph.collect.run import open_session
from awsgraph.store.sqlite import SQLiteStore
from tests.collect.test_org import ALL, MEMBER_ROLE, MGMT, _doc, _new_account, graph, member_session, rel
from tests.conftest import MOTO_CONFIG


def role_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def user_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def trust(*principals: str) -> str:
    return _doc({"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"})


def may_assume(*roles: str) -> str:
    return _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(roles)})


@dataclass
class Estate:
    dev: str  # a member whose users may assume roles in the management account
    locked: str  # a member whose SCP denies sts:AssumeRole
    bystander: str  # a member whose user may assume any role, and no role trusts it


@pytest.fixture(scope="module")
def estate() -> Iterator[Estate]:
    """Management: ``org-admin`` (administrator; trusts both members), ``hop`` (trusts dev's
    ``hopper``; may assume dev's ``dev-admin``). dev: ``dev-user`` and ``hopper`` (each allowed
    to assume one management role), ``dev-admin`` (administrator; trusts the management
    account). locked (in an OU whose SCP denies sts:AssumeRole): ``locked-user``, allowed like
    ``dev-user``. bystander: ``roamer``, allowed to assume any role."""
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
        locked_ou = org.create_organizational_unit(ParentId=root, Name="locked")["OrganizationalUnit"]["Id"]
        dev, locked, bystander = (_new_account(org, n) for n in ("dev", "locked", "bystander"))
        org.move_account(AccountId=locked, SourceParentId=root, DestinationParentId=locked_ou)
        scp = org.create_policy(
            Name="no-assume-role", Description="locked stays in its account", Type="SERVICE_CONTROL_POLICY",
            Content=_doc({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}),
        )["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=scp, TargetId=locked_ou)
        iam = boto3.client("iam")
        iam.create_role(RoleName="org-admin", AssumeRolePolicyDocument=trust(
            f"arn:aws:iam::{dev}:root", f"arn:aws:iam::{locked}:root"))
        iam.put_role_policy(RoleName="org-admin", PolicyName="everything", PolicyDocument=json.dumps(ALL))
        iam.create_role(RoleName="hop", AssumeRolePolicyDocument=trust(user_arn(dev, "hopper")))
        iam.put_role_policy(RoleName="hop", PolicyName="to-dev", PolicyDocument=may_assume(role_arn(dev, "dev-admin")))
        for account, name in ((dev, "dev-user"), (locked, "locked-user")):
            member = member_session(account).client("iam")
            member.create_user(UserName=name)
            member.put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=may_assume(
                role_arn(MGMT, "org-admin")))
        member = member_session(dev).client("iam")
        member.create_user(UserName="hopper")
        member.put_user_policy(UserName="hopper", PolicyName="assume", PolicyDocument=may_assume(role_arn(MGMT, "hop")))
        member.create_role(RoleName="dev-admin", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{MGMT}:root"))
        member.put_role_policy(RoleName="dev-admin", PolicyName="everything", PolicyDocument=json.dumps(ALL))
        roamer = member_session(bystander).client("iam")
        roamer.create_user(UserName="roamer")
        roamer.put_user_policy(UserName="roamer", PolicyName="assume", PolicyDocument=may_assume("*"))
        yield Estate(dev, locked, bystander)


def org_run(db: str) -> OrgSummary:
    cfg = InstanceConfig(regions=["us-east-1"], services=["iam"], db=db, workers=8, max_attempts=2)
    store = SQLiteStore(db)
    try:
        return run_organization(cfg, OrgOptions(member_role_name=MEMBER_ROLE), store, source=open_session(cfg))
    finally:
        store.close()


def privesc(db: str, capsys: pytest.CaptureFixture[str], *extra: str) -> Any:
    from awsgraph.cli import main

    assert main(["privesc", "--db", db, *extra]) == 0
    out = capsys.readouterr().out
    return json.loads(out) if "json" in extra else out


def steps(row: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(s["technique"], s["from"], s["to"]) for s in row["path"]]


@pytest.fixture(scope="module")
def first_run(estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("xacct") / "org.db")
    org_run(db)
    return db


def test_assume_role_into_another_account_is_an_edge_and_a_path(estate: Estate, first_run: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    ents, rels = graph(first_run)
    dev_user, org_admin = user_arn(estate.dev, "dev-user"), role_arn(MGMT, "org-admin")
    edge = rel(rels, dev_user, "MANAGES", org_admin)
    assert edge is not None and edge["technique"] == "sts-assume-role" and edge["crossAccount"] is True
    assert edge["_key"].endswith("|sts-assume-role") and not edge["mapped"]
    # asserted by the caller's account alone, though both accounts were derived
    store = SQLiteStore(first_run)
    try:
        owners = store.connection.execute("SELECT owner FROM owned WHERE kind='r' AND key=?",
                                          (edge["_key"],)).fetchall()
    finally:
        store.close()
    assert owners == [(estate.dev,)]
    assert ents[org_admin]["administrator"] is True
    # the member's own derivation decided that the role it reaches is an administrator
    assert ents[dev_user]["escalatesToAdmin"] is True and ents[dev_user]["escalationReaches"] == org_admin
    rows = {r["principal"]: r for r in privesc(first_run, capsys, "--format", "json")}
    assert rows[dev_user]["reaches"] == org_admin
    assert steps(rows[dev_user]) == [("sts-assume-role", dev_user, org_admin)]
    assert rows[dev_user]["path"][0]["actions"] == ["sts:AssumeRole"]
    table = privesc(first_run, capsys, "--principal", dev_user)
    assert "1. sts-assume-role" in table and "(another account)" in table


def test_questions_follow_the_edge_into_the_other_account(estate: Estate, first_run: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from awsgraph.cli import main

    assert main(["ask", "privilege-escalation", "--db", first_run, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"principal.name": "dev-user", "principal.accountId": estate.dev, "target.name": "org-admin",
            "target.accountId": MGMT, "target.administrator": True, "escalation.crossAccount": True}.items() <= next(
        r for r in rows if r["principal.name"] == "dev-user").items()
    # what the role in the other account may do, one J1QL path from the member's user
    assert main(["query", "--db", first_run, "--format", "json",
                 "FIND aws_iam_user WITH name = 'dev-user' AS u THAT MANAGES >> aws_iam_role AS r "
                 "THAT HAS >> AccessPolicy AS p THAT ALLOWS >> AS g aws_account AS a "
                 "RETURN r.accountId, p.name, g.admin, a.accountId"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"r.accountId": MGMT, "p.name": "everything", "g.admin": True, "a.accountId": MGMT}]


def test_the_callers_scp_denies_assume_role(estate: Estate, first_run: str, capsys: pytest.CaptureFixture[str]) -> None:
    ents, rels = graph(first_run)
    locked_user = user_arn(estate.locked, "locked-user")
    assert locked_user in ents and ents[locked_user].get("escalatesToAdmin") is None
    assert not [r for r in rels if r["_fromEntityKey"] == locked_user and r["_class"] == "MANAGES"]
    assert locked_user not in {r["principal"] for r in privesc(first_run, capsys, "--format", "json")}


def test_a_chain_through_two_accounts_is_two_steps(estate: Estate, first_run: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    hopper, hop, dev_admin = user_arn(estate.dev, "hopper"), role_arn(MGMT, "hop"), role_arn(estate.dev, "dev-admin")
    rows = {r["principal"]: r for r in privesc(first_run, capsys, "--format", "json")}
    assert steps(rows[hopper]) == [("sts-assume-role", hopper, hop), ("sts-assume-role", hop, dev_admin)]
    assert rows[hopper]["reaches"] == dev_admin
    assert steps(rows[hop]) == [("sts-assume-role", hop, dev_admin)]
    # hopper may assume only hop, not the other management roles its account is trusted by
    _ents, rels = graph(first_run)
    assert {r["_toEntityKey"] for r in rels if r["_fromEntityKey"] == hopper and r["_class"] == "MANAGES"} == {hop}
    table = privesc(first_run, capsys, "--principal", hopper)
    assert "1. sts-assume-role" in table and "2. sts-assume-role" in table


def test_a_trust_that_stops_admitting_the_member_removes_edge_and_path(
        estate: Estate, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "again.db")
    org_run(db)
    dev_user, org_admin = user_arn(estate.dev, "dev-user"), role_arn(MGMT, "org-admin")
    edge = rel(graph(db)[1], dev_user, "MANAGES", org_admin)
    assert edge is not None
    derived: list[str] = []

    def spy(store: Any, account: str) -> Any:
        derived.append(account)
        return real(store, account)

    real = collect_run.derive_account
    monkeypatch.setattr(collect_run, "derive_account", spy)
    iam = boto3.client("iam")
    iam.update_assume_role_policy(RoleName="org-admin", PolicyDocument=trust("arn:aws:iam::999999999999:root"))
    try:
        org_run(db)
    finally:
        iam.update_assume_role_policy(RoleName="org-admin", PolicyDocument=trust(
            f"arn:aws:iam::{estate.dev}:root", f"arn:aws:iam::{estate.locked}:root"))
    ents, rels = graph(db)
    assert rel(rels, dev_user, "MANAGES", org_admin) is None
    assert ents[dev_user].get("escalatesToAdmin") is None
    rows = {r["principal"] for r in privesc(db, capsys, "--format", "json")}
    assert dev_user not in rows and user_arn(estate.dev, "hopper") in rows
    store = SQLiteStore(db)
    try:
        history = store.connection.execute(
            "SELECT op FROM history WHERE kind='relationship' AND key=? ORDER BY rowid", (edge["_key"],)).fetchall()
    finally:
        store.close()
    assert [op for (op,) in history] == ["created", "deleted"]
    # the changed account, and the members whose derivation asked who trusts them; not the
    # bystander, whose questions (who trusts it, or anyone) the change did not touch
    assert sorted(derived) == sorted([MGMT, estate.dev, estate.locked])
    store = SQLiteStore(db)
    try:
        asked = store.connection.execute("SELECT value FROM xrefs WHERE owner=? AND kind='trusts'",
                                         (estate.bystander,)).fetchall()
    finally:
        store.close()
    assert {v for (v,) in asked} == {f"acct:{estate.bystander}", user_arn(estate.bystander, "roamer"), "*"}


def test_a_role_collected_in_a_later_run_completes_the_edge(estate: Estate, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The caller's account first, the account of the role it may assume later: the role's
    arrival derives the caller's account again (it had asked who trusts it)."""
    from awsgraph.collect.org import OrgOptions

    db = str(tmp_path / "later.db")
    hopper, hop, dev_admin = user_arn(estate.dev, "hopper"), role_arn(MGMT, "hop"), role_arn(estate.dev, "dev-admin")

    def run(*accounts: str) -> None:
        cfg = InstanceConfig(regions=["us-east-1"], services=["iam"], db=db, workers=8, max_attempts=2)
        store = SQLiteStore(db)
        try:
            run_organization(cfg, OrgOptions(member_role_name=MEMBER_ROLE, accounts=accounts), store,
                             source=open_session(cfg))
        finally:
            store.close()

    run(MGMT)  # hop, but not dev-admin
    assert rel(graph(db)[1], hop, "MANAGES", dev_admin) is None
    run(estate.dev)
    ents, rels = graph(db)
    edge = rel(rels, hop, "MANAGES", dev_admin)
    assert edge is not None and edge["crossAccount"] is True and ents[hop]["escalationReaches"] == dev_admin
    rows = {r["principal"]: r for r in privesc(db, capsys, "--format", "json")}
    assert steps(rows[hopper]) == [("sts-assume-role", hopper, hop), ("sts-assume-role", hop, dev_admin)]


def test_the_other_roles_policy_decides_where_the_path_ends(estate: Estate, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The role's inline policy lives in its own entity: dropping it leaves the edge (the trust
    still admits the member) but the role is no administrator, and the member's account, which
    read that policy to decide so, is derived again."""
    db = str(tmp_path / "policy.db")
    org_run(db)
    dev_user, org_admin = user_arn(estate.dev, "dev-user"), role_arn(MGMT, "org-admin")
    assert graph(db)[0][dev_user]["escalationReaches"] == org_admin
    iam = boto3.client("iam")
    iam.delete_role_policy(RoleName="org-admin", PolicyName="everything")
    try:
        org_run(db)
    finally:
        iam.put_role_policy(RoleName="org-admin", PolicyName="everything", PolicyDocument=json.dumps(ALL))
    ents, rels = graph(db)
    assert rel(rels, dev_user, "MANAGES", org_admin) is not None
    assert ents[org_admin].get("administrator") is None and ents[dev_user].get("escalatesToAdmin") is None
    assert dev_user not in {r["principal"] for r in privesc(db, capsys, "--format", "json")}
