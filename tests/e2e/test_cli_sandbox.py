"""End to end through the CLI against moto's ThreadedMotoServer (the sandbox), as a user runs it."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from awsgraph.model.classes import required_properties
from awsgraph.sandbox import DEMO_EXTERNAL_ID, DEMO_ROLE_ARN, Sandbox
from awsgraph.sandbox.seed import PLANTED_SECRETS
from tests.j1_schemas import ANALYSIS_TYPES, STUBBED_ONLY, assert_conform, catalog_types

pytestmark = pytest.mark.e2e
REGIONS = "us-east-1,eu-west-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("AWS_SESSION_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "awsgraph.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)


def _collect_args(sandbox: Sandbox, db: Path) -> list[str]:
    return ["collect", "--endpoint-url", sandbox.url, "--regions", REGIONS, "--db", str(db),
            "--role-arn", DEMO_ROLE_ARN, "--external-id", DEMO_EXTERNAL_ID]


@pytest.fixture(scope="module")
def collected(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("e2e")
    db = work / "g.db"
    run = cli(*_collect_args(sandbox, db), "--tag-account-name", "acme-demo", "--tag-production", "true")
    assert run.returncode == 0, run.stderr
    out = work / "out"
    exp = cli("export", "--db", str(db), "--format", "jsonl", "--out", str(out))
    assert exp.returncode == 0, exp.stderr
    entities = [json.loads(line) for line in (out / "entities.jsonl").read_text().splitlines()]
    rels = [json.loads(line) for line in (out / "relationships.jsonl").read_text().splitlines()]
    return {"db": db, "out": out, "stdout": run.stdout, "entities": entities, "relationships": rels, "work": work}


def test_summary_lists_types_steps_and_calls(collected: dict[str, Any]) -> None:
    out = collected["stdout"]  # the one-screen summary; --verbose lists every type (tests/cli)
    assert re.search(r"collected \d+ entities of \d+ types and \d+ relationships", out)
    assert "API calls" in out and "steps:" in out and "largest types:" in out


def test_keys_unique_and_relationships_point_at_exported_entities(collected: dict[str, Any]) -> None:
    keys = [e["_key"] for e in collected["entities"]]
    assert len(keys) == len(set(keys))
    assert all(len(k) >= 10 for k in keys)
    rel_keys = [r["_key"] for r in collected["relationships"]]
    assert len(rel_keys) == len(set(rel_keys))
    known = set(keys)
    for r in collected["relationships"]:
        assert r["_fromEntityKey"] in known and r["_toEntityKey"] in known, r["_key"]
        base = f"{r['_fromEntityKey']}|{r['_class'].lower()}|{r['_toEntityKey']}"
        # a qualifier (one edge per rule or per escalation technique) may follow the base key
        assert r["_key"] == base or (r["_key"].startswith(base + "|") and len(r["_key"]) > len(base) + 1)


def test_entities_carry_required_properties_and_stamped_tags(collected: dict[str, Any]) -> None:
    for e in collected["entities"]:
        assert isinstance(e["_class"], list) and e["_class"]
        for cls in e["_class"]:
            for prop in required_properties(cls):
                assert prop in e, f"{e['_type']} ({cls}) lacks {prop}"
        for value in e.values():
            assert value is None or isinstance(value, str | int | float | bool) or (
                isinstance(value, list) and all(isinstance(v, str | int | float | bool) for v in value)), e["_key"]
        if e.get("_source") != "system-mapper":
            assert e["tag.AccountName"] == "acme-demo" and e["tag.Production"] is True, e["_key"]


def test_every_entity_matches_the_j1_class_schemas(collected: dict[str, Any]) -> None:
    """The sandbox estate covers every type the catalog and the analysers make, except the few moto
    cannot serve (STUBBED_ONLY, checked by tests/catalog/test_edge_stubbed.py)."""
    seen = assert_conform(collected["entities"])
    assert (catalog_types() | ANALYSIS_TYPES) - STUBBED_ONLY - seen <= {
        "aws_ec2_managed_prefix_list", "host", "aws_iam_identity_provider"}  # tests/model/test_j1_schemas.py
    assert STUBBED_ONLY.isdisjoint(seen)  # when moto serves one, move it out of STUBBED_ONLY


def test_questions_tell_the_truth_on_the_sandbox(collected: dict[str, Any]) -> None:
    """The seeded console user without MFA is found; answers built on what moto cannot serve say so."""
    run = cli("ask", "users-without-mfa", "--db", str(collected["db"]), "--format", "json")
    assert run.returncode == 0, run.stderr
    assert [r["name"] for r in json.loads(run.stdout)] == ["bob"] and "unknown" not in run.stderr
    run = cli("ask", "cross-account-trust", "--db", str(collected["db"]), "--format", "json")
    assert {(r["role.name"], r["who.displayName"]) for r in json.loads(run.stdout)} == {
        ("partner-audit", "444455556666"), ("vendor-no-external-id", "ops")}
    run = cli("ask", "buckets-allowing-everyone", "--db", str(collected["db"]), "--format", "json")
    assert "partial: " in run.stderr and "aws_accessanalyzer_analyzer " in run.stderr  # moto lacks the API
    report = collected["work"] / "report.html"
    run = cli("report", "--db", str(collected["db"]), "--out", str(report))
    assert run.returncode == 0 and "built on partial or missing data" in run.stdout


def test_the_sandbox_shows_an_escalation_and_its_attack_path(collected: dict[str, Any]) -> None:
    """The demo's web instance role may attach policies to itself: privesc names it, the table says it
    becomes an administrator itself, and the attack path from the Internet to it is found."""
    db = str(collected["db"])
    run = cli("privesc", "--db", db, "--format", "json")
    assert run.returncode == 0, run.stderr
    paths = {p["principal"].rsplit("/", 1)[-1]: p for p in json.loads(run.stdout)}
    assert set(paths) == {"app-instance-role"}
    assert [s["technique"] for s in paths["app-instance-role"]["path"]] == ["iam-attach-role-policy"]
    run = cli("privesc", "--db", db, "--format", "table")
    assert run.returncode == 0 and "itself, as an administrator" in run.stdout, run.stdout
    run = cli("ask", "attack-path-internet-host-admin", "--db", db, "--format", "json")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert rows and {r["role.name"] for r in rows} == {"app-instance-role"}
    assert {(r["rule.fromPort"], r["rule.ipRange"]) for r in rows} >= {(443, "0.0.0.0/0")}
    assert len({json.dumps(r, sort_keys=True) for r in rows}) == len(rows)  # one row per rule, none repeated


def test_spec_relationships_present(collected: dict[str, Any]) -> None:
    types = {r["_type"] for r in collected["relationships"]}
    for expected in ("aws_vpc_contains_subnet", "aws_subnet_has_instance", "aws_security_group_protects_instance",
                     "aws_instance_uses_ebs_volume", "aws_ebs_volume_has_snapshot", "aws_instance_uses_eip",
                     "aws_vpc_has_internet_gateway", "aws_vpc_has_nat_gateway", "aws_vpc_has_route_table",
                     "aws_subnet_uses_route_table", "aws_network_acl_protects_subnet", "aws_iam_group_contains_user",
                     "aws_iam_role_has_policy", "aws_iam_user_has_policy", "aws_s3_bucket_has_policy",
                     "aws_s3_bucket_uses_kms_key", "aws_ebs_volume_uses_kms_key", "aws_account_has_iam",
                     "aws_nat_gateway_uses_eip", "aws_vpc_has_vpn_gateway", "aws_iam_user_has_access_key"):
        assert expected in types, expected
    accounts = [e for e in collected["entities"] if e["_type"] == "aws_account"]
    assert any(a.get("alias") == "acme-demo" for a in accounts)


def test_no_planted_secret_anywhere(collected: dict[str, Any]) -> None:
    blobs = [(collected["out"] / "entities.jsonl").read_text(), (collected["out"] / "relationships.jsonl").read_text()]
    blobs.append(Path(collected["db"]).read_bytes().decode("utf-8", "replace"))
    for secret in (*PLANTED_SECRETS, "4111111111111111"):
        for blob in blobs:
            assert secret not in blob


def test_rerun_is_idempotent_and_j1_export(sandbox: Sandbox, collected: dict[str, Any]) -> None:
    run = cli(*_collect_args(sandbox, collected["db"]), "--tag-account-name", "acme-demo", "--tag-production",
              "true", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["changes"]["created"] == 0 and summary["changes"]["deleted"] == 0
    assert summary["changes"]["rel_deleted"] == 0
    j1 = collected["work"] / "j1"
    exp = cli("export", "--db", str(collected["db"]), "--format", "j1", "--out", str(j1))
    assert exp.returncode == 0, exp.stderr
    graph = j1 / ".j1-integration" / "graph"
    files = list(graph.glob("*/entities/*.json"))
    assert files and json.loads(files[0].read_text())["entities"]
    # placeholders (system-mapper) travel inside mapped relationships, not as entities
    real = [e for e in collected["entities"] if e.get("_source") != "system-mapper"]
    assert json.loads((j1 / ".j1-integration" / "summary.json").read_text())["counts"]["entities"] == len(real)


@pytest.mark.parametrize(("args", "message"), [
    (["--role-arn", "arn:aws:iam::12:role/x", "--external-id", "abc"], "malformed role ARN"),
    (["--role-arn", "arn:aws:iam::111122223333:role/x"], "needs an external id"),
    (["--regions", "us-east-1,mars-north-1"], "unknown region"),
    (["--services", "ec2,nosuch"], "unknown service"),
])
def test_invalid_configuration_is_one_clear_line(args: list[str], message: str, tmp_path: Path) -> None:
    run = cli("collect", "--db", str(tmp_path / "x.db"), *args)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_event_and_config_files(sandbox: Sandbox, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"instance": {"id": "inst-1", "config": {
        "roleArn": DEMO_ROLE_ARN, "externalId": DEMO_EXTERNAL_ID, "regions": ["us-east-1"],
        "services": ["iam"], "tagAccountName": "from-event"}}}))
    config = tmp_path / "c.toml"
    config.write_text(f'endpointUrl = "{sandbox.url}"\ndb = "{tmp_path / "e.db"}"\ntagAccountName = "from-toml"\n')
    run = cli("collect", "--event", str(event), "--config", str(config), "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert set(summary["entities"]) >= {"aws_iam_role", "aws_account"} and "aws_instance" not in summary["entities"]
    con = sqlite3.connect(tmp_path / "e.db")
    props = json.loads(con.execute("SELECT props FROM entities WHERE type='aws_iam_role' LIMIT 1").fetchone()[0])
    assert props["tag.AccountName"] == "from-toml"  # the config file overrides the event
    config_row = json.loads(con.execute("SELECT config FROM runs").fetchone()[0])
    assert DEMO_EXTERNAL_ID not in json.dumps(config_row)


def test_kill_minus_9_keeps_previous_run(sandbox: Sandbox, tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    assert cli(*_collect_args(sandbox, db)).returncode == 0
    con = sqlite3.connect(db)
    before = con.execute("SELECT count(*) FROM entities WHERE deleted_run IS NULL").fetchone()[0]
    con.close()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    proc = subprocess.Popen([sys.executable, "-m", "awsgraph.cli", *_collect_args(sandbox, db), "--workers", "1"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the second run has started writing
        con = sqlite3.connect(db)
        running = con.execute("SELECT count(*) FROM runs WHERE status='running'").fetchone()[0]
        con.close()
        if running:
            break
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM entities WHERE deleted_run IS NULL").fetchone()[0] == before
    con.close()
    again = cli(*_collect_args(sandbox, db), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["changes"]["deleted"] == 0


def test_unreachable_endpoint_is_one_line_not_a_credential_error(tmp_path: Path) -> None:
    # Nothing listens on port 9: said as such, before any credential or AssumeRole is tried.
    for extra in (["--role-arn", DEMO_ROLE_ARN, "--external-id", DEMO_EXTERNAL_ID], []):
        run = cli("collect", "--endpoint-url", "http://127.0.0.1:9", *extra, "--db", str(tmp_path / "n.db"))
        assert run.returncode == 2
        assert "cannot reach http://127.0.0.1:9" in run.stderr and "Traceback" not in run.stderr
        assert "credentials" not in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "n.db").exists()

