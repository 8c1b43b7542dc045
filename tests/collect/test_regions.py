"""Region planning without loading service models."""

from __future__ import annotations

import botocore.session

from awsgraph.catalog import CATALOG
from awsgraph.catalog.spec import Resource
from awsgraph.collect.regions import ENDPOINT_PREFIX, available_regions, botocore_session, known_regions


def _catalog_clients() -> set[str]:
    clients = {spec.service for spec in CATALOG}
    for spec in CATALOG:
        if isinstance(spec, Resource):
            clients.update(d.service for d in spec.details if d.service)
    return clients


def test_endpoint_prefix_table_matches_botocore_for_every_catalog_client() -> None:
    reference = botocore.session.get_session()
    for client in sorted(_catalog_clients()):
        prefix = reference.get_service_data(client)["metadata"].get("endpointPrefix", client)
        assert ENDPOINT_PREFIX.get(client, client) == prefix, client
        for partition in ("aws", "aws-us-gov"):
            assert available_regions(client, partition) == reference.get_available_regions(
                client, partition_name=partition), (client, partition)


def test_known_regions_span_partitions() -> None:
    regions = known_regions()
    assert {"us-east-1", "eu-west-1", "us-gov-west-1", "cn-north-1"} <= regions
    assert "moon-east-1" not in regions


def test_sessions_share_one_data_loader() -> None:
    a, b = botocore_session(), botocore_session()
    assert a is not b
    assert a.get_component("data_loader") is b.get_component("data_loader")
    assert botocore.session.get_session().get_component("data_loader") is not a.get_component("data_loader")
