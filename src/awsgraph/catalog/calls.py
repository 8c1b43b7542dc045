"""The exact AWS operations the catalog may call.

One function, :func:`methods`, names every call a spec makes (its list call, details, bulk
reads and their fallbacks, or a Custom step's declared ``operations``) as boto3 method names;
:func:`operations` gives the same list as API operation names. It makes the IAM policy in
``docs/iam-policy.json`` and the read-only guard's allow-list: a call nobody declared is
refused before it is sent.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import botocore.model
import botocore.session
from botocore import xform_name

from awsgraph.catalog.spec import Resource, Spec

Call = tuple[str, str]  # (boto3 client name, boto3 method name): ("iam", "list_saml_providers")

# What the session itself calls, whatever the catalog: who am I, and which regions are enabled.
SESSION_CALLS: frozenset[Call] = frozenset({("sts", "get_caller_identity"), ("ec2", "describe_regions")})

# Operations (boto3 client, API operation name) whose names are not reads that a spec may
# nevertheless declare, each with why it is safe. The guard lets these through only when a spec
# declares them; the docs list the ones in use.
NON_READ_OPERATIONS: dict[tuple[str, str], str] = {
    ("iam", "GenerateCredentialReport"): (
        "asks IAM to build the account's credential report (then read by GetCredentialReport); it changes"
        " no resource and returns no secret, and AWS's SecurityAudit managed policy grants it"),
}


@functools.cache
def _model(service: str) -> botocore.model.ServiceModel:
    return _session().get_service_model(service)


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def _api_names(service: str) -> dict[str, str]:
    return {xform_name(op): op for op in _model(service).operation_names}


def api_name(service: str, call: str) -> str:
    """The API operation name (``ListSAMLProviders``) of a boto3 method (``list_saml_providers``)."""
    return _api_names(service).get(call) or "".join(p[:1].upper() + p[1:] for p in call.split("_"))


def methods(spec: Spec) -> list[Call]:
    """(boto3 client, method) pairs a spec calls."""
    calls: list[Call] = []
    if isinstance(spec, Resource):
        if spec.call:
            calls.append((spec.service, spec.call))
        calls += [(d.service or spec.service, d.call) for d in spec.details]
        for b in spec.bulk:
            calls.append((b.service or spec.service, b.call))
            if b.fallback:
                calls.append((b.fallback.service or spec.service, b.fallback.call))
    else:
        for op in spec.operations:
            client, _, call = op.partition(":") if ":" in op else (spec.service, "", op)
            calls.append((client, call))
    return calls


def operations(spec: Spec) -> list[tuple[str, str]]:
    """(boto3 client, API operation name) pairs a spec calls."""
    return [(client, api_name(client, call)) for client, call in methods(spec)]


def allowed_calls(specs: Iterable[Spec]) -> frozenset[Call]:
    """Everything a collector running ``specs`` may send: their calls and the session's own."""
    return SESSION_CALLS | {c for spec in specs for c in methods(spec)}


def declared_non_reads(specs: Iterable[Spec]) -> dict[tuple[str, str], str]:
    """The non-read operations ``specs`` declare, with the reason each is allowed."""
    return {c: NON_READ_OPERATIONS[c] for spec in specs for c in operations(spec) if c in NON_READ_OPERATIONS}
