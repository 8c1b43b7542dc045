"""The raw-field allow-list and URL scrubbing applied to everything a spec stores."""

from __future__ import annotations

from awsgraph.catalog.spec import Resource
from awsgraph.collect.convert import build_entity
from awsgraph.model.fields import scrub_url_text, scrub_urls, select_fields


def test_select_keeps_only_the_named_paths_and_crosses_lists() -> None:
    item = {
        "Scheme": "internet-facing", "Secret": "s3cret",
        "Listeners": [{"Port": 443, "Protocol": "HTTPS",
                       "DefaultActions": [{"AuthenticateOidcConfig": {"ClientSecret": "oidc-secret"}}]}],
        "Nested": {"Keep": {"A": 1}, "Drop": 2}, "Scalar": "x",
    }
    got = select_fields(item, ("Scheme", "Listeners.Port", "Listeners.Protocol", "Nested.Keep", "Scalar.Inner",
                               "Missing"))
    assert got == {"Scheme": "internet-facing", "Listeners": [{"Port": 443, "Protocol": "HTTPS"}],
                   "Nested": {"Keep": {"A": 1}}, "Scalar": None}
    assert select_fields(item, ()) == {}
    assert select_fields(item, ("Nested", "Nested.Keep")) == {"Nested": item["Nested"]}  # a whole ancestor wins


def test_urls_keep_scheme_host_and_path_only() -> None:
    assert scrub_url_text("https://user:pw@hooks.example.com:8443/services/T1?token=abc#frag") == \
        "https://hooks.example.com:8443/services/T1"
    assert scrub_url_text("https:https://h.example/p?sig=1 and http://x.example/?a=b") == \
        "https:https://h.example/p and http://x.example/"
    assert scrub_url_text("no url here ?a=b") == "no url here ?a=b"
    assert scrub_urls({"a": ["https://h/p?t=1", 3], "b": {"c": "ftp://u:p@h/x"}}) == \
        {"a": ["https://h/p", 3], "b": {"c": "ftp://h/x"}}


def test_an_entity_stores_only_its_allow_listed_raw_fields_and_no_url_secrets() -> None:
    spec = Resource(type="test_sub", cls=("Subscription",), service="sns", call="list_subscriptions",
                    id="join('|', [TopicArn, Endpoint])", name="Endpoint", tags="Tags",
                    props={"endpoint": "Endpoint", "protocol": "Protocol"},
                    raw=("TopicArn", "Endpoint"),
                    links=())
    item = {"TopicArn": "arn:aws:sns:us-east-1:1:t", "Protocol": "https",
            "Endpoint": "https://hook.example/path?token=TOPSECRET", "Tags": [{"Key": "url", "Value":
                                                                                "https://a.example/?k=TAGSECRET"}],
            "Attributes": {"Password": "never-kept"}}
    e = build_entity(spec, item, account="1", region="us-east-1", partition="aws", stamp={})
    assert e is not None
    text = repr((e.key, e.props, e.raw, e.link_values))
    assert "TOPSECRET" not in text and "TAGSECRET" not in text and "never-kept" not in text
    assert e.raw == {"TopicArn": "arn:aws:sns:us-east-1:1:t", "Endpoint": "https://hook.example/path"}
    assert e.props["endpoint"] == "https://hook.example/path" and e.props["tag.url"] == "https://a.example/"
    nothing = build_entity(Resource(type="t", cls=("Configuration",), service="sns", call=None, id="TopicArn"),
                           item, account="1", region="us-east-1", partition="aws", stamp={})
    assert nothing is not None and nothing.raw is None
