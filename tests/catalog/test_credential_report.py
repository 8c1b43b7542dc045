"""The IAM credential report: generated, polled a bounded number of times, and honest when missing."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from awsgraph.catalog import iam as iam_catalog
from awsgraph.catalog.spec import FetchContext
from awsgraph.collect import guard
from awsgraph.collect.session import AwsSession
from awsgraph.query import run_query
from awsgraph.questions import get, render
from awsgraph.questions.coverage import assess
from tests.helpers import collect

REPORT = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_2_active\n"
    "dave,arn:aws:iam::123456789012:user/dave,2026-01-01T00:00:00+00:00,true,no_information,"
    "2026-01-01T00:00:00+00:00,N/A,false,false,false\n"
)


def _ctx(client: Any) -> FetchContext:
    return FetchContext(account="123456789012", region="us-east-1", partition="aws", client=lambda _s: client,
                        paginate=lambda *a, **k: iter(()), note_partial=lambda _r: None, note_error=lambda _e: None)


def _seed_users() -> None:
    iam = boto3.client("iam")
    for name in ("dave", "erin", "ci"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="dave", Password="Correct-Horse-1")  # console, no MFA
    iam.create_login_profile(UserName="erin", Password="Correct-Horse-2")
    mfa = iam.create_virtual_mfa_device(VirtualMFADeviceName="erin-phone")["VirtualMFADevice"]
    iam.enable_mfa_device(UserName="erin", SerialNumber=mfa["SerialNumber"], AuthenticationCode1="123456",
                          AuthenticationCode2="654321")


def test_users_without_mfa_finds_the_console_user_without_mfa(aws: None, tmp_path: Path) -> None:
    _seed_users()
    db = str(tmp_path / "g.db")
    got = collect(db, services=["iam"])
    dave = got.one("aws_iam_user", name="dave")
    assert (dave["passwordEnabled"], dave["mfaEnabled"]) == (True, False)
    assert got.one("aws_iam_user", name="ci")["passwordEnabled"] is False
    q = get("users-without-mfa")
    store_conn = sqlite3.connect(db)
    assert [r["name"] for r in run_query(store_conn, render(q))] == ["dave"]
    cov = assess(store_conn, render(q), q.needs)
    assert (cov.level, cov.note) == ("complete", "")


def test_a_refused_report_leaves_the_answer_unknown(aws: None, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _seed_users()
    # as when the role may not generate it: the users lack the report's facts, nothing else fails
    monkeypatch.setattr(guard, "NON_READ_OPERATIONS", {})
    db = str(tmp_path / "g.db")
    got = collect(db, services=["iam"])
    assert "passwordEnabled" not in got.one("aws_iam_user", name="dave")
    assert got.step("iam_authorization_details").status == "success"
    q = get("users-without-mfa")
    conn = sqlite3.connect(db)
    assert run_query(conn, render(q)) == []
    assert assess(conn, render(q), q.needs).text == "unknown: no credential report"


def test_only_the_iam_step_may_generate_the_report(aws: None) -> None:
    client = AwsSession().client("iam", "us-east-1")
    with guard.call_scope({("iam", "list_saml_providers")}), pytest.raises(
            guard.WriteOperationBlocked, match="not declared by the step"):
        client.generate_credential_report()
    with guard.call_scope({("iam", "generate_credential_report")}):
        assert client.generate_credential_report()["State"] in ("STARTED", "COMPLETE")


def test_report_is_polled_until_ready_with_bounded_waits() -> None:
    client = boto3.client("iam", region_name="us-east-1")
    stub = Stubber(client)
    for state in ("STARTED", "INPROGRESS"):
        stub.add_response("generate_credential_report", {"State": state})
        stub.add_client_error("get_credential_report", service_error_code="ReportInProgress", http_status_code=404)
    stub.add_response("generate_credential_report", {"State": "COMPLETE"})
    stub.add_response("get_credential_report", {"Content": REPORT.encode(), "ReportFormat": "text/csv"})
    waits: list[float] = []
    with stub:
        rows = iam_catalog._credential_report(_ctx(client), sleep=waits.append)
    stub.assert_no_pending_responses()
    assert waits == [1.0, 2.0] and rows["dave"]["password_enabled"] == "true"


def test_report_that_never_gets_ready_is_given_up() -> None:
    client = boto3.client("iam", region_name="us-east-1")
    stub = Stubber(client)
    for _ in range(iam_catalog.REPORT_POLLS):
        stub.add_response("generate_credential_report", {"State": "INPROGRESS"})
        stub.add_client_error("get_credential_report", service_error_code="ReportInProgress", http_status_code=404)
    waits: list[float] = []
    with stub:
        assert iam_catalog._credential_report(_ctx(client), sleep=waits.append) == {}
    stub.assert_no_pending_responses()
    assert len(waits) == iam_catalog.REPORT_POLLS - 1 and sum(waits) <= 30


def test_a_denied_report_is_not_retried() -> None:
    client = boto3.client("iam", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_client_error("generate_credential_report", service_error_code="AccessDenied", http_status_code=403)
    waits: list[float] = []
    with stub:
        assert iam_catalog._credential_report(_ctx(client), sleep=waits.append) == {}
    assert waits == []
