"""What a spec stores, checked against botocore's output shapes: no kept field may hold a secret.

For every Resource, the item it builds is reconstructed as a shape (the list call's item, each
detail merged under ``into``, each bulk join, carried fields); every kept raw field, property,
link value, id and name is navigated through it. The test fails when what is kept can hold a
member named like a secret (``*Secret*``, ``*Password*``, ``*Token*``, a ``*Key`` string), a
``Value`` (or map value) inside ``Environment``/``Variables``/``Headers``/``Parameters``/
``Outputs``/labels, ``UserData``, a command, or a document body, unless the spec's ``safe``
mapping says why that value is safe to keep. Items of Custom steps are matched against every
structure their declared operations return; a field no shape knows is checked by name.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import botocore.session
import jmespath
import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape

from awsgraph.catalog import CATALOG, Custom, Resource, resources
from awsgraph.catalog.docs import api_name, operations

SESSION = botocore.session.get_session()

SECRETISH = re.compile(r"secret|password|passwd|passphrase|token|credential|private_?key|api_?key", re.I)
COMMAND = re.compile(r"^(user_?data|commands?|entry_?point|args)$", re.I)
DOCUMENT = re.compile(r"(document|^policy|policytext|templatebody|^template|^content|^body|^definition|^input|"
                      r"inputtemplate|inputtransformer|inputpathsmap|^payload|^script)$", re.I)
CONTAINER = re.compile(r"environment|variables|headers|parameters|outputs|labels", re.I)
# Functions whose result carries no value of their arguments (a count, a test).
OPAQUE_FUNCTIONS = {"length", "contains", "starts_with", "ends_with", "type", "to_number", "not_null"}


class Item:
    """The merged item a spec builds from: member name -> the shapes it may have."""

    type_name = "item"

    def __init__(self) -> None:
        self.members: dict[str, list[Any]] = defaultdict(list)

    def add_structure(self, shape: Any) -> None:
        for s in _elements(shape):
            if isinstance(s, StructureShape):
                for name, member in s.members.items():
                    self.members[name].append(member)
            elif isinstance(s, Item):
                for name, shapes in s.members.items():
                    self.members[name].extend(shapes)


class Carried:
    """A field the engine or a Custom step writes itself (carried from a parent, a region)."""

    type_name = "string"


def _elements(shape: Any) -> list[Any]:
    while isinstance(shape, ListShape):
        shape = shape.member
    return [shape]


@functools.cache
def _model(service: str) -> Any:
    return SESSION.get_service_model(service)


def _output(service: str, call: str) -> Shape | None:
    return _model(service).operation_model(api_name(service, call)).output_shape


def _result_key(service: str, call: str) -> str | None:
    try:
        pages = SESSION.get_paginator_model(service)
        cfg = pages.get_paginator(api_name(service, call))
    except Exception:
        return None
    key = cfg.get("result_key")
    return key[0] if isinstance(key, list) else key


# -- navigating a JMESPath expression through shapes -----------------------------------------

Found = list[tuple[Any, tuple[str, ...]]]


def _field(shape: Any, name: str) -> list[Any]:
    found: list[Any] = []
    for s in _elements(shape):
        if isinstance(s, Item):
            found += s.members.get(name, [])
        elif isinstance(s, StructureShape) and name in s.members:
            found.append(s.members[name])
        elif isinstance(s, MapShape):
            found.append(s.value)  # a map is keyed by data: any key may name any value
    return found


def nav(node: dict[str, Any], shape: Any, path: tuple[str, ...], unresolved: list[str]) -> Found:
    kind = node["type"]
    kids = node.get("children", [])
    if kind == "field":
        found = _field(shape, node["value"])
        if not found:
            unresolved.append(node["value"])
        return [(s, (*path, node["value"])) for s in found]
    if kind in ("subexpression", "pipe"):
        current: Found = [(shape, path)]
        for kid in kids:
            current = [r for s, p in current for r in nav(kid, s, p, unresolved)]
        return current
    if kind in ("projection", "filter_projection"):
        left = nav(kids[0], shape, path, unresolved)
        return [r for s, p in left for r in nav(kids[1], s, p, unresolved)]
    if kind in ("flatten", "index_expression") or kind == "value_projection":
        left = nav(kids[0], shape, path, unresolved)
        rest = kids[1:] if kind != "index_expression" else []
        for kid in rest:
            left = [r for s, p in left for r in nav(kid, s, p, unresolved)]
        return left
    if kind in ("identity", "current", "index", "slice"):
        return [(shape, path)]
    if kind in ("or_expression", "multi_select_list"):
        return [r for kid in kids for r in nav(kid, shape, path, unresolved)]
    if kind == "multi_select_hash":
        return [r for kv in kids for kid in kv.get("children", []) for r in nav(kid, shape, path, unresolved)]
    if kind == "and_expression":
        return nav(kids[-1], shape, path, unresolved)
    if kind == "function_expression":
        if node["value"] in OPAQUE_FUNCTIONS:
            return []
        return [r for kid in kids if kid["type"] not in ("literal", "expref")
                for r in nav(kid, shape, path, unresolved)]
    return []  # literals, comparisons, negations: no value of the item passes through


def navigate(expr: str, shape: Any, path: tuple[str, ...] = ()) -> tuple[Found, list[str]]:
    unresolved: list[str] = []
    return nav(jmespath.compile(expr).parsed, shape, path, unresolved), unresolved


# -- the item a spec builds ----------------------------------------------------------------

def _custom_structures(custom: Custom) -> Item:
    """Every structure member reachable from the outputs of a Custom step's operations."""
    item = Item()
    seen: set[str] = set()

    def walk(shape: Any, depth: int) -> None:
        if depth > 8:
            return
        for s in _elements(shape):
            if isinstance(s, StructureShape):
                if s.name in seen:
                    continue
                seen.add(s.name)
                for name, member in s.members.items():
                    item.members[name].append(member)
                    walk(member, depth + 1)
            elif isinstance(s, MapShape):
                walk(s.value, depth + 1)

    for client, op in operations(custom):
        walk(_model(client).operation_model(op).output_shape, 0)
    return item


