"""SNS topics and their subscriptions; SQS queues (policy and encryption from their attributes)."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.refs import kms_ref
from awsgraph.catalog.spec import Detail, Link, Parent, Resource
from awsgraph.collect.convert import decode_policy


def policy_props(attrs: dict[str, Any]) -> dict[str, Any]:
    doc = decode_policy(attrs.get("Policy"))
    public = False
    if isinstance(doc, dict):
        for st in doc.get("Statement") or []:
            if not isinstance(st, dict) or st.get("Effect") != "Allow" or st.get("Condition"):
                continue
            principal = st.get("Principal")
            aws = principal.get("AWS") if isinstance(principal, dict) else principal
            if aws == "*" or (isinstance(aws, list) and "*" in aws):
                public = True
    return {"hasPolicy": isinstance(doc, dict), "public": public}


def _topic(item: dict[str, Any]) -> dict[str, Any]:
    attrs = item.get("Attributes") or {}
    kms = attrs.get("KmsMasterKeyId")
    return {
        **policy_props(attrs),
        "kmsKeyId": kms,
        "encrypted": bool(kms),
        "topicDisplayName": attrs.get("DisplayName") or None,
        "ownerAccount": attrs.get("Owner"),
        "subscriptionsConfirmed": _int(attrs.get("SubscriptionsConfirmed")),
        "subscriptionsPending": _int(attrs.get("SubscriptionsPending")),
        "fifoTopic": attrs.get("FifoTopic") == "true",
    }


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ms(seconds: Any) -> int | None:
    value = _int(seconds)
    return value * 1000 if value is not None else None


TOPIC = Resource(
    type="aws_sns_topic",
    cls=("Channel",),
    service="sns",
    call="list_topics",
    id="TopicArn",
    arn="TopicArn",
    name="arn_name(TopicArn)",
    props={"topicArn": "TopicArn"},
    compute=_topic,
    raw=("Attributes.Policy",),
    safe={"Attributes.Policy": "the topic policy, in IAM's policy language; read by the ALLOWS analysis"},
    details=(
        Detail("get_topic_attributes", into="Attributes", params={"TopicArn": "TopicArn"}, result="Attributes"),
        Detail("list_tags_for_resource", into="Tags", params={"ResourceArn": "TopicArn"}, result="Tags"),
    ),
    web_link="https://console.aws.amazon.com/sns/v3/home?region={region}#/topic/{TopicArn}",
    links=(Link("USES", "aws_kms_key", values=kms_ref("Attributes.KmsMasterKeyId", "TopicArn"), on="keyRefs"),),
)
SUBSCRIPTION = Resource(
    type="aws_sns_subscription",
    cls=("Subscription",),
    service="sns",
    group="sns",
    call="list_subscriptions_by_topic",
    parent=Parent("aws_sns_topic", params={"TopicArn": "TopicArn"}),
    # Unconfirmed subscriptions have the ARN "PendingConfirmation": their key comes from the id
    # (topic, protocol and endpoint) instead.
    id="join('|', [TopicArn, Protocol, Endpoint || ''])",
    arn="SubscriptionArn != 'PendingConfirmation' && SubscriptionArn || null",
    tags=None,
    name="join(':', [Protocol, Endpoint || ''])",
    props={
        "protocol": "Protocol",
        "endpoint": "Endpoint",
        "topicArn": "TopicArn",
        "ownerAccount": "Owner",
        "subscriptionArn": "SubscriptionArn",
    },
    compute=lambda item: {
        "pendingConfirmation": item.get("SubscriptionArn") == "PendingConfirmation",
    },
    web_link="https://console.aws.amazon.com/sns/v3/home?region={region}#/topic/{TopicArn}",
    links=(Link("HAS", "aws_sns_topic", values="TopicArn", reverse=True),),
    service_has=False,
)


def _queue(item: dict[str, Any]) -> dict[str, Any]:
    attrs = item.get("Attributes") or {}
    kms = attrs.get("KmsMasterKeyId")
    sse = attrs.get("SqsManagedSseEnabled") == "true"
    redrive = decode_policy(attrs.get("RedrivePolicy"))
    return {
        **policy_props(attrs),
        "kmsKeyId": kms,
        "encrypted": bool(kms) or sse,
        "sqsManagedSse": sse,
        "fifoQueue": attrs.get("FifoQueue") == "true",
        "visibilityTimeout": _int(attrs.get("VisibilityTimeout")),
        "messageRetentionPeriod": _int(attrs.get("MessageRetentionPeriod")),
        "delaySeconds": _int(attrs.get("DelaySeconds")),
        "deadLetterTargetArn": redrive.get("deadLetterTargetArn") if isinstance(redrive, dict) else None,
        "maxReceiveCount": redrive.get("maxReceiveCount") if isinstance(redrive, dict) else None,
        "createdOn": _ms(attrs.get("CreatedTimestamp")),
    }


QUEUE = Resource(
    type="aws_sqs_queue",
    cls=("Queue",),
    service="sqs",
    call="list_queues",
    id="Attributes.QueueArn || Value",
    arn="Attributes.QueueArn",
    name="arn_name(Value)",
    props={"url": "Value", "queueUrl": "Value"},
    compute=_queue,
    raw=("Attributes.Policy", "Attributes.QueueArn"),
    safe={"Attributes.Policy": "the queue policy, in IAM's policy language; read by the ALLOWS analysis"},
    details=(
        Detail(
            "get_queue_attributes",
            into="Attributes",
            params={"QueueUrl": "Value"},
            static={"AttributeNames": ["All"]},
            result="Attributes",
        ),
        Detail("list_queue_tags", into="Tags", params={"QueueUrl": "Value"}, result="Tags"),
    ),
    web_link="https://console.aws.amazon.com/sqs/v2/home?region={region}#/queues",
    links=(
        Link(
            "USES",
            "aws_kms_key",
            values=kms_ref("Attributes.KmsMasterKeyId", "Attributes.QueueArn"),
            on="keyRefs",
        ),
    ),
)

SPECS = (TOPIC, SUBSCRIPTION, QUEUE)
