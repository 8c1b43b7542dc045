"""Entities and relationships in JupiterOne's shape."""

from awsgraph.model.entity import Entity, Relationship, normalize_tags, relationship_key, relationship_type

__all__ = ["Entity", "Relationship", "normalize_tags", "relationship_key", "relationship_type"]
