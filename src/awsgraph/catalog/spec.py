"""Declarative collection specs: *what* to collect, as data.

A :class:`Resource` says which read call lists a kind of resource, how to find its id,
ARN, name and properties in each returned item (JMESPath expressions over the item),
which per-item detail calls enrich it, and how it links to other entity types. The
engine in ``awsgraph.collect`` runs every spec the same way; nothing here knows about
threads or storage. A :class:`Custom` step is the escape hatch for the few APIs that do
not fit (for example IAM's account authorization details, which returns many types).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Scope = Literal["regional", "global"]


@dataclass(frozen=True)
class Detail:
    """A per-item read call whose result is merged into the item under ``into``
    (``into="*"``: a dict result's keys are merged into the item itself).

    A call whose params evaluate to null is skipped: there is nothing to look up.
    Items a :class:`Custom` step yields go through their type's details as listed ones do.
    """

    call: str
    into: str
    params: Mapping[str, str] = field(default_factory=dict)  # API param -> JMESPath over the item
    static: Mapping[str, Any] = field(default_factory=dict)  # literal API params
    result: str | None = None  # JMESPath over the response; None = whole response
    missing: tuple[str, ...] = ()  # error codes that mean "not configured", not a failure
    decode_json: bool = False  # the result is a JSON document in a string (policies)
    paginate: bool = False  # follow the operation's paginator and merge pages
    service: str | None = None  # another boto3 client of the same account and region (default: the spec's)
    stage: int = 0  # runs after every detail of a lower stage is merged, so params may read them


@dataclass(frozen=True)
class Bulk:
    """One region-wide read spread over a step's items by a join key, in place of one call per
    item: every key's aliases from one ``ListAliases``, tags from the Resource Groups Tagging API.

    The step's items wait for it before they are built. If it fails, each item makes the
    ``fallback`` per-item call instead; without a fallback the items are marked incomplete.
    """

    call: str
    into: str
    items: str  # JMESPath to the result list in each page
    key: str  # JMESPath over a result element: its join value
    match: str  # JMESPath over the item: its join value
    value: str | None = None  # JMESPath over a result element (default: the element)
    many: bool = False  # every matching value, as a list (default: the first)
    default: Any = None  # for an item nothing matched
    static: Mapping[str, Any] = field(default_factory=dict)  # literal API params
    service: str | None = None  # another boto3 client of the same account and region
    fallback: Detail | None = None


@dataclass(frozen=True)
class Link:
    """A relationship to entities of ``other`` whose ``on`` property equals a value here.

    ``values`` is a JMESPath over the raw item yielding one value or a list. By default
    the relationship is ``this VERB other``; ``reverse=True`` makes it ``other VERB this``.
    ``subject`` = (type, on, JMESPath) puts other entities in place of "this": those of
    ``type`` whose ``on`` property equals a value of the JMESPath (a VPC flow log record
    says ``aws_vpc LOGS aws_s3_bucket``; the flow log itself is not an end).
    """

    verb: str
    other: str | tuple[str, ...]
    values: str
    on: str = "_key"
    reverse: bool = False
    subject: tuple[str, str, str] | None = None

    @property
    def others(self) -> tuple[str, ...]:
        return (self.other,) if isinstance(self.other, str) else self.other

    @property
    def id(self) -> str:
        direction = "<" if self.reverse else ">"
        base = f"{self.verb}|{','.join(self.others)}|{self.on}|{direction}"
        return f"{base}|{self.subject[0]}|{self.subject[1]}" if self.subject else base


@dataclass(frozen=True)
class Parent:
    """List this resource once per item of the ``type`` resource (same account and region)."""

    type: str
    params: Mapping[str, str]  # API param -> JMESPath over the parent's raw item
    carry: Mapping[str, str] = field(default_factory=dict)  # item field -> JMESPath over parent


Computed = Callable[[dict[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class Resource:
    """One entity type and, when ``call`` is set, how to list it."""

    type: str
    cls: tuple[str, ...]
    service: str  # boto3 client name
    call: str | None  # list operation (snake_case); None = produced by a Custom step
    id: str  # JMESPath to the resource id
    group: str = ""  # JupiterOne service name (aws_<group>); defaults to ``service``
    params: Mapping[str, Any] = field(default_factory=dict)  # a value may be a no-arg function, called per run
    items: str | None = None  # JMESPath to the items in a page; default: the paginator's result key
    arn: str | None = None  # JMESPath to the ARN in the item
    arn_template: str | None = None  # e.g. "arn:{partition}:ec2:{region}:{account}:vpc/{VpcId}"
    key_template: str | None = None  # _key when there is no ARN
    name: str | None = None  # JMESPath; default: id
    props: Mapping[str, str] = field(default_factory=dict)  # property -> JMESPath over the item
    compute: Computed | None = None  # extra properties computed from the item
    tags: str | None = "Tags"  # JMESPath to a [{Key, Value}] list or a {k: v} map
    created: str | None = None  # JMESPath to a creation time
    active: str | None = None  # JMESPath to a boolean expression
    region: str | None = None  # JMESPath to the resource's own region (global listings)
    region_field: str | None = None  # write the listing's region here when the item lacks it
    details: tuple[Detail, ...] = ()
    bulk: tuple[Bulk, ...] = ()
    links: tuple[Link, ...] = ()
    parent: Parent | None = None
    scope: Scope = "regional"
    web_link: str | None = None  # console URL template, formatted like arn_template
    service_has: bool = True  # aws_<group> HAS this type
    keep: Callable[[dict[str, Any]], bool] | None = None  # drop items this returns False for
    cap: int | None = None  # stop after this many items per (account, region, parent); reported
    missing: tuple[str, ...] = ()  # error codes of the list call meaning "none configured"
    page_size: int | None = None  # ask for pages of this size (botocore PaginationConfig.PageSize)
    spawn: Mapping[str, str] = field(default_factory=dict)  # entity type -> JMESPath to sub-items
    iam_prefix: str | None = None  # IAM action prefix when it differs from ``service``
    extra_permissions: tuple[str, ...] = ()
    description: str = ""
    # The raw fields stored for the analysers, as dotted paths over the item (lists crossed):
    # ``("IpPermissions", "NetworkInterfaces.Association.PublicIp")``. Nothing else of the API
    # answer is stored; the default keeps none.
    raw: tuple[str, ...] = ()
    # Kept raw path or property name -> why a value the secrets lint flags there is safe to store
    # (tests/catalog/test_stored_fields_lint.py).
    safe: Mapping[str, str] = field(default_factory=dict)

    @property
    def service_group(self) -> str:
        return self.group or self.service


FetchFn = Callable[["FetchContext"], Iterable[tuple[str, dict[str, Any]]]]


@dataclass(frozen=True)
class Custom:
    """Escape hatch: ``fetch`` yields ``(entity_type, raw_item)`` pairs for ``produces``."""

    name: str
    service: str
    fetch: FetchFn
    produces: tuple[str, ...]
    operations: tuple[str, ...]  # the read calls it makes (snake_case), for docs and the guard lint
    group: str = ""
    scope: Scope = "regional"
    iam_prefix: str | None = None
    depends_on: tuple[str, ...] = ()

    @property
    def service_group(self) -> str:
        return self.group or self.service


class FetchContext:
    """What a Custom step may use: a read-only client factory and the scope it runs in."""

    def __init__(self, account: str, region: str, partition: str, client: Callable[[str], Any],
                 paginate: Callable[..., Iterable[dict[str, Any]]], note_partial: Callable[[str], None],
                 note_error: Callable[[BaseException], None]) -> None:
        self.account = account
        self.region = region
        self.partition = partition
        self.client = client
        self.paginate = paginate
        self.note_partial = note_partial
        self.note_error = note_error  # classify an exception and mark the step partial/failed


Spec = Resource | Custom
