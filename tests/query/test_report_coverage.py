"""The report says which accounts, runs and steps it stands on, so a green 0 cannot mean 'not collected'."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from query_estate import ACCOUNT, ent

from awsgraph.cli import main
from awsgraph.questions import QUESTIONS, render
from awsgraph.questions.report import Answer, Coverage, coverage_of, render_report
from awsgraph.store import SQLiteStore, open_store
from awsgraph.store.base import StepResult

OTHER = "444455556666"


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the two runs go: an SQLite file, or a fresh database on the worker's private PostgreSQL."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_server").database("report"))
    return str(tmp_path / "g.db")


def _write(path: str) -> None:
    store = open_store(path, write=True, must_exist=False)
    try:
        first = store.begin_run({"account": OTHER, "endpoint_url": None})
        store.stage_entities(first, [ent("sg-other", "aws_security_group", ["Firewall"], name="other-sg",
                                         accountId=OTHER)])
        store.record_step(first, StepResult("aws_security_group", OTHER, "us-east-1", "ec2",
                                            ("aws_security_group",), entities=1))
        store.finish_run(first, [(OTHER, "us-east-1", "aws_security_group")], [], lambda _s: ([], []), {})
        run = store.begin_run({"account": ACCOUNT, "endpoint_url": "http://user:pw@127.0.0.1:5055/?t=tok-51c7"})
        store.stage_entities(run, [ent("vol-1", "aws_ebs_volume", ["DataStore", "Disk"], name="vol-1",
                                       encrypted=False, region="eu-west-1")])
        store.record_step(run, StepResult("aws_ebs_volume", ACCOUNT, "eu-west-1", "ec2", ("aws_ebs_volume",),
                                          entities=1))
        store.record_step(run, StepResult("aws_iam_role", ACCOUNT, "global", "iam", ("aws_iam_role",),
                                          status="partial", reason="ListRoles: AccessDenied: <b>denied</b>"))
        store.record_step(run, StepResult("aws_waf_web_acl", ACCOUNT, "us-east-1", "waf", ("aws_waf_web_acl",),
                                          status="unserved", reason="ListWebACLs: not served by the endpoint (500)"))
        store.finish_run(run, [(ACCOUNT, "eu-west-1", "aws_ebs_volume")],
                         [(ACCOUNT, "global", "aws_iam_role"), (ACCOUNT, "us-east-1", "aws_waf_web_acl")],
                         lambda _s: ([], []), {})
    finally:
        store.close()


def test_report_names_accounts_runs_times_and_incomplete_steps(target: str, tmp_path: Path) -> None:
    db, out = target, tmp_path / "r.html"
    _write(db)
    assert main(["report", "--db", db, "--out", str(out)]) == 0
    page = out.read_text()
    section = page[page.index("<section id='coverage'>"):page.index("</section>")]
    for account, run in ((ACCOUNT, 2), (OTHER, 1)):
        assert re.search(f"<td>{account}</td><td>run {run}\\b", section), account
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", section)
    assert "aws_iam_role" in section and "ListRoles: AccessDenied: &lt;b&gt;denied&lt;/b&gt;" in section
    assert "aws_waf_web_acl" in section and "not served by the emulator" in section
    assert "a 0 there does not mean" in section
    # a token of its own: the questions' text names secrets (Secrets Manager), so the word alone proves nothing
    assert "tok-51c7" not in page and "pw@" not in page and "http://127.0.0.1:5055" in section
    # rows carry region and account: an entity answer and a RETURN answer
    volumes = page[page.index("id='unencrypted-volumes'"):]
    volumes = volumes[:volumes.index("</section>")]
    assert "<th>region</th>" in volumes and "<th>accountId</th>" in volumes and f"<td>{ACCOUNT}</td>" in volumes
    stores = page[page.index("id='unencrypted-data-stores'"):]
    assert "<th>DataStore.region</th><th>DataStore.accountId</th>" in stores[:stores.index("</section>")]


def test_report_without_runs_says_nothing_was_collected(tmp_path: Path) -> None:
    db, out = str(tmp_path / "empty.db"), tmp_path / "r.html"
    SQLiteStore(db).close()
    assert main(["report", "--db", db, "--out", str(out)]) == 0
    assert "No finished collection run is recorded" in out.read_text()


def test_coverage_fields_of_answers_are_rendered_when_present() -> None:
    q = QUESTIONS[0]
    plain = Answer(q, render(q), [], None, 0.01)
    assert "badge clear'>0<" in render_report([plain], coverage=Coverage([]))
    for coverage, badge in (("partial", "badge partial"), ("unknown", "badge unknown")):
        a = Answer(q, render(q), [], None, 0.01)
        a.coverage = coverage  # type: ignore[attr-defined]  # the field the questions add
        a.coverage_note = "aws_security_group not collected in eu-west-1 <x>"  # type: ignore[attr-defined]
        page = render_report([a])
        assert badge in page and "badge clear" not in page
        assert "aws_security_group not collected in eu-west-1 &lt;x&gt;" in page


def test_every_returning_question_carries_account() -> None:
    for q in QUESTIONS:
        if " RETURN " in q.query and "count(" not in q.query:
            assert "accountId" in q.query, q.id


def test_coverage_of_takes_the_latest_finished_run_per_account(target: str) -> None:
    db = target
    _write(db)
    store = open_store(db)
    try:
        cov = coverage_of(store.runs(), store.steps)
    finally:
        store.close()
    assert [(a.account, a.run_id, a.regions) for a in cov.accounts] == [
        (ACCOUNT, 2, ["eu-west-1", "us-east-1"]), (OTHER, 1, ["us-east-1"])]
    assert [s.step for _, s in cov.incomplete] == ["aws_iam_role", "aws_waf_web_acl"]
