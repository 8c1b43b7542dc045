"""Questions that tell the truth: coverage of partial or missing data, and the answers themselves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from query_estate import ACCOUNT, ent, rel

from awsgraph.cli import main
from awsgraph.model import Entity, Relationship
from awsgraph.query import run_query
from awsgraph.questions import QUESTIONS, get, render
from awsgraph.questions.coverage import assess, types_read
from awsgraph.questions.report import answer_all, render_report
from awsgraph.store import Store, open_store
from awsgraph.store.base import StepResult

OTHER = "999988887777"


def _run(store: Store, entities: list[Entity], steps: list[StepResult], rels: list[Relationship] = ()) -> None:
    """One finished run: ``steps`` as recorded; a scope is complete when its steps succeeded uncapped."""
    run = store.begin_run({})
    for s in steps:
        store.record_step(run, s)
    store.stage_entities(run, entities)
    complete = {(s.account, s.region, t) for s in steps for t in s.types if s.status == "success"}
    partial = {(s.account, s.region, t) for s in steps for t in s.types if s.status != "success"}
    store.finish_run(run, complete - partial, partial, lambda _s: ([], list(rels)), {})


def step(types: tuple[str, ...], region: str = "us-east-1", status: str = "success", reason: str = "",
         capped: str = "", service: str = "s3") -> StepResult:
    return StepResult(step=types[0], account=ACCOUNT, region=region, service=service, types=types, status=status,
                      reason=reason, capped=capped)


def bucket(name: str, region: str = "us-east-1", **props: Any) -> Entity:
    return ent(f"arn:aws:s3:::{name}", "aws_s3_bucket", ["DataStore"], region=region, name=name, **props)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty graph that each test writes its runs into, on each store: a file, or a fresh database on the
    worker's private PostgreSQL. ``db(store)`` is what ``--db`` takes."""
    target = (request.getfixturevalue("pg_server").database("coverage") if request.param == "postgresql"
              else str(tmp_path / "g.db"))
    s = open_store(target, write=True, must_exist=False)
    yield s
    s.close()


def db(store: Store) -> str:
    return str(getattr(store, "url", store.path))


def test_types_read_follow_types_classes_and_star() -> None:
    assert types_read("FIND aws_s3_bucket WITH public = true") == {"aws_s3_bucket"}
    firewall = types_read("FIND Internet THAT ALLOWS Firewall")
    assert {"aws_security_group", "aws_network_acl", "aws_waf_web_acl"} <= firewall and "internet" not in firewall
    assert {"aws_iam_user", "mfa_device"} == types_read("FIND aws_iam_user THAT !HAS mfa_device")
    assert len(types_read("FIND * WITH region = 'x'")) > 80


def test_complete_when_every_scope_was_collected(store: Store) -> None:
    _run(store, [bucket("open", public=True)], [step(("aws_s3_bucket", "aws_s3_bucket_policy"))])
    cov = assess(store.connection, render(get("public-buckets")))
    assert (cov.level, cov.note) == ("complete", "")


def test_a_partial_region_makes_the_answer_partial_and_says_why(store: Store) -> None:
    _run(store, [bucket("open", public=True)], [
        step(("aws_s3_bucket",)), step(("aws_s3_bucket",), "eu-west-1", "partial", "ListBuckets: AccessDenied")])
    cov = assess(store.connection, render(get("public-buckets")))
    assert cov.level == "partial"
    assert cov.note == "aws_s3_bucket partial: ListBuckets: AccessDenied in eu-west-1"


def test_a_type_never_collected_is_unknown_not_a_green_zero(store: Store) -> None:
    _run(store, [], [step(("aws_instance",), service="ec2")])  # e.g. collect --services ec2
    q = get("public-buckets")
    assert run_query(store.connection, render(q)) == []
    cov = assess(store.connection, render(q))
    assert (cov.level, cov.note) == ("unknown", "aws_s3_bucket never collected")


def test_older_data_and_capped_listings_are_partial(store: Store) -> None:
    _run(store, [bucket("open", public=True)], [step(("aws_s3_bucket",))])
    _run(store, [], [step(("aws_instance",), service="ec2")])  # the latest run skipped S3
    cov = assess(store.connection, render(get("public-buckets")))
    assert (cov.level, cov.note) == ("partial", "aws_s3_bucket not collected in the latest run (older data)")
    _run(store, [bucket("open", public=True)], [step(("aws_s3_bucket",), capped="capped at 1000 items")])
    cov = assess(store.connection, render(get("public-buckets")))
    assert (cov.level, cov.note) == ("partial", "aws_s3_bucket capped at 1000 items in us-east-1")


