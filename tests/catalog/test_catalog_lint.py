"""Every spec checked against botocore's service model, and the generated docs kept current."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session
import pytest

from awsgraph.catalog import CATALOG, Custom, Resource, resources
from awsgraph.catalog.docs import api_name, operations, render_catalog, render_policy
from awsgraph.collect.guard import is_read_operation

SESSION = botocore.session.get_session()
ROOT = Path(__file__).resolve().parents[2]
TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _model(service: str) -> botocore.model.ServiceModel:
    return SESSION.get_service_model(service)


@pytest.mark.parametrize("spec", list(CATALOG), ids=lambda s: getattr(s, "type", getattr(s, "name", "?")))
def test_spec_operations_exist_and_are_reads(spec: Resource | Custom) -> None:
    for client, op in operations(spec):
        model = _model(client)
        assert op in model.operation_names, f"{client}:{op} is not an operation of {client}"
        assert is_read_operation(client, op), f"{client}:{op} is refused by the read-only guard"


@pytest.mark.parametrize("spec", [r for r in resources() if r.call], ids=lambda s: s.type)
def test_list_call_items_exist_in_output_shape(spec: Resource) -> None:
    """The first segment of ``items`` (or the paginator's result key) is in the output shape."""
    model = _model(spec.service)
    op = model.operation_model(api_name(spec.service, spec.call or ""))
    members = set(op.output_shape.members) if op.output_shape else set()
    if spec.items:
        head = re.split(r"[\[.|&]", spec.items, maxsplit=1)[0].strip()
        assert head in members, f"{spec.type}: items {spec.items!r} not in {sorted(members)}"
    for d in spec.details:
        dmodel = _model(d.service) if d.service else model
        dop = dmodel.operation_model(api_name(d.service or spec.service, d.call))
        for param in [*d.params, *d.static]:
            assert param in dop.input_shape.members, f"{spec.type}: {d.call} has no parameter {param}"


def test_types_are_unique_and_well_formed() -> None:
    # A type may be listed by several APIs (WAF classic and WAFv2 web ACLs, Inspector classic and
    # Inspector2 findings): those specs agree on the class, and at most one converts Custom output.
    by_type: dict[str, list[Resource]] = {}
    for r in resources():
        by_type.setdefault(r.type, []).append(r)
    for t, specs in by_type.items():
        assert len({s.cls for s in specs}) == 1, f"{t}: specs disagree on _class"
        assert sum(1 for s in specs if s.call is None) <= 1, f"{t}: converted by two specs"
        assert len(specs) == 1 or all(s.call for s in specs), f"{t}: listed and converted"
    for r in resources():
        assert TYPE_NAME.match(r.type), r.type
        assert r.cls and all(c[:1].isupper() for c in r.cls), r.type
    produced = {t for s in CATALOG if isinstance(s, Custom) for t in s.produces}
    spawned = {t for r in resources() for t in r.spawn}
    for r in resources():
        if r.call is None:
            assert r.type in produced | spawned, f"{r.type} has no call and nothing produces it"


def test_link_targets_are_known_types() -> None:
    known = {r.type for r in resources()} | {f"aws_{s.service_group}" for s in CATALOG}
    for r in resources():
        for link in r.links:
            for other in link.others:
                assert other in known, f"{r.type} links to unknown type {other}"


def test_generated_docs_are_current() -> None:
    assert (ROOT / "docs/catalog.md").read_text() == render_catalog(), "run `awsgraph docs`"
    assert (ROOT / "docs/iam-policy.json").read_text() == render_policy(), "run `awsgraph docs`"


def test_required_permissions_are_real_iam_actions() -> None:
    """Every action in docs/iam-policy.json exists in the IAM action table: a policy built from
    it must not fail on a name IAM does not know (s3:ListBuckets is s3:ListAllMyBuckets)."""
    from awsgraph.catalog.docs import required_permissions
    from awsgraph.iam import actions

    perms = required_permissions()
    assert "s3:ListAllMyBuckets" in perms and len(perms) > 100
    assert [p for p in perms if actions.lookup(p) is None] == []
