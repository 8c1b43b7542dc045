"""Security findings: GuardDuty detectors and findings, IAM Access Analyzer analyzers and
findings, Inspector classic assessment runs and findings, and Inspector2 findings.

Findings are capped per (account, region, parent) by age (``MAX_AGE_DAYS``, asked of the API
where it can filter, checked again on each item) and by count (``cap``, newest first where the
API sorts); a reached count cap is shown on the step in the run summary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from awsgraph.catalog.spec import Detail, Link, Parent, Resource
from awsgraph.collect.convert import epoch_ms

MAX_AGE_DAYS = 90
MAX_FINDINGS = 500


def _since() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=MAX_AGE_DAYS)


def _recent(field: str) -> Callable[[dict[str, Any]], bool]:
    def keep(item: dict[str, Any]) -> bool:
        when = epoch_ms(item.get(field))
        return when is None or when >= int(_since().timestamp() * 1000)

    return keep


def _label(score: float | None) -> str | None:
    if score is None:
        return None
    return (
        "critical"
        if score >= 9
        else "high"
        if score >= 7
        else "medium"
        if score >= 4
        else "low"
        if score > 0
        else "informational"
    )


_NUMERIC = {"critical": 10, "high": 8, "medium": 5, "low": 2, "informational": 0, "untriaged": None}

# -- GuardDuty ------------------------------------------------------------------------------

# The spec gives detectors and analyzers the classes Assessment and Scanner, but J1's schemas want
# category as a string for one and a list for the other: no entity can be both. They scan
# continuously, so Scanner.
DETECTOR = Resource(
    type="aws_guardduty_detector",
    cls=("Scanner",),
    service="guardduty",
    call="list_detectors",
    id="Value",
    name="Value",
    arn_template="arn:{partition}:guardduty:{region}:{account}:detector/{Value}",
    tags="Detector.Tags",
    created="Detector.CreatedAt",
    active="Detector.Status == 'ENABLED'",
    props={
        "status": "Detector.Status",
        "findingPublishingFrequency": "Detector.FindingPublishingFrequency",
        "serviceRoleArn": "Detector.ServiceRole",
        "updatedAt": "Detector.UpdatedAt",
        "enabledFeatures": "Detector.Features[?Status=='ENABLED'].Name",
    },
    compute=lambda item: {"category": ["threat-detection"]},
    details=(Detail("get_detector", into="Detector", params={"DetectorId": "Value"}),),
    web_link="https://console.aws.amazon.com/guardduty/home?region={region}#/summary",
)


def _gd_finding(item: dict[str, Any]) -> dict[str, Any]:
    f = item.get("Finding") or {}
    score = f.get("Severity")
    service = f.get("Service") or {}
    resource = f.get("Resource") or {}
    ftype = str(f.get("Type") or "")
    return {
        "numericSeverity": score,
        "severity": _label(score),
        "open": not service.get("Archived", False),
        "category": ftype.split(":", 1)[0] or None,
        "findingType": ftype or None,
        "title": f.get("Title"),
        "description": f.get("Description"),
        "resourceType": resource.get("ResourceType"),
        "instanceId": (resource.get("InstanceDetails") or {}).get("InstanceId"),
        "count": service.get("Count"),
        "firstSeenOn": epoch_ms(service.get("EventFirstSeen")),
        "lastSeenOn": epoch_ms(service.get("EventLastSeen")),
        "updatedOn": epoch_ms(f.get("UpdatedAt")),
        "createdOn": epoch_ms(f.get("CreatedAt")),
    }


GUARDDUTY_FINDING = Resource(
    type="aws_guardduty_finding",
    cls=("Finding",),
    service="guardduty",
    call="list_findings",
    parent=Parent("aws_guardduty_detector", params={"DetectorId": "Value"}, carry={"DetectorId": "Value"}),
    params={
        "SortCriteria": {"AttributeName": "updatedAt", "OrderBy": "DESC"},
        "FindingCriteria": lambda: {
            "Criterion": {"updatedAt": {"GreaterThanOrEqual": int(_since().timestamp() * 1000)}}
        },
    },
    cap=MAX_FINDINGS,
    id="Value",
    arn="Finding.Arn",
    name="Finding.Title || Value",
    tags=None,
    arn_template="arn:{partition}:guardduty:{region}:{account}:detector/{DetectorId}/finding/{Value}",
    compute=_gd_finding,
    details=(
        Detail(
            "get_findings",
            into="Finding",
            params={"DetectorId": "DetectorId", "FindingIds": "[Value]"},
            result="Findings[0]",
        ),
    ),
    web_link="https://console.aws.amazon.com/guardduty/home?region={region}#/findings?fId={Value}",
    links=(
        Link("IDENTIFIED", "aws_guardduty_detector", values="DetectorId", on="id", reverse=True),
        Link(
            "HAS", "aws_instance", values="Finding.Resource.InstanceDetails.InstanceId", on="id", reverse=True
        ),
    ),
    service_has=False,
)

# -- IAM Access Analyzer --------------------------------------------------------------------

ANALYZER = Resource(
    type="aws_accessanalyzer_analyzer",
    cls=("Scanner",),  # not Assessment too: see DETECTOR
    service="accessanalyzer",
    call="list_analyzers",
    id="arn",
    arn="arn",
    name="name",
    tags="tags",
    created="createdAt",
    active="status == 'ACTIVE'",
    props={
        "analyzerType": "type",
        "status": "status",
        "lastResourceAnalyzed": "lastResourceAnalyzed",
        "lastResourceAnalyzedAt": "lastResourceAnalyzedAt",
        "statusReason": "statusReason.code",
    },
    compute=lambda item: {"category": ["access-analysis"]},
    web_link="https://console.aws.amazon.com/access-analyzer/home?region={region}#/analyzers",
)


def _aa_finding(item: dict[str, Any]) -> dict[str, Any]:
    status = item.get("status")
    public = item.get("isPublic")
    return {
        "open": status == "ACTIVE",
        # Access Analyzer has no severity: public access is the worst it reports.
        "severity": "high" if public else "medium",
        "numericSeverity": 8 if public else 5,
        "category": "external-access"
        if item.get("principal") is not None or public is not None
        else "access-analysis",
        "public": public,
        "actions": item.get("action"),
        "principals": sorted(f"{k}={v}" for k, v in (item.get("principal") or {}).items()),
    }


ANALYZER_FINDING = Resource(
    type="aws_accessanalyzer_finding",
    cls=("Finding",),
    service="accessanalyzer",
    call="list_findings",
    parent=Parent("aws_accessanalyzer_analyzer", params={"analyzerArn": "arn"}, carry={"analyzerArn": "arn"}),
    params={"sort": {"attributeName": "updatedAt", "orderBy": "DESC"}},
    keep=_recent("updatedAt"),
    cap=MAX_FINDINGS,
    # Unused-access analyzers only answer ListFindingsV2: for them ListFindings is a ValidationException.
    missing=("ValidationException",),
    id="id",
    name="join(' ', [resourceType || '', resource || id])",
    tags=None,
    key_template="{analyzerArn}/finding/{id}",
    created="createdAt",
    props={
        "resource": "resource",
        "resourceType": "resourceType",
        "status": "status",
        "resourceOwnerAccount": "resourceOwnerAccount",
        "analyzedAt": "analyzedAt",
        "updatedAt": "updatedAt",
        "isPublic": "isPublic",
        "error": "error",
        "analyzerArn": "analyzerArn",
    },
    compute=_aa_finding,
    web_link="https://console.aws.amazon.com/access-analyzer/home?region={region}#/findings/details/{id}",
    links=(Link("IDENTIFIED", "aws_accessanalyzer_analyzer", values="analyzerArn", reverse=True),),
    service_has=False,
)

# -- Inspector (classic) --------------------------------------------------------------------

def _run_summary(item: dict[str, Any]) -> str:
    run = item.get("Run") or {}
    counts = run.get("findingCounts") or {}
    found = ", ".join(f"{n} {sev.lower()}" for sev, n in counts.items() if isinstance(n, int) and n)
    return f"Inspector assessment run {run.get('name') or item.get('Value')}: {run.get('state') or 'state unknown'}" + (
        f"; findings: {found}" if found else "")


ASSESSMENT = Resource(
    type="aws_inspector_assessment",
    cls=("Assessment",),
    service="inspector",
    call="list_assessment_runs",
    params={"filter": lambda: {"completionTimeRange": {"beginDate": _since()}}},
    id="Value",
    arn="Value",
    name="Run.name || Value",
    tags=None,
    created="Run.createdAt",
    props={
        "state": "Run.state",
        "assessmentTemplateArn": "Run.assessmentTemplateArn",
        "durationInSeconds": "Run.durationInSeconds",
        "rulesPackageArns": "Run.rulesPackageArns",
        "completedOn": "Run.completedAt",
        "findingCounts": "Run.findingCounts",
    },
    compute=lambda item: {
        "category": "vulnerability-scan",
        "summary": _run_summary(item),
        "internal": True,  # the schema's default: a run of the account's own Inspector
        "completed": (item.get("Run") or {}).get("state") == "COMPLETED",
    },
    details=(
        Detail(
            "describe_assessment_runs",
            into="Run",
            params={"assessmentRunArns": "[Value]"},
            result="assessmentRuns[0]",
        ),
    ),
    web_link="https://console.aws.amazon.com/inspector/home?region={region}#/run",
    cap=100,
)


def _classic_finding(item: dict[str, Any]) -> dict[str, Any]:
    f = item.get("Finding") or {}
    label = str(f.get("severity") or "").lower() or None
    return {
        "severity": label,
        "numericSeverity": f.get("numericSeverity", _NUMERIC.get(label or "")),
        "open": True,
        "category": "vulnerability",
        "title": f.get("title"),
        "description": f.get("description"),
        "recommendation": f.get("recommendation"),
        "instanceId": (f.get("assetAttributes") or {}).get("agentId"),
        "updatedOn": epoch_ms(f.get("updatedAt")),
    }


CLASSIC_FINDING = Resource(
    type="aws_inspector_finding",
    cls=("Finding",),
    service="inspector",
    call="list_findings",
    parent=Parent(
        "aws_inspector_assessment", params={"assessmentRunArns": "[Value]"}, carry={"RunArn": "Value"}
    ),
    params={"filter": lambda: {"creationTimeRange": {"beginDate": _since()}}},
    cap=MAX_FINDINGS,
    id="Value",
    arn="Value",
    name="Finding.title || Value",
    tags=None,
    created="Finding.createdAt",
    compute=_classic_finding,
    details=(
        Detail("describe_findings", into="Finding", params={"findingArns": "[Value]"}, result="findings[0]"),
    ),
    web_link="https://console.aws.amazon.com/inspector/home?region={region}#/finding",
    links=(
        Link("IDENTIFIED", "aws_inspector_assessment", values="RunArn", reverse=True),
        Link("HAS", "aws_instance", values="Finding.assetAttributes.agentId", on="id", reverse=True),
    ),
    service_has=False,
    description="Inspector classic findings, per assessment run.",
)


def _v2_finding(item: dict[str, Any]) -> dict[str, Any]:
    label = str(item.get("severity") or "").lower() or None
    score = item.get("inspectorScore")
    return {
        "severity": label,
        "numericSeverity": score if score is not None else _NUMERIC.get(label or ""),
        "open": item.get("status") == "ACTIVE",
        "category": str(item.get("type") or "").lower().replace("_", "-") or "vulnerability",
        "vulnerabilityIds": [(item.get("packageVulnerabilityDetails") or {}).get("vulnerabilityId")],
        "exploitAvailable": item.get("exploitAvailable"),
        "fixAvailable": item.get("fixAvailable"),
        "resourceIds": [r.get("id") for r in item.get("resources") or [] if r.get("id")],
        "resourceTypes": sorted({str(r.get("type")) for r in item.get("resources") or [] if r.get("type")}),
    }


INSPECTOR2_FINDING = Resource(
    type="aws_inspector_finding",
    cls=("Finding",),
    service="inspector2",
    group="inspector",
    call="list_findings",
    params={
        "sortCriteria": {"field": "LAST_OBSERVED_AT", "sortOrder": "DESC"},
        "filterCriteria": lambda: {
            "lastObservedAt": [{"startInclusive": _since(), "endInclusive": dt.datetime.now(dt.UTC)}]
        },
    },
    keep=_recent("lastObservedAt"),
    cap=MAX_FINDINGS,
    id="findingArn",
    arn="findingArn",
    name="title || findingArn",
    tags=None,
    created="firstObservedAt",
    props={
        "title": "title",
        "description": "description",
        "status": "status",
        "findingType": "type",
        "inspectorScore": "inspectorScore",
        "lastObservedAt": "lastObservedAt",
        "updatedAt": "updatedAt",
        "remediation": "remediation.recommendation.text",
    },
    compute=_v2_finding,
    web_link="https://console.aws.amazon.com/inspector/v2/home?region={region}#/findings",
    links=(
        Link("HAS", "aws_instance", values="resources[?type=='AWS_EC2_INSTANCE'].id", on="id", reverse=True),
    ),
    description="Inspector2 findings (most accounts run Inspector2 rather than classic).",
)

SPECS = (
    DETECTOR,
    GUARDDUTY_FINDING,
    ANALYZER,
    ANALYZER_FINDING,
    ASSESSMENT,
    CLASSIC_FINDING,
    INSPECTOR2_FINDING,
)