def item_shape(spec: Resource) -> Item:
    item = Item()
    if spec.call:
        out = _output(spec.service, spec.call)
        expr = spec.items or _result_key(spec.service, spec.call)
        found = navigate(expr, out)[0] if expr else [(out, ())]
        for s, _ in found:
            for element in _elements(s):
                if isinstance(element, StructureShape):
                    item.add_structure(element)
                else:  # scalar items are wrapped as {"Value": item}
                    item.members["Value"].append(element)
    else:
        for custom in (c for c in CATALOG if isinstance(c, Custom) and spec.type in c.produces):
            item.add_structure(_custom_structures(custom))
    if spec.parent is not None:
        for name in spec.parent.carry:
            item.members[name].append(Carried())
    if spec.region_field:
        item.members[spec.region_field].append(Carried())
    for stage in sorted({d.stage for d in spec.details}):
        for d in (d for d in spec.details if d.stage == stage):
            out = _output(d.service or spec.service, d.call)
            found = navigate(d.result, out)[0] if d.result else [(out, ())]
            for s, _ in found:
                if d.into == "*":
                    item.add_structure(s)
                else:
                    item.members[d.into].append(s)
    for b in spec.bulk:
        out = _output(b.service or spec.service, b.call)
        for element, _ in navigate(b.items, out)[0]:
            values = navigate(b.value, element)[0] if b.value else [(element, ())]
            item.members[b.into] += [s for s, _ in values]
        if b.fallback is not None:
            fb = b.fallback
            fout = _output(fb.service or spec.service, fb.call)
            item.members[b.into] += [s for s, _ in (navigate(fb.result, fout)[0] if fb.result else [(fout, ())])]
    return item


# -- what counts as a secret ----------------------------------------------------------------

def _is_string(shape: Any) -> bool:
    return getattr(shape, "type_name", "") in ("string", "blob")


def _cannot_hold_text(shape: Any) -> bool:
    """A number, flag, time or enumerated string cannot carry a secret, whatever its name."""
    kind = getattr(shape, "type_name", "")
    if kind in ("boolean", "integer", "long", "double", "float", "timestamp"):
        return True
    return kind == "string" and bool(getattr(shape, "enum", None))


def name_flag(name: str, shape: Any, path: tuple[str, ...]) -> str | None:
    if shape is not None and _cannot_hold_text(shape):
        return None
    if SECRETISH.search(name):
        return "named like a secret"
    if name.endswith(("Key", "key")) and name not in ("Key", "key") and (shape is None or _is_string(shape)):
        return "a *Key value"
    if COMMAND.match(name):
        return "user data or a command"
    if DOCUMENT.search(name.replace("_", "")):
        return "a document body"
    if name.lower().endswith("value") and (any(CONTAINER.search(p) for p in path[:-1])
                                           or CONTAINER.search(name.lower().replace("value", "s"))):
        return "a value inside an environment, variables, headers, parameters or outputs"
    return None


def subtree_flags(shape: Any, path: tuple[str, ...]) -> Iterator[str]:
    stack: set[str] = set()

    def walk(s: Any, p: tuple[str, ...], depth: int) -> Iterator[str]:
        if depth > 10:
            return
        name = p[-1] if p else ""
        why = name_flag(name, s, p) if name and name != "*" else None
        if why:
            yield f"{'.'.join(p)}: {why}"
            return
        for e in _elements(s):
            if isinstance(e, StructureShape):
                if e.name in stack:
                    continue
                stack.add(e.name)
                for member_name, member in e.members.items():
                    yield from walk(member, (*p, member_name), depth + 1)
                stack.discard(e.name)
            elif isinstance(e, MapShape):
                if any(CONTAINER.search(x) for x in p):
                    yield f"{'.'.join(p)}.*: a value inside an environment, variables, headers, parameters or outputs"
                    continue
                yield from walk(e.value, (*p, "*"), depth + 1)

    yield from walk(shape, path, 0)


