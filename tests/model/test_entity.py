"""Tag normalisation and relationship naming follow JupiterOne's conventions."""

from __future__ import annotations

from awsgraph.model.entity import normalize_tags, relationship_key, relationship_type


def test_relationship_type_drops_shared_prefix_like_the_sdk() -> None:
    assert relationship_type("aws_vpc", "CONTAINS", "aws_subnet") == "aws_vpc_contains_subnet"
    assert relationship_type("aws_ecs_cluster", "HAS", "aws_ecs_service") == "aws_ecs_cluster_has_service"
    assert relationship_type("aws_vpc", "HAS", "aws_vpc_endpoint") == "aws_vpc_has_endpoint"
    assert relationship_type("aws_iam", "HAS", "aws_iam_role") == "aws_iam_has_role"
    assert relationship_type("aws_instance", "HAS", "aws_instance") == "aws_instance_has_instance"
    assert relationship_type("internet", "ALLOWS", "aws_security_group") == "internet_allows_aws_security_group"
    assert relationship_key("a", "HAS", "b") == "a|has|b"
    assert relationship_key("a", "ALLOWS", "b", "tcp-443-0.0.0.0/0") == "a|allows|b|tcp-443-0.0.0.0/0"


def test_tags_are_coerced_and_copied() -> None:
    props = normalize_tags([
        {"Key": "Name", "Value": "web"}, {"Key": "Production", "Value": "TRUE"}, {"Key": "Cost", "Value": "12"},
        {"Key": "Ratio", "Value": "0.5"}, {"Key": "PII", "Value": "yes"}, {"Key": "PHI", "Value": "false"},
        {"Key": "Owner", "Value": "Team-X"}, {"Key": "Classification", "Value": "Confidential"},
        {"Key": "Email", "Value": "Bob@Example.com"}, {"Key": "Zip", "Value": "01234"},
    ])
    assert props["tag.Production"] is True and props["tag.Cost"] == 12 and props["tag.Ratio"] == 0.5
    assert props["tag.PII"] is True and props["tag.PHI"] is False
    assert props["owner"] == "team-x" and props["classification"] == "confidential"
    assert props["email"] == "bob@example.com"
    assert props["tag.Zip"] == "01234"  # leading zeros stay a string
    assert sorted(props["tags"]) == ["PII", "Production"]  # type: ignore[arg-type]
    assert normalize_tags({"a": "b"}) == {"tag.a": "b"}
