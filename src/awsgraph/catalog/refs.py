"""JMESPath builders shared by the compute and data-store specs.

Relationships resolve against every entity of an account, across regions, so a link value
must be unique in the account: an ARN rather than a bare name, and a KMS key reference that
names its region. These helpers build such values from the item's own ARN.
"""

from __future__ import annotations


def sibling_arn(own_arn: str, resource: str, name: str) -> str:
    """JMESPath: the ARN of another resource of the same service, region and account.

    ``sibling_arn("DBInstanceArn", "cluster", "DBClusterIdentifier")`` turns
    ``arn:aws:rds:eu-west-1:1:db:x`` and ``c`` into ``arn:aws:rds:eu-west-1:1:cluster:c``.
    """
    return f"{name} && join(':', [join(':', split(':', {own_arn})[0:5]), '{resource}', {name}])"


def kms_ref(key: str, own_arn: str) -> str:
    """JMESPath: a KMS key reference made unique in the account.

    Services return the key as an ARN, a key id or an alias name (``alias/aws/rds``). Alias
    names repeat in every region, so they become alias ARNs in the item's own region; ids and
    ARNs are unique already. Matched against ``aws_kms_key.keyRefs``.
    """
    prefix = (
        f"join(':', [split(':', {own_arn})[0], split(':', {own_arn})[1], 'kms', "
        f"split(':', {own_arn})[3], split(':', {own_arn})[4], {key}])"
    )
    return f"{key} && (starts_with({key}, 'alias/') && {own_arn} && {prefix} || {key})"
