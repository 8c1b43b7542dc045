"""Commands on an estate whose names, tags and error messages are hostile: outputs stay inert.

The estate is in-process moto, collected through ``awsgraph collect`` itself. EC2 answers in XML,
which cannot carry control characters, so it brings the markup-looking security-group name and a
formula tag; KMS answers in JSON, which can, so its key description and tags bring ESC, BEL, NUL,
a C1 CSI and a bidi override. Every output of ``collect``, ``query``, ``ask`` and ``runs`` (table,
CSV and JSON; piped, and as on a terminal) must contain none of them raw, and no traceback.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from awsgraph.cli import main
from awsgraph.store.base import StepResult
from awsgraph.store.sqlite import SQLiteStore

MARKUP_NAME = "[/b] web-sg (prod)"
CONTROLS = "key \x1b]0;pwned\x07 \x1b[2J\x00 \x9b31m \u202egnp.exe [/red]"
FORMULA = '=HYPERLINK("http://evil.example","click")'
SGR = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def leftover_controls(output: str) -> list[str]:
    return CONTROL.findall(SGR.sub("", output))


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def assert_inert(code: int, out: str, err: str) -> None:
    assert code == 0, err
    assert "Traceback" not in out + err
    assert leftover_controls(out) == [] and leftover_controls(err) == [], (out, err)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("hostile")
    db = str(work / "h.db")
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        sg = ec2.create_security_group(GroupName=MARKUP_NAME, Description="[red]x[/red] desc", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        ec2.create_tags(Resources=[sg], Tags=[{"Key": "Owner", "Value": FORMULA}])
        kms = boto3.client("kms", region_name="us-east-1")
        kms.create_key(Description=CONTROLS, Tags=[{"TagKey": "Name", "TagValue": CONTROLS},
                                                   {"TagKey": "Team", "TagValue": "@SUM(1)\x07"}])
        summary = run_cli("collect", "--db", db, "--regions", "us-east-1", "--services", "ec2,kms",
                          "--max-attempts", "2")
        summary_json = run_cli("collect", "--db", db, "--regions", "us-east-1", "--services", "ec2,kms",
                               "--max-attempts", "2", "--json", "--verbose")
    yield {"db": db, "work": work, "summary": summary, "summary_json": summary_json}


def test_collect_summary_is_inert(hostile: dict[str, Any]) -> None:
    assert_inert(*hostile["summary"])
    code, out, err = hostile["summary_json"]
    assert_inert(code, out, err)
    assert json.loads(out)["entities"]["aws_kms_key"] == 1


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_query_outputs_are_inert(hostile: dict[str, Any], fmt: str) -> None:
    code, out, err = run_cli("query", "--db", hostile["db"], "--format", fmt,
                             "FIND (aws_security_group|aws_kms_key) AS r RETURN r.displayName, r.description, "
                             "r.tag.Owner, r.tag.Team, r.tag.Name")
    assert_inert(code, out, err)
    if fmt == "json":
        rows = json.loads(out)
        assert {r["r.displayName"] for r in rows} >= {MARKUP_NAME, CONTROLS}  # JSON keeps the data exact
    elif fmt == "csv":
        cells = [c for row in csv.reader(io.StringIO(out)) for c in row]
        assert "'" + FORMULA in cells and "'@SUM(1)\\x07" in cells
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    else:
        assert MARKUP_NAME in out and "\\x1b[2J" in out


def test_query_on_a_terminal_is_inert(hostile: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # Rich treats the stream as a terminal and styles its output
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    code, out, err = run_cli("query", "--db", hostile["db"], "FIND aws_kms_key")
    assert_inert(code, out, err)
    assert "\\x1b]0;pwned" in out


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_ask_outputs_are_inert(hostile: dict[str, Any], fmt: str) -> None:
    code, out, err = run_cli("ask", "ssh-open-to-internet", "--db", hostile["db"], "--format", fmt)
    assert_inert(code, out, err)
    assert MARKUP_NAME in (json.loads(out)[0]["sg.displayName"] if fmt == "json" else out)


def test_errors_echoing_hostile_input_are_one_inert_line(hostile: dict[str, Any]) -> None:
    code, _, err = run_cli("query", "--db", hostile["db"], f"FIND aws_kms_key WITH name = '{CONTROLS}' AND")
    assert code == 2 and "Traceback" not in err and leftover_controls(err) == []
    # one error line; under it the query's line (every control or bidi character one '?') and the caret
    error, source, caret = err.rstrip("\n").splitlines()
    assert error.startswith("awsgraph: error: query error: expected a property name") and "column 77" in error
    assert "\\u202e" not in source and len(caret) == len(source) + 1 and caret.strip() == "^"
    code, _, err = run_cli("query", "--db", str(Path(hostile["work"]) / f"{CONTROLS}.db"), "FIND *")
    assert code == 2 and len(err.strip().splitlines()) == 1 and leftover_controls(err) == []


def test_runs_with_hostile_step_reasons_never_crash(hostile: dict[str, Any]) -> None:
    db = str(Path(hostile["work"]) / "runs.db")
    store = SQLiteStore(db)
    try:
        run = store.begin_run({"account": "111122223333"})
        store.record_step(run, StepResult("aws_vpc", "111122223333", "us-east-1", "ec2", ("aws_vpc",),
                                          status="failed", reason=f"DescribeVpcs: InternalError: [/red] {CONTROLS}"))
        store.record_step(run, StepResult("aws_waf_web_acl", "111122223333", "us-east-1", "waf",
                                          ("aws_waf_web_acl",), status="unserved",
                                          reason=f"ListWebACLs: not served by the endpoint (500) [/b]{CONTROLS}"))
        store.finish_run(run, [], [("111122223333", "us-east-1", "aws_vpc")], lambda _s: ([], []), {})
    finally:
        store.close()
    for args in ([], ["--json"]):
        code, out, err = run_cli("runs", "--db", db, *args)
        assert_inert(code, out, err)
        if not args:  # the table shows the reason as text: markup kept, controls escaped
            assert "InternalError: [/red] key \\x1b]0;pwned\\x07" in out, out
    assert "[/red]" in out and json.loads(out)[0]["steps"]["failed"] == 1