def findings(spec: Resource) -> dict[str, list[str]]:
    """What each kept path or property may hold that looks like a secret: {key in safe: [why]}.

    Keys are raw paths, property names, ``id``, ``name``, or ``links`` for every link's values."""
    item = item_shape(spec)
    out: dict[str, list[str]] = defaultdict(list)
    for path in spec.raw:
        parts = path.split(".")
        current: list[tuple[Any, tuple[str, ...]]] = [(item, ())]
        for part in parts:
            nxt = [(s, (*p, part)) for shape, p in current for s in _field(shape, part)]
            if not nxt:
                if spec.call and not any(isinstance(s, Carried) for s, _ in current):
                    out[path].append(f"{path}: no such field in what the API returns (a typo?)")
                # a field a Custom step writes itself: its names are all there is to check
                for name in parts:
                    why = name_flag(name, None, tuple(parts))
                    if why:
                        out[path].append(f"{path}: {why}")
                break
            current = nxt
        else:
            for shape, p in current:
                out[path] += list(subtree_flags(shape, p))
    expressions = [*spec.props.items(), ("id", spec.id)]
    if spec.name:
        expressions.append(("name", spec.name))
    expressions += [("links", link.values) for link in spec.links]  # stored with the entity too
    for prop, expr in expressions:
        found, unresolved = navigate(expr, item)
        for shape, p in found:
            out[prop] += list(subtree_flags(shape, p))
        for name in unresolved:
            why = name_flag(name, None, (name,))
            if why:
                out[prop].append(f"{name}: {why}")
    return {k: v for k, v in out.items() if v}


@pytest.mark.parametrize("spec", resources(), ids=lambda s: s.type + (f"[{s.call}]" if s.call else ""))
def test_stored_fields_cannot_hold_secrets(spec: Resource) -> None:
    problems = {k: v for k, v in findings(spec).items() if k not in spec.safe or any("typo" in w for w in v)}
    assert not problems, (
        f"{spec.type} stores what may be a secret (drop it, or say why it is safe in `safe`): {problems}")


@pytest.mark.parametrize("spec", [r for r in resources() if r.safe], ids=lambda s: s.type)
def test_every_safe_reason_is_needed(spec: Resource) -> None:
    """A reason for a field that is not kept, or that the lint does not flag, is stale."""
    flagged = findings(spec)
    for key, reason in spec.safe.items():
        assert reason.strip(), f"{spec.type}: empty reason for {key}"
        assert key in flagged, f"{spec.type}: `safe` explains {key!r}, which holds nothing the lint flags"


def test_the_lint_catches_what_the_issue_names() -> None:
    """The shapes the issue reproduced leaks with: keeping them whole must be flagged."""
    from dataclasses import replace

    from awsgraph.catalog import apigateway, batch, cloudformation, cloudfront, cloudwatch, ecs, elb

    cases = [
        (cloudfront.DISTRIBUTION, "Config.Origins", "CustomHeaders"),  # origin custom header values
        (apigateway.REST_API, "Stages", "variables"),  # stage variables
        (cloudwatch.EVENT_RULE, "Targets", "Input"),  # Input, InputTransformer, HttpParameters
        (cloudwatch.EVENT_RULE, "Targets", "HttpParameters"),
        (cloudformation.STACK, "Outputs", "OutputValue"),
        (cloudformation.STACK, "Parameters", "ParameterValue"),
        (elb.ALB, "Listeners", "ClientSecret"),  # OIDC client secret in the default actions
        (batch.JOB_DEFINITION, "containerProperties", "environment"),
        (batch.JOB_DEFINITION, "containerProperties", "command"),
        (batch.JOB_DEFINITION, "parameters", "parameters"),
        (batch.JOB_DEFINITION, "eksProperties", "env"),
        (ecs.TASK_DEFINITION, "Def", "command"),
        (ecs.TASK_DEFINITION, "Def", "dockerLabels"),
        (ecs.TASK_DEFINITION, "Def", "environment"),
        (ecs.TASK, "Task", "overrides"),
    ]
    for spec, keep, leak in cases:
        flagged = findings(replace(spec, raw=(keep,), safe={}))
        assert any(leak in why for why in flagged.get(keep, [])), (
            f"{spec.type}: keeping {keep} whole was not flagged for {leak}: {flagged.get(keep)}")
    # a visible property that copies such a value is flagged too
    leaky = replace(cloudwatch.EVENT_RULE, props={"inputs": "Targets[].Input", "auth": "Targets[].HttpParameters"})
    assert set(findings(leaky)) >= {"inputs", "auth"}
