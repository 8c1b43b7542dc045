"""APIs the endpoint does not implement are 'unserved': apart from failures, never complete."""

from __future__ import annotations

import sqlite3

import pytest
from botocore.exceptions import ClientError

from awsgraph.collect.errors import UNSERVED, classify, worse
from tests.helpers import collect


def _client_error(code: str, status: int, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "ListAnalyzers")


def test_endpoint_error_pages_are_unserved_real_errors_are_not() -> None:
    page = "<!doctype html><title>500 Internal Server Error</title>"
    assert classify(_client_error("500", 500, page)) == (UNSERVED, "ListAnalyzers: not served by the endpoint (500)")
    assert classify(_client_error("404", 404, "Not yet implemented"))[0] == UNSERVED
    not_implemented = NotImplementedError("The describe_workspace_bundles action has not been implemented")
    assert classify(not_implemented)[0] == UNSERVED
    # AWS's own errors keep their meaning
    assert classify(_client_error("InternalFailure", 500))[0] == "failed"
    assert classify(_client_error("AccessDeniedException", 403))[0] == "partial"
    assert classify(_client_error("ValidationException", 400))[0] == "failed"
    # ranking: a real problem is never hidden behind an emulator gap
    assert worse("success", UNSERVED) == UNSERVED
    assert worse(UNSERVED, "partial") == "partial" and worse("failed", UNSERVED) == "failed"


@pytest.mark.usefixtures("aws")
def test_unserved_steps_and_their_children_are_recorded_and_never_complete(db_path: str) -> None:
    # In-process moto lacks Access Analyzer and Inspector classic (404): the demo emulator's gaps.
    got = collect(db_path, services=["accessanalyzer", "inspector"])
    status = {s.step: s.status for s in got.summary.steps}
    for step in ("aws_accessanalyzer_analyzer", "aws_inspector_assessment", "aws_inspector_finding"):
        assert status[step] == UNSERVED, (step, status)
    assert status["aws_accessanalyzer_finding"] == UNSERVED  # its parent was not served: not a failure of its own
    assert got.step("aws_accessanalyzer_finding").reason.startswith("parent aws_accessanalyzer_analyzer not served")
    assert "failed" not in status.values()
    con = sqlite3.connect(db_path)
    try:
        scopes = dict(con.execute("SELECT type, complete FROM scopes WHERE type IN ('aws_accessanalyzer_analyzer', "
                                  "'aws_inspector_assessment', 'aws_inspector_finding')").fetchall())
    finally:
        con.close()
    assert scopes == {"aws_accessanalyzer_analyzer": 0, "aws_inspector_assessment": 0, "aws_inspector_finding": 0}
