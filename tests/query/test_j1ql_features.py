"""Every supported row of docs/j1ql.md runs, through `awsgraph query --format json`, with its expected answer.

The examples are JupiterOne's documentation's own, adapted to an AWS estate (``docs_estate``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from awsgraph.cli import main
from awsgraph.query.features import FEATURES, render_features

ROOT = Path(__file__).resolve().parents[2]
Rows = list[dict[str, Any]]


def keys(*expected: str) -> Callable[[Rows], bool]:
    return lambda rows: {r["_key"] for r in rows} == set(expected)


def rows_are(*expected: dict[str, Any]) -> Callable[[Rows], bool]:
    return lambda rows: sorted(map(_canon, rows)) == sorted(map(_canon, expected))


def _canon(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True)


def _tree(rows: Rows) -> bool:
    tree = rows[0]
    return ({v["_key"] for v in tree["vertices"]} == {"alb-web", "tg-web"}
            and [e["_class"] for e in tree["edges"]] == ["CONNECTS"])


def _approx(label: str, expected: dict[str, float]) -> Callable[[Rows], bool]:
    return lambda rows: {r[next(iter(r))]: r[label] for r in rows} == pytest.approx(expected)


EXPECTED: dict[str, Callable[[Rows], bool]] = {
    "class": keys("i-web", "i-db", "i-batch"),
    "type": keys("sg-web", "sg-db"),
    "any-with": keys("vol-2"),
    "alternation": keys("db-orders", "db-crown", "bucket-pub", "bucket-priv", "bucket-pii"),
    "and-or": keys("bucket-pii", "db-crown"),
    "value-list": keys("i-batch"),
    "undefined": keys("i-batch"),
    "brackets": keys("i-batch"),
    "strings": keys("i-batch", "i-web"),
    "regex": keys("pol-admin"),
    "regex-where": rows_are({"p.name": "ReadOnly"}),
    "full-text": keys("i-web", "eni-web"),
    "full-text-bare": keys("bucket-pii"),
    "full-text-with": keys("i-web"),
    "smart-tag": keys("bucket-pii", "db-orders"),
    "smart-critical": keys("db-crown"),
    "traversal": keys("i-web", "i-db"),
    "direction": keys("sg-web", "sg-db"),
    "relates-to": keys("alb-web"),
    "verb-alternation": keys("user-alice"),
    "to-filler": keys("alb-web"),
    "negated": keys("vol-3"),
    "optional": rows_are({"x.name": "bob"}),
    "where": rows_are({"fw.displayName": "web-sg", "src.displayName": "Internet"}),
    "alias-compare": rows_are({"a.name": "web", "b.name": "db"}, {"a.name": "db", "b.name": "web"}),
    "list-compare": rows_are({"nic.name": "eni-web", "sg.groupId": "sg-web"}),
    "return": lambda rows: [(r["subnet"], r["i"]["_key"]) for r in rows] == [("public-a", "i-web")],
    "tree": _tree,
    "aggregates": rows_are({"acct.name": "prod-account", "count(user)": 2}),
    "math": _approx("Cost", {"orders-snap": 1.0, "archive-snap": 3.0}),
    "math-aggregate": _approx("EstimatedCost", {"acme-prod": 4.0}),
    "math-dates": rows_are({"c.name": "shop.example.com", "days": 365}),
    "math-where": rows_are({"c.name": "shop.example.com"}),
    "concat": lambda rows: sorted(r["line"] for r in rows) == [
        "customer-records is true", "public-site is true", "secrets is true"],
    "concat-where": rows_are({"i.name": "web"}),
    "relative-dates": keys("bucket-pii"),
    "absolute-dates": keys("cert-shop"),
    "order": rows_are({"v.name": "vol-2"}),
    "unique": rows_are({"u.name": "alice"}),
    "case": keys("vol-3"),
}

SUPPORTED = [f for f in FEATURES if f.supported]


def test_every_supported_feature_is_tested_and_no_more() -> None:
    assert {f.id for f in SUPPORTED} == set(EXPECTED)
    assert len({f.id for f in FEATURES}) == len(FEATURES)


@pytest.mark.parametrize("feature", SUPPORTED, ids=[f.id for f in SUPPORTED])
def test_supported_example_runs(docs_db: str, feature: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--db", docs_db, "--format", "json", feature.example]) == 0, capsys.readouterr().err
    rows = json.loads(capsys.readouterr().out)
    assert rows, feature.example
    assert EXPECTED[feature.id](rows), rows


@pytest.mark.parametrize("feature", [f for f in FEATURES if not f.supported], ids=lambda f: f.id)
def test_unsupported_rows_say_why_and_fail_cleanly(docs_db: str, feature: Any,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert feature.note
    code = main(["query", "--db", docs_db, "--format", "json", feature.example])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert code == 2 or json.loads(captured.out) == []  # refused with one line, or (metadata) nothing matches


def test_feature_table_is_current() -> None:
    assert (ROOT / "docs/j1ql.md").read_text() == render_features(), "run `awsgraph docs`"
