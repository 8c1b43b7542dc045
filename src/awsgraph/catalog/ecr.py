"""ECR: repositories (with policy and tags), their images and the images' scan findings.

Images and findings are listed per parent and capped (``IMAGE_CAP`` images per repository,
``FINDING_CAP`` findings per image), so a repository with thousands of pushes costs a bounded
number of calls; the run summary names every capped step.
"""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.refs import kms_ref
from awsgraph.catalog.spec import Detail, Link, Parent, Resource

IMAGE_CAP = 50
FINDING_CAP = 100
CVE = "name || packageVulnerabilityDetails.vulnerabilityId || title || findingArn"
KMS_KEY_REF = "encryptionConfiguration.kmsKey names a KMS key (id or ARN), never key material"
SEVERITY_SCORE = {"CRITICAL": 10, "HIGH": 8, "MEDIUM": 5, "LOW": 2, "INFORMATIONAL": 0, "UNDEFINED": 0}


def _repository(item: dict[str, Any]) -> dict[str, Any]:
    enc = item.get("encryptionConfiguration") or {}
    return {
        "encrypted": True,
        "encryptionType": enc.get("encryptionType") or "AES256",
        "hasPolicy": isinstance(item.get("Policy"), dict),
    }


def _image(item: dict[str, Any]) -> dict[str, Any]:
    counts = (item.get("imageScanFindingsSummary") or {}).get("findingSeverityCounts") or {}
    out: dict[str, Any] = {f"{sev.lower()}FindingCount": n for sev, n in counts.items()}
    out["findingCount"] = sum(counts.values()) if counts else None
    return out


def _finding(item: dict[str, Any]) -> dict[str, Any]:
    """Basic-scan findings carry CVSS in ``attributes``; enhanced (Inspector) ones in
    ``packageVulnerabilityDetails``."""
    attrs = {a.get("key"): a.get("value") for a in item.get("attributes") or [] if isinstance(a, dict)}
    vuln = item.get("packageVulnerabilityDetails") or {}
    packages = vuln.get("vulnerablePackages") or [{}]
    severity = str(item.get("severity") or "UNDEFINED")
    score = item.get("score") or attrs.get("CVSS3_SCORE") or attrs.get("CVSS2_SCORE")
    return {
        "packageName": attrs.get("package_name") or packages[0].get("name"),
        "packageVersion": attrs.get("package_version") or packages[0].get("version"),
        "cvss2Score": attrs.get("CVSS2_SCORE"),
        "cvss3Score": attrs.get("CVSS3_SCORE"),
        "numericSeverity": float(score) if score else SEVERITY_SCORE.get(severity.upper(), 0),
        "open": str(item.get("status") or "ACTIVE").upper() == "ACTIVE",
        "fixAvailable": item.get("fixAvailable"),
        "category": "vulnerability-scan",
        "vulnerable": True,
    }


REPOSITORY = Resource(
    type="aws_ecr_repository",
    cls=("Repository",),
    service="ecr",
    call="describe_repositories",
    id="repositoryName",
    arn="repositoryArn",
    name="repositoryName",
    created="createdAt",
    tags="Tags",
    props={
        "repositoryUri": "repositoryUri",
        "registryId": "registryId",
        "imageTagMutability": "imageTagMutability",
        "scanOnPush": "imageScanningConfiguration.scanOnPush",
        "kmsKeyId": "encryptionConfiguration.kmsKey",
    },
    compute=_repository,
    raw=("repositoryName", "Policy"),
    safe={"Policy": "the repository policy, in IAM's policy language; read by the ALLOWS analysis",
          "kmsKeyId": KMS_KEY_REF, "links": KMS_KEY_REF},
    details=(
        Detail("list_tags_for_resource", into="Tags", params={"resourceArn": "repositoryArn"}, result="tags"),
        Detail(
            "get_repository_policy",
            into="Policy",
            params={"repositoryName": "repositoryName", "registryId": "registryId"},
            result="policyText",
            decode_json=True,
            missing=("RepositoryPolicyNotFoundException",),
        ),
    ),
    web_link="https://console.aws.amazon.com/ecr/repositories/private/{registryId}/{repositoryName}?region={region}",
    links=(
        Link(
            "USES",
            "aws_kms_key",
            values=kms_ref("encryptionConfiguration.kmsKey", "repositoryArn"),
            on="keyRefs",
        ),
    ),
)
IMAGE = Resource(
    type="aws_ecr_image",
    cls=("Image",),
    service="ecr",
    call="describe_images",
    items="imageDetails",
    parent=Parent(
        "aws_ecr_repository",
        params={"repositoryName": "repositoryName", "registryId": "registryId"},
        carry={"RepositoryArn": "repositoryArn"},
    ),
    cap=IMAGE_CAP,
    id="imageDigest",
    key_template="{RepositoryArn}@{imageDigest}",
    name="imageTags && join(':', [repositoryName, imageTags[0]]) || join('@', [repositoryName, imageDigest])",
    created="imagePushedAt",
    tags=None,
    props={
        "imageDigest": "imageDigest",
        "imageTags": "imageTags",
        "repositoryName": "repositoryName",
        "registryId": "registryId",
        "imageSizeInBytes": "imageSizeInBytes",
        "pushedAt": "imagePushedAt",
        "lastPulledAt": "lastRecordedPullTime",
        "manifestMediaType": "imageManifestMediaType",
        "scanStatus": "imageScanStatus.status",
        "scanCompletedAt": "imageScanFindingsSummary.imageScanCompletedAt",
        "repositoryArn": "RepositoryArn",
    },
    compute=_image,
    links=(Link("HAS", "aws_ecr_repository", values="RepositoryArn", reverse=True),),
    service_has=False,
)
FINDING = Resource(
    type="aws_ecr_image_scan_finding",
    cls=("Finding",),
    service="ecr",
    call="describe_image_scan_findings",
    items="imageScanFindings.[findings, enhancedFindings][]",
    parent=Parent(
        "aws_ecr_image",
        params={
            "repositoryName": "repositoryName",
            "registryId": "registryId",
            "imageId": "{imageDigest: imageDigest}",
        },
        carry={
            "ImageKey": "join('@', [RepositoryArn, imageDigest])",
            "imageDigest": "imageDigest",
            "repositoryName": "repositoryName",
        },
    ),
    missing=("ScanNotFoundException", "ImageNotFoundException"),
    cap=FINDING_CAP,
    id=f"join('|', [{CVE}, (attributes[?key=='package_name'].value | [0]) || "
    "packageVulnerabilityDetails.vulnerablePackages[0].name || ''])",
    key_template="{ImageKey}|finding/{id}",
    name=CVE,
    tags=None,
    props={
        "severity": "severity",
        "description": "description",
        "title": "title",
        "uri": "uri || packageVulnerabilityDetails.sourceUrl",
        "findingArn": "findingArn",
        "status": "status",
        "imageDigest": "imageDigest",
        "repositoryName": "repositoryName",
        "cve": CVE,
    },
    compute=_finding,
    safe={"links": "ImageKey is the graph key the catalog builds for the scanned image, not a credential"},
    links=(Link("HAS", "aws_ecr_image", values="ImageKey", reverse=True),),
    service_has=False,
)

SPECS = (REPOSITORY, IMAGE, FINDING)