def test_latest_run_of_each_account_counts(store: Store) -> None:
    _run(store, [bucket("a")], [step(("aws_s3_bucket",))])
    other = StepResult("aws_s3_bucket", OTHER, "us-east-1", "s3", ("aws_s3_bucket",), "failed", "AccessDenied")
    _run(store, [], [other])  # another account's run: the first account's data is still its latest
    cov = assess(store.connection, render(get("public-buckets")))
    assert cov.level == "partial" and "failed: AccessDenied in us-east-1" in cov.note


def test_a_class_with_some_uncollectable_types_is_partial(store: Store) -> None:
    _run(store, [], [step(("aws_security_group",), service="ec2"), step(("aws_network_acl",), service="ec2"),
                     step(("aws_waf_web_acl",), "global", "failed", "ListWebACLs: 500", service="waf")])
    cov = assess(store.connection, "FIND Firewall")  # security groups and ACLs still answer
    assert (cov.level, cov.note) == ("partial", "aws_waf_web_acl failed: ListWebACLs: 500 in global")
    cov = assess(store.connection, "FIND aws_waf_web_acl")  # nothing does
    assert (cov.level, cov.note) == ("unknown", "aws_waf_web_acl failed: ListWebACLs: 500 in global")


def test_no_credential_report_is_unknown_not_zero(store: Store) -> None:
    users = [ent(f"user-{n}", "aws_iam_user", ["User"], region="global", name=n) for n in ("a", "b")]
    _run(store, users, [step(("aws_iam_user",), "global", service="iam")])
    q = get("users-without-mfa")
    assert run_query(store.connection, render(q)) == []
    cov = assess(store.connection, render(q), q.needs)
    assert (cov.level, cov.text) == ("unknown", "unknown: no credential report")
    (answer,) = [a for a in answer_all(store.connection) if a.question.id == "users-without-mfa"]
    assert (answer.coverage, answer.coverage_note) == ("unknown", "no credential report")
    page = render_report([answer])
    assert "no credential report" in page and "badge unknown" in page and "badge clear" not in page


def test_credential_report_missing_for_some_users_is_partial(store: Store) -> None:
    users = [ent("user-a", "aws_iam_user", ["User"], region="global", name="a", passwordEnabled=True,
                 mfaEnabled=False), ent("user-b", "aws_iam_user", ["User"], region="global", name="b")]
    _run(store, users, [step(("aws_iam_user",), "global", service="iam")])
    q = get("users-without-mfa")
    assert [r["name"] for r in run_query(store.connection, render(q))] == ["a"]
    cov = assess(store.connection, render(q), q.needs)
    assert (cov.level, cov.note) == ("partial", "no credential report for 1 of 2 aws_iam_user")


def test_cross_account_trust_lists_only_the_roles_that_trust(store: Store) -> None:
    ours = ent("arn:aws:iam::111122223333:role/vendor", "aws_iam_role", ["AccessRole"], region="global",
               name="vendor")
    theirs = ent(f"arn:aws:iam::{OTHER}:role/ops", "aws_iam_role", ["AccessRole"], region="global", name="ops",
                 accountId=OTHER, _source="system-mapper")
    trust = rel(ours, "TRUSTS", theirs, crossAccount=True, externalIdRequired=False)
    _run(store, [ours, theirs], [step(("aws_iam_role",), "global", service="iam")], [trust])
    for qid in ("cross-account-trust", "cross-account-trust-without-external-id"):
        rows = run_query(store.connection, render(get(qid)))
        assert [(r["role.name"], r["who.displayName"], r["who.accountId"]) for r in rows] == [
            ("vendor", "ops", OTHER)], qid


def test_users_are_listed_once_with_or_without_their_person(store: Store) -> None:
    alice = ent("user-alice", "aws_iam_user", ["User"], region="global", name="alice@example.com")
    carol = ent("user-carol", "aws_iam_user", ["User"], region="global", name="carol")
    person = ent("person:alice@example.com", "employee", ["Person", "User"], region="global",
                 email=["alice@example.com"], _source="system-mapper")
    _run(store, [alice, carol, person], [step(("aws_iam_user",), "global", service="iam")],
         [rel(alice, "IS", person, email="alice@example.com")])
    mapped = run_query(store.connection, render(get("users-mapped-to-people")))
    assert [(r["u.name"], r["p.email"]) for r in mapped] == [("alice@example.com", ["alice@example.com"])]
    unmapped = run_query(store.connection, render(get("users-not-mapped-to-people")))
    assert [r["u.name"] for r in unmapped] == ["carol"]


