"""Turn one raw API item into a JupiterOne-shaped entity, as a Resource spec describes."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import jmespath
import jmespath.functions

from awsgraph.catalog.spec import Resource
from awsgraph.model.entity import Entity, PropValue, normalize_tags, to_primitive
from awsgraph.model.fields import scrub_url_text, scrub_urls, select_fields
from awsgraph.model.keys import service_key

_compiled: dict[str, Any] = {}
SUBJECT_SEP = "\x1f"  # joins a subject link's two values


class _Functions(jmespath.functions.Functions):
    """Extra JMESPath functions specs may use."""

    @jmespath.functions.signature({"types": ["string"]}, {"types": ["string", "null"]})
    def _func_split(self, sep: str, value: str | None) -> list[str]:
        return value.split(sep) if value else []

    @jmespath.functions.signature({"types": ["string", "null"]})
    def _func_arn_name(self, value: str | None) -> str | None:
        """The last path or colon segment of an ARN: the resource's name."""
        if not value:
            return None
        return value.rsplit("/", 1)[-1].rsplit(":", 1)[-1] if "/" not in value else value.rsplit("/", 1)[-1]


_OPTIONS = jmespath.Options(custom_functions=_Functions())


_PLAIN_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def _field_getter(path: str) -> Callable[[Any], Any]:
    """``A.B.C`` without the interpreter: JMESPath gives null for a missing field or a
    field of anything but an object, and so does this."""
    parts = path.split(".")

    def get(data: Any) -> Any:
        for part in parts:
            if not isinstance(data, dict):
                return None
            data = data.get(part)
        return data

    return get


def _compile(expr: str) -> Callable[[Any], Any]:
    if _PLAIN_PATH.match(expr):
        return _field_getter(expr)
    parsed = jmespath.compile(expr)
    return lambda data: parsed.search(data, options=_OPTIONS)


def jp(expr: str, data: Any) -> Any:
    """Evaluate a (cached) JMESPath expression; plain field paths skip the interpreter."""
    c = _compiled.get(expr)
    if c is None:
        c = _compiled[expr] = _compile(expr)
    return c(data)


_PLAIN = (str, int, float, bool, type(None))


def json_safe(obj: Any) -> Any:
    """Datetimes to ISO strings, bytes dropped: what a stored raw record may hold."""
    kind = type(obj)
    if kind is dict:
        return {k if type(k) is str else str(k): json_safe(v) for k, v in obj.items() if k != "ResponseMetadata"}
    if kind in _PLAIN:
        return obj
    if kind is list or kind is tuple:
        return [json_safe(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items() if k != "ResponseMetadata"}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, dt.datetime | dt.date):
        return obj.isoformat()
    if isinstance(obj, bytes | bytearray):
        return None
    return obj


def epoch_ms(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, int | float):
        # seconds or milliseconds since the epoch
        return int(value if value > 10**11 else value * 1000)
    if isinstance(value, str):
        try:
            return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            return None
    return None


class _FormatDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def format_template(template: str, item: Mapping[str, Any], ctx: Mapping[str, Any]) -> str:
    values = _FormatDict({k: scrub_url_text(v) if isinstance(v, str) else v for k, v in item.items()
                          if isinstance(v, str | int)})
    values.update(ctx)
    return template.format_map(values)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        out: list[str] = []
        for v in value:
            out.extend(_as_list(v))
        return out
    if isinstance(value, str | int | float | bool):
        s = str(value)
        return [s] if s else []
    return []


def build_entity(spec: Resource, item: dict[str, Any], *, account: str, region: str, partition: str,
                 stamp: Mapping[str, PropValue]) -> Entity | None:
    """Build an entity from a raw item; ``region`` is the region the listing ran in."""
    ctx = {"account": account, "region": region, "partition": partition}
    rid = jp(spec.id, item)
    if rid is None or rid == "":
        return None
    rid = scrub_url_text(str(rid))
    own_region = jp(spec.region, item) if spec.region else None
    eff_region = str(own_region) if own_region else (None if spec.scope == "global" else region)
    tctx = {**ctx, "region": eff_region or ctx["region"], "id": rid}
    arn = jp(spec.arn, item) if spec.arn else None
    if not arn and spec.arn_template:
        arn = format_template(spec.arn_template, item, tctx)
    if spec.key_template:
        key = format_template(spec.key_template, item, tctx)
    else:
        key = str(arn) if arn else f"{spec.type}:{account}:{eff_region or 'global'}:{rid}"
    name = jp(spec.name, item) if spec.name else None
    name = scrub_url_text(str(name)) if name not in (None, "") else rid

    props: dict[str, PropValue] = {"id": rid, "name": name}
    if arn:
        props["arn"] = str(arn)
    props["accountId"] = account
    if eff_region:
        props["region"] = eff_region
    tags_raw = jp(spec.tags, item) if spec.tags else None
    tag_props = normalize_tags(tags_raw) if isinstance(tags_raw, list | dict) else {}
    for prop, expr in spec.props.items():
        value = to_primitive(jp(expr, item))
        if value is not None and value != []:
            props[prop] = value
    if spec.compute is not None:
        for prop, value in spec.compute(item).items():
            pv = to_primitive(value)
            if pv is not None:
                props[prop] = pv
    props = {k: scrub_urls(v) for k, v in props.items()}  # a URL keeps scheme, host and path only
    if spec.created:
        created = epoch_ms(jp(spec.created, item))
        if created is not None:
            props["createdOn"] = created
    if spec.active:
        active = jp(spec.active, item)
        if active is not None:
            props["active"] = bool(active)
    if "active" not in props:
        props["active"] = True
    if spec.web_link:  # our own console URL template: its query is the console's, not the data's
        props["webLink"] = format_template(spec.web_link, item, tctx)
    props.update(scrub_urls(tag_props))
    display = props.get("tag.Name")
    props["displayName"] = str(display) if display not in (None, "") else name
    props.update(stamp)

    link_values: dict[str, list[str]] = {}
    for link in spec.links:
        values = _as_list(jp(link.values, item))
        if link.subject is not None:  # pairs "subject value<US>other value", resolved together
            subjects = _as_list(jp(link.subject[2], item))
            values = [f"{s}{SUBJECT_SEP}{v}" for s in subjects for v in values]
        if values:
            link_values.setdefault(link.id, []).extend(scrub_url_text(v) for v in values)
    if spec.service_has:
        link_values["HAS|" + f"aws_{spec.service_group}" + "|_key|<"] = [service_key(account, spec.service_group)]
    # Only the fields the spec names are stored; the rest of the answer ends here.
    raw = scrub_urls(json_safe(select_fields(item, spec.raw))) if spec.raw else None
    return Entity(key=scrub_url_text(key), type=spec.type, classes=tuple(spec.cls), props=props,
                  link_values=link_values, raw=raw)


def decode_policy(value: Any) -> Any:
    """Policy documents arrive as JSON strings (sometimes URL-encoded); decode them to dicts."""
    if isinstance(value, str):
        from urllib.parse import unquote

        text = value.strip()
        if text.startswith("%7B") or text.startswith("%7b"):
            text = unquote(text)
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value
