"""Ready-made questions, the report, and the query CLI on the shared estate."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from awsgraph.cli import main
from awsgraph.query import parse, run_query
from awsgraph.questions import QUESTIONS, get, render
from awsgraph.store import Store


def test_at_least_25_questions_with_all_fields() -> None:
    assert len(QUESTIONS) >= 25
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)
    for q in QUESTIONS:
        assert q.title and q.why and q.query, q.id
        parse(render(q))  # every question is valid J1QL with its default parameters


def test_every_question_runs(conn: Store) -> None:
    for q in QUESTIONS:
        assert isinstance(run_query(conn, render(q)), list), q.id


def ask(conn: Store, qid: str, **params: str) -> list[dict[str, object]]:
    return run_query(conn, render(get(qid), params))


def test_answers_on_the_estate(conn: Store) -> None:
    assert [r["sg.groupId"] for r in ask(conn, "ssh-open-to-internet")] == ["sg-web"]
    assert {r["_key"] for r in ask(conn, "unencrypted-volumes")} == {"vol-2", "vol-3"}
    assert [r["r.displayName"] for r in ask(conn, "buckets-allowing-everyone")] == ["public-site"]
    assert {r["host.displayName"] for r in ask(conn, "internet-exposed-hosts")} == {"web", "db"}
    assert {r["_key"] for r in ask(conn, "users-without-mfa-device")} == {"user-alice", "user-bob"}


def test_region_allow_list_is_a_parameter(conn: Store) -> None:
    q = get("unauthorized-regions")
    assert "regions" in q.params
    rows = ask(conn, "unauthorized-regions", regions="us-east-1")
    assert [(r["r.displayName"], r["r.region"]) for r in rows] == [("batch-job", "eu-west-1")]
    assert ask(conn, "unauthorized-regions", regions="us-east-1, eu-west-1") == []
    assert "('eu-west-1' OR 'us-east-1')" in render(q, {"regions": "eu-west-1,us-east-1"})
    with pytest.raises(ValueError, match="no parameter"):
        render(q, {"region": "x"})
    assert "\\'" in render(q, {"regions": "it's"})  # quotes cannot break out of the string


def test_cli_query_json_rows_keyed_by_return_names(graph_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["query", "--db", graph_db, "--format", "json",
                 "FIND Account AS a THAT HAS User AS u RETURN a.name, count(u)"])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == [{"a.name": "prod-account", "count(u)": 2}]
    code = main(["query", "--db", graph_db, "--format", "json", "FIND aws_s3_bucket THAT ALLOWS Everyone"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["_key"] for r in rows] == ["bucket-pub"]


def test_cli_query_csv_and_table(graph_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--db", graph_db, "--format", "csv",
                 "FIND aws_ebs_volume AS v RETURN v.name, v.encrypted ORDER BY v.name"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["v.name", "v.encrypted"], ["vol-1", "true"], ["vol-2", "false"], ["vol-3", ""]]
    assert main(["query", "--db", graph_db, "FIND DataStore WITH encrypted != true"]) == 0
    out = capsys.readouterr().out
    assert "vol-2" in out and "vol-3" in out and "2 rows" in out


def test_cli_errors_are_one_line_with_position(graph_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--db", graph_db, "FIND aws_instance WITH name ~="]) == 2
    err = capsys.readouterr().err
    assert "awsgraph: error: query error: expected a value" in err and "column 31" in err
    assert "Traceback" not in err
    # the error line, then the query's line with the caret under column 31 (not escaped onto the error line)
    assert err.splitlines()[1:] == ["  FIND aws_instance WITH name ~=", "  " + " " * 30 + "^"], err
    assert main(["visualize", "--db", graph_db, "--query", "FIND x THAT", "--out", "unused.html"]) == 2
    assert capsys.readouterr().err.splitlines()[1:] == ["  FIND x THAT", "  " + " " * 11 + "^"]
    assert main(["query", "--db", str(Path(graph_db).parent / "missing.db"), "FIND *"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["ask", "no-such-question", "--db", graph_db]) == 2
    assert main(["ask", "unauthorized-regions", "--db", graph_db, "--param", "oops"]) == 2


def test_cli_questions_and_ask(graph_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["questions", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == len(QUESTIONS) and {"id", "title", "why", "query"} <= set(listed[0])
    assert main(["ask", "unauthorized-regions", "--db", graph_db, "--param", "regions=us-east-1",
                 "--format", "json"]) == 0
    assert [r["r.region"] for r in json.loads(capsys.readouterr().out)] == ["eu-west-1"]


def test_report_is_one_self_contained_page(graph_db: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["report", "--db", graph_db, "--out", str(out), "--param", "regions=us-east-1"]) == 0
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    for q in QUESTIONS:
        assert f"id='{q.id}'" in page
    assert "<script" not in page and not re.search(r"(src|href)=['\"]https?:", page)
    assert "sg-web" in page  # the SSH finding's rows are in the page