def test_every_answer_carries_coverage(graph_db: str) -> None:
    store = open_store(graph_db)
    answers = answer_all(store)
    store.close()
    assert len(answers) == len(QUESTIONS)
    for a in answers:
        assert a.coverage in ("complete", "partial", "unknown"), a.question.id
        assert (a.coverage == "complete") == (a.coverage_note == ""), a.question.id
    # the shared estate records complete scopes for what it holds and no steps for the rest
    by_id = {a.question.id: a for a in answers}
    assert by_id["unencrypted-volumes"].coverage == "complete"
    assert by_id["users-without-mfa"].coverage == "unknown"


def test_cli_ask_says_so_beside_the_rows(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    users = [ent("user-a", "aws_iam_user", ["User"], region="global", name="a")]
    _run(store, users, [step(("aws_iam_user",), "global", service="iam")])
    store.close()  # the CLI opens the file read-only on its own
    assert main(["ask", "users-without-mfa", "--db", db(store), "--format", "json"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "[]" and "unknown: no credential report" in out.err


def test_identical_looking_rows_get_a_hint(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _run(store, [bucket("a"), ent("arn:aws:s3:::a-eu", "aws_s3_bucket", ["DataStore"], region="eu-west-1",
                                  name="a")], [step(("aws_s3_bucket",))])
    store.close()  # the CLI opens the file read-only on its own
    assert main(["query", "--db", db(store), "FIND aws_s3_bucket AS b RETURN b.name"]) == 0
    assert "1 row look the same as another" in capsys.readouterr().out
    assert main(["query", "--db", db(store), "FIND aws_s3_bucket AS b RETURN b.name, b.region"]) == 0
    assert "look the same" not in capsys.readouterr().out


def test_a_failed_type_behind_a_derived_property_makes_the_answer_partial(store: Store) -> None:
    """``exposedToInternet`` comes from route tables the query never names: their failure shows."""
    host = ent("arn:aws:ec2:us-east-1:111122223333:instance/i-1", "aws_instance", ["Host"], exposedToInternet=True)
    ec2 = [step((t,), service="ec2") for t in ("aws_instance", "aws_subnet", "aws_network_acl",
                                                 "aws_security_group", "aws_eni")]
    _run(store, [host], [*ec2, step(("aws_route_table",), status="failed", reason="AccessDenied", service="ec2"),
                         step(("aws_s3_bucket",)), step(("aws_s3_bucket_policy",), status="partial",
                                                         reason="GetBucketPolicy: throttled")])
    from awsgraph.questions.catalog import EXPOSURE

    cov = assess(store.connection, "FIND aws_instance WITH exposedToInternet = true", (EXPOSURE,))
    # no run ever listed a route table: exposure cannot be known
    assert (cov.level, cov.note) == ("unknown", "aws_route_table failed: AccessDenied in us-east-1 "
                                                "(read for exposedToInternet)")
    q = get("exposed-instances")  # Host|Gateway|Database: other types never collected make it partial alone
    assert assess(store.connection, render(q)).level == "partial"
    assert assess(store.connection, render(q), q.needs).level == "unknown"
    q = get("public-buckets")
    assert assess(store.connection, render(q)).level == "complete"  # what the query alone names
    cov = assess(store.connection, render(q), q.needs)
    assert (cov.level, cov.note) == ("unknown", "aws_s3_bucket_policy partial: GetBucketPolicy: throttled in "
                                                "us-east-1 (read for public)")


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_every_question_reading_a_derived_property_declares_what_it_comes_from(question: Any) -> None:
    from awsgraph.questions.catalog import BUCKET_POLICY, ESCALATION, EXPOSURE

    text = question.query
    if "exposedToInternet" in text:
        assert EXPOSURE in question.needs
    if "escalat" in text or "administrator" in text:
        assert ESCALATION in question.needs
    if "aws_s3_bucket" in text and "public" in text:
        assert BUCKET_POLICY in question.needs
