"""ACM certificates: domain names, status, expiry and whether anything uses them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from awsgraph.catalog.spec import Detail, Resource
from awsgraph.collect.convert import epoch_ms


def _cert(item: dict[str, Any]) -> dict[str, Any]:
    cert = item.get("Certificate") or {}
    expires = epoch_ms(cert.get("NotAfter") or item.get("NotAfter"))
    now = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    in_use = cert.get("InUseBy")
    return {
        "domainName": cert.get("DomainName") or item.get("DomainName"),
        "alternativeNames": cert.get("SubjectAlternativeNames") or item.get("SubjectAlternativeNameSummaries"),
        "status": cert.get("Status") or item.get("Status"),
        "type": cert.get("Type") or item.get("Type"),
        "issuer": cert.get("Issuer"),
        "keyAlgorithm": cert.get("KeyAlgorithm") or item.get("KeyAlgorithm"),
        "signatureAlgorithm": cert.get("SignatureAlgorithm"),
        "renewalEligibility": cert.get("RenewalEligibility"),
        "inUseBy": in_use,
        "inUse": bool(in_use) if in_use is not None else item.get("InUse"),
        "issuedOn": epoch_ms(cert.get("IssuedAt") or cert.get("ImportedAt")),
        "expiresOn": expires,
        "expired": expires < now if expires else None,
        "validationMethod": ((cert.get("DomainValidationOptions") or [{}])[0]).get("ValidationMethod"),
        "certificateTransparencyLogging": (cert.get("Options") or {}).get("CertificateTransparencyLoggingPreference"),
        "active": (cert.get("Status") or item.get("Status")) == "ISSUED" and not (expires and expires < now),
    }


CERTIFICATE = Resource(
    type="aws_acm_certificate",
    cls=("Certificate",),
    service="acm",
    call="list_certificates",
    # Without filters ListCertificates returns only ISSUED and PENDING_VALIDATION certificates
    # with RSA 1024/2048 keys: ask for every status and key type.
    params={
        "Includes": {
            "keyTypes": [
                "RSA_1024",
                "RSA_2048",
                "RSA_3072",
                "RSA_4096",
                "EC_prime256v1",
                "EC_secp384r1",
                "EC_secp521r1",
            ]
        },
        "CertificateStatuses": [
            "PENDING_VALIDATION",
            "ISSUED",
            "INACTIVE",
            "EXPIRED",
            "VALIDATION_TIMED_OUT",
            "REVOKED",
            "FAILED",
        ],
    },
    id="CertificateArn",
    arn="CertificateArn",
    name="DomainName",
    created="Certificate.CreatedAt || Certificate.ImportedAt || CreatedAt",
    compute=_cert,
    details=(
        Detail(
            "describe_certificate",
            into="Certificate",
            params={"CertificateArn": "CertificateArn"},
            result="Certificate",
        ),
        Detail(
            "list_tags_for_certificate",
            into="Tags",
            params={"CertificateArn": "CertificateArn"},
            result="Tags",
        ),
    ),
    web_link="https://console.aws.amazon.com/acm/home?region={region}#/certificates/list",
)

SPECS = (CERTIFICATE,)
