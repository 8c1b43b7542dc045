"""KMS keys, with their policies, rotation status, aliases and tags."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Bulk, Detail, Resource


def _key(item: dict[str, Any]) -> dict[str, Any]:
    meta = item.get("KeyMetadata") or {}
    aliases = [a.get("AliasName") for a in item.get("Aliases") or [] if a.get("AliasName")]
    alias_arns = [a.get("AliasArn") for a in item.get("Aliases") or [] if a.get("AliasArn")]
    refs = [r for r in (item.get("KeyId"), item.get("KeyArn"), *aliases, *alias_arns) if r]
    return {
        "keyRefs": refs,  # every way another resource may name this key: id, ARN, alias, alias ARN
        "aliases": aliases,
        "keyState": meta.get("KeyState"), "keyManager": meta.get("KeyManager"),
        "keyUsage": meta.get("KeyUsage"), "keySpec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
        "origin": meta.get("Origin"), "enabled": meta.get("Enabled"), "description": meta.get("Description"),
        "multiRegion": meta.get("MultiRegion"), "usage": meta.get("KeyUsage"),
        "rotationEnabled": item.get("KeyRotationEnabled"),
        "hasPolicy": isinstance(item.get("Policy"), dict),
        "name": aliases[0] if aliases else item.get("KeyId"),
    }


KEY = Resource(
    type="aws_kms_key", cls=("CryptoKey",), service="kms", call="list_keys", items="Keys", id="KeyId",
    arn="KeyArn", created="KeyMetadata.CreationDate", active="KeyMetadata.Enabled", tags="Tags",
    props={"keyId": "KeyId"},
    compute=_key,
    raw=("KeyId", "Policy"),
    safe={"Policy": "the key policy: who may use the key, in IAM's policy language; read by the ALLOWS analysis"},
    details=(
        Detail("describe_key", into="KeyMetadata", params={"KeyId": "KeyId"}, result="KeyMetadata"),
        # PolicyName defaults to "default" on AWS; emulators need it spelt out.
        Detail("get_key_policy", into="Policy", params={"KeyId": "KeyId"}, static={"PolicyName": "default"},
               result="Policy", decode_json=True, missing=("NotFoundException",)),
        Detail("get_key_rotation_status", into="KeyRotationEnabled", params={"KeyId": "KeyId"},
               result="KeyRotationEnabled", missing=("UnsupportedOperationException",)),
        Detail("list_resource_tags", into="Tags", params={"KeyId": "KeyId"}, result="Tags"),
    ),
    # every alias of the region in one listing, rather than a ListAliases per key
    bulk=(Bulk("list_aliases", into="Aliases", items="Aliases", key="TargetKeyId", match="KeyId", many=True,
               default=[], fallback=Detail("list_aliases", into="Aliases", params={"KeyId": "KeyId"},
                                           result="Aliases", paginate=True)),),
    web_link="https://console.aws.amazon.com/kms/home?region={region}#/kms/keys/{KeyId}",
)

SPECS = (KEY,)
