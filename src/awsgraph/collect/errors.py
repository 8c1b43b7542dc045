"""Classify what went wrong with a call: retried already, partial at once, or failed."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from awsgraph.collect.guard import WriteOperationBlocked

# The endpoint does not implement the API at all (an emulator's gap). Never "complete", so
# nothing is deleted because of it, but shown apart from real failures.
UNSERVED = "unserved"

# Permission and subscription errors: recorded as partial at once, never retried.
PARTIAL_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
    "UnauthorizedException", "AuthorizationError", "AuthorizationErrorException", "AuthFailure",
    "Forbidden", "ForbiddenException", "OptInRequired", "SubscriptionRequiredException",
    "InvalidClientTokenId", "UnrecognizedClientException", "NotAuthorized", "AccountNotSubscribed",
    "NotSubscribedException", "OptInRequiredException", "AWSOrganizationsNotInUseException",
    "AccessDeniedForDependencyException", "InvalidSubscriptionException", "403",
})
# botocore already retried these with backoff; reaching us means retries ran out.
THROTTLE_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "RequestLimitExceeded", "SlowDown", "TooManyRequestsException", "RequestThrottled",
    "ProvisionedThroughputExceededException", "EC2ThrottledException", "BandwidthLimitExceeded",
    "PriorRequestNotComplete", "TransactionInProgressException",
})


class BoundReached(Exception):
    """A loop over an API's answers reached its bound (a repeated token, a page, item or call cap):
    what was read so far is kept and the step is partial."""


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "") or "")
    return ""


def classify(exc: BaseException) -> tuple[str, str]:
    """Return (status, reason) for an exception raised by a read call.

    status is ``partial`` for permission/opt-in problems and exhausted throttling (the data
    may exist, we could not read it), ``unserved`` when the endpoint does not implement the
    API (an emulator's gap), ``failed`` for anything else. None of them aborts the run, and
    none makes its scopes complete.
    """
    if isinstance(exc, WriteOperationBlocked):
        return "failed", str(exc)
    if isinstance(exc, BoundReached):
        return "partial", str(exc)
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", "") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        op = getattr(exc, "operation_name", "")
        msg = str(err.get("Message", "") or "").strip().splitlines()[0:1]
        text = f"{op}: {code}" + (f": {msg[0][:160]}" if msg else "")
        if code == "AWSOrganizationsNotInUseException":
            return "success", ""
        if code in PARTIAL_CODES:
            return "partial", text
        if code in THROTTLE_CODES:
            return "partial", f"{text} (throttled beyond retries)"
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in {"404", "500", "501", "NotImplemented"} or status in (404, 501):
            # A bare HTTP status for a code: the answer was the endpoint's own error page, not an
            # AWS error. Emulators answer so for APIs they lack (moto: 404, or 500 "not implemented").
            return UNSERVED, f"{op}: not served by the endpoint ({code})"
        return "failed", text
    if isinstance(exc, ResponseParserError):
        return "failed", "unparseable response (operation not available at this endpoint?)"
    if isinstance(exc, NotImplementedError):  # in-process moto raises it for an API it lacks
        return UNSERVED, f"not served by the endpoint: {exc}"[:200]
    if isinstance(exc, BotoCoreError):
        return "failed", f"{type(exc).__name__}: {exc}"[:200]
    return "failed", f"{type(exc).__name__}: {exc}"[:200]


STATUS_RANK = {"success": 0, "skipped": 0, UNSERVED: 1, "partial": 2, "failed": 3}


def worse(a: str, b: str) -> str:
    return a if STATUS_RANK.get(a, 3) >= STATUS_RANK.get(b, 3) else b
