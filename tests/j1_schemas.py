"""Validate entities against JupiterOne's class schemas (@jupiterone/data-model 0.64.2) with jsonschema.

The ecosystem's own check is the J1 SDK's ``toMatchGraphObjectSchema``: every ``_class`` of an
entity must accept it. Here the schema files are loaded into one draft-07 document (each file's
``"$id": "#Host"`` becomes an anchor beside the others, so ``{"$ref": "#Entity"}`` resolves) and the
custom formats ``ip``, ``ipCidr`` and ``asn`` are registered as the data-model package does.

Where the schemas come from, first found wins: ``$AWSGRAPH_J1_SCHEMAS``, then
``<repo>/../shared/reference/j1-data-model/class_schemas``, then the vendored copy in
``tests/data/j1-data-model/class_schemas`` (unchanged files, MPL-2.0). Only tests read them.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT7

from awsgraph.catalog import CATALOG
from awsgraph.catalog.spec import Resource

REPO = Path(__file__).resolve().parents[1]
SCHEMA_ENV = "AWSGRAPH_J1_SCHEMAS"
SHARED = REPO.parent / "shared" / "reference" / "j1-data-model" / "class_schemas"
VENDORED = REPO / "tests" / "data" / "j1-data-model" / "class_schemas"

# Classes the functional spec uses that the data model does not define: entities of these
# classes are checked against ``Entity``, the class every other one extends.
OUTSIDE_MODEL = {
    "Monitor": "the spec's class for aws_cloudwatch_metric_alarm; not in data-model 0.64.2",
    "Everyone": "JupiterOne's global principal entity (_type everyone); not a data-model class",
}

# Entity types the analysers add beside the catalog's (placeholders and global entities).
ANALYSIS_TYPES = frozenset({"internet", "everyone", "employee", "network", "host", "domain",
                            "aws_ec2_managed_prefix_list", "aws_iam_identity_provider"})

# Types moto cannot serve: only the Stubber fixture of tests/catalog/test_edge_stubbed.py makes them.
STUBBED_ONLY = frozenset({"aws_accessanalyzer_analyzer", "aws_accessanalyzer_finding", "aws_guardduty_finding",
                          "aws_inspector_assessment", "aws_inspector_finding", "aws_transfer_user",
                          "aws_workspaces_bundle"})


def schema_dir() -> Path:
    env = os.environ.get(SCHEMA_ENV)
    if env:
        return Path(env)
    return SHARED if SHARED.is_dir() else VENDORED


def catalog_types() -> set[str]:
    """Every entity type the catalog's specs produce, and the per-service entities (aws_<group>)."""
    out: set[str] = set()
    for spec in CATALOG:
        out.add(f"aws_{spec.service_group}")
        if isinstance(spec, Resource):
            out.add(spec.type)
            out.update(spec.spawn)
        else:
            out.update(spec.produces)
    return out


def _formats() -> FormatChecker:
    checker = FormatChecker()

    @checker.checks("ip", raises=ValueError)
    def _ip(value: object) -> bool:
        if isinstance(value, str):
            ipaddress.ip_address(value)
        return True

    @checker.checks("ipCidr", raises=ValueError)
    def _cidr(value: object) -> bool:
        if isinstance(value, str):
            ipaddress.ip_network(value, strict=False)
        return True

    @checker.checks("asn")
    def _asn(value: object) -> bool:
        return not isinstance(value, str) or re.fullmatch(r"(AS)?\d{1,10}", value) is not None

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and not re.search(r"[\s<>\"{}|\\^`]", value)

    @checker.checks("hostname")
    def _hostname(value: object) -> bool:
        label = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
        return not isinstance(value, str) or re.fullmatch(rf"{label}(\.{label})*\.?", value) is not None

    return checker


@functools.cache
def schemas(directory: str | None = None) -> dict[str, dict[str, Any]]:
    path = Path(directory) if directory else schema_dir()
    return {p.stem: json.loads(p.read_text()) for p in sorted(path.glob("*.json"))}


BUNDLE_URI = "urn:awsgraph:j1-class-schemas"


@functools.cache
def _registry() -> Registry[Any]:
    # crawled once: an anchor lookup in an uncrawled registry walks the whole bundle every time
    bundle = {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": schemas()}
    return Registry().with_resource(BUNDLE_URI, DRAFT7.create_resource(bundle)).crawl()


@functools.cache
def _validator(cls: str) -> Draft7Validator:
    return Draft7Validator({"$ref": f"{BUNDLE_URI}#{cls}"}, registry=_registry(), format_checker=_formats())


def schema_errors(entity: dict[str, Any]) -> list[str]:
    """What is wrong with ``entity`` for each of its classes (empty when it conforms)."""
    known = schemas()
    classes = entity.get("_class")
    out: list[str] = []
    for cls in classes if isinstance(classes, list) else [classes]:
        target = cls if cls in known else "Entity" if cls in OUTSIDE_MODEL else None
        if target is None:
            out.append(f"{entity.get('_type')} : {cls}: not a data-model class")
            continue
        for err in _validator(target).iter_errors(entity):
            where = ".".join(str(p) for p in err.absolute_path) or "(entity)"
            out.append(f"{entity.get('_type')} : {cls}: {where}: {err.message[:200]}")
    return out


def assert_conform(entities: Iterable[dict[str, Any]]) -> set[str]:
    """Fail listing every non-conforming (type, class, problem); return the types seen."""
    seen: set[str] = set()
    problems: dict[str, int] = {}
    for e in entities:
        seen.add(str(e.get("_type")))
        for p in schema_errors(e):
            problems[p] = problems.get(p, 0) + 1
    assert not problems, "\n".join(f"{n}x {p}" for p, n in sorted(problems.items()))
    return seen
