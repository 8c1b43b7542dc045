"""DynamoDB tables: encryption (and its KMS key), point-in-time recovery, streams, replicas."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Resource


def _table(item: dict[str, Any]) -> dict[str, Any]:
    t = item.get("Table") or {}
    sse = t.get("SSEDescription") or {}
    pitr = ((item.get("Backups") or {}).get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus")
    return {
        # DynamoDB encrypts every table at rest; without an SSEDescription the key is AWS-owned.
        "encrypted": True,
        "encryptionType": sse.get("SSEType") or ("AWS_OWNED" if not sse else None),
        "pointInTimeRecoveryEnabled": pitr == "ENABLED" if pitr else None,
        "backupEnabled": pitr == "ENABLED" if pitr else None,
        "classification": None,
    }


TABLE = Resource(
    type="aws_dynamodb_table",
    cls=("DataStore", "Database"),
    service="dynamodb",
    call="list_tables",
    id="Value",
    arn="Table.TableArn",
    name="Value",
    created="Table.CreationDateTime",
    tags="Tags",
    active="Table.TableStatus == 'ACTIVE'",
    props={
        "tableName": "Value",
        "status": "Table.TableStatus",
        "itemCount": "Table.ItemCount",
        "sizeInBytes": "Table.TableSizeBytes",
        "billingMode": "Table.BillingModeSummary.BillingMode",
        "kmsKeyId": "Table.SSEDescription.KMSMasterKeyArn",
        "sseStatus": "Table.SSEDescription.Status",
        "streamEnabled": "Table.StreamSpecification.StreamEnabled",
        "streamArn": "Table.LatestStreamArn",
        "deletionProtection": "Table.DeletionProtectionEnabled",
        "tableClass": "Table.TableClassSummary.TableClass",
        "replicaRegions": "Table.Replicas[].RegionName",
        "tableId": "Table.TableId",
        "globalTableVersion": "Table.GlobalTableVersion",
    },
    compute=_table,
    details=(
        Detail("describe_table", into="Table", params={"TableName": "Value"}, result="Table"),
        Detail(
            "describe_continuous_backups",
            into="Backups",
            params={"TableName": "Value"},
            result="ContinuousBackupsDescription",
            missing=("TableNotFoundException",),
        ),
        # Tags are read by ARN, which only the table's description gives.
        Detail(
            "list_tags_of_resource",
            into="Tags",
            params={"ResourceArn": "Table.TableArn"},
            result="Tags",
            stage=1,
        ),
    ),
    web_link="https://console.aws.amazon.com/dynamodbv2/home?region={region}#table?name={Value}",
    links=(Link("USES", "aws_kms_key", values="Table.SSEDescription.KMSMasterKeyArn", on="keyRefs"),),
)

SPECS = (TABLE,)
