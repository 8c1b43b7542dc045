"""The converter's shortcuts agree with what they replace."""

from __future__ import annotations

import datetime as dt

import jmespath
import pytest

from awsgraph.collect.convert import jp, json_safe

DATA = [
    {"Name": "a", "State": {"Name": "running", "Code": 16}, "Tags": [{"Key": "k", "Value": "v"}]},
    {"Name": None, "State": "flat", "List": [1, 2]},
    {"State": [{"Name": "in-a-list"}]},
    {},
    [{"Name": "top-level list"}],
    "a string",
    None,
]


@pytest.mark.parametrize("expr", ["Name", "State.Name", "State.Code", "Tags", "List", "Missing.Deeper",
                                  "State.Name.Deeper", "_underscore", "Tags[0].Key", "Tags[].Key"])
def test_field_paths_match_jmespath(expr: str) -> None:
    for data in DATA:
        assert jp(expr, data) == jmespath.search(expr, data), (expr, data)


def test_json_safe_converts_what_json_cannot_hold() -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    raw = {"When": when, "Day": dt.date(2026, 1, 2), "Blob": b"\x00", "Nested": [{"When": when, 1: (True, 2.5)}],
           "ResponseMetadata": {"RequestId": "r"}, "Inner": {"ResponseMetadata": {}, "Keep": None}}
    assert json_safe(raw) == {"When": "2026-01-02T03:04:05+00:00", "Day": "2026-01-02", "Blob": None,
                              "Nested": [{"When": "2026-01-02T03:04:05+00:00", "1": [True, 2.5]}],
                              "Inner": {"Keep": None}}
