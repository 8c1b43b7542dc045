"""Sessions, assume-role and the client cache: one guarded client per (account, region, service).

Every client the collector gets from a session carries the guard (``CallGuard``): it sends only
the operations the catalog declares. The session's own AssumeRole goes through a separate STS
client that can call nothing else, so no collector client can assume a role.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable

from awsgraph.catalog.calls import Call, allowed_calls
from awsgraph.collect.guard import CallGuard, redact_after_call
from awsgraph.collect.regions import available_regions, botocore_session

USER_AGENT = "awsgraph/0.1 (read-only)"


class CredentialError(Exception):
    """The credentials or the role could not be used; a user-facing message."""


@dataclass
class CallStats:
    calls: Counter[str] = field(default_factory=Counter)  # "service:Operation" -> logical calls
    requests: int = 0  # HTTP requests including retries
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_call(self, name: str) -> None:
        with self.lock:
            self.calls[name] += 1

    def add_request(self) -> None:
        with self.lock:
            self.requests += 1

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())


_local = threading.local()


def current_unit_counter() -> list[int] | None:
    return getattr(_local, "counter", None)


def set_unit_counter(counter: list[int] | None) -> None:
    _local.counter = counter


class AwsSession:
    """Credentials for one account plus a cache of guarded clients.

    ``allowed`` is what its clients may call (default: every operation of the catalog). With
    ``source`` (another session) and ``role_arn``, the role is assumed with the source's
    credentials: how member accounts of an organisation are reached from a starting session.
    """

    def __init__(
        self,
        *,
        profile: str | None = None,
        role_arn: str | None = None,
        external_id: str | None = None,
        endpoint_url: str | None = None,
        home_region: str = "us-east-1",
        retry_mode: str = "standard",
        max_attempts: int = 10,
        max_pool: int = 32,
        session_name: str = "awsgraph",
        allowed: Iterable[Call] | None = None,
        source: AwsSession | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.home_region = home_region
        self.stats = CallStats()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        if allowed is None:
            from awsgraph.catalog import CATALOG

            allowed = allowed_calls(CATALOG)
        self._guard = CallGuard(allowed)
        self._config = Config(
            retries={"mode": retry_mode, "max_attempts": max_attempts},  # type: ignore[arg-type]
            max_pool_connections=max_pool,
            connect_timeout=10,
            read_timeout=180,  # a slow page must not become a retry that asks for it again
            user_agent_extra=USER_AGENT,
        )
        if source is not None:
            if not role_arn:
                raise CredentialError("a session chained from another needs a role ARN to assume")
            base, has_credentials = source._session, True
        else:
            try:
                base = botocore_session(profile=profile)
                if profile:
                    base.get_scoped_config()  # an unknown profile fails here, not at the first call
                has_credentials = base.get_credentials() is not None
            except BotoCoreError as exc:
                raise CredentialError(str(exc)) from exc
        if endpoint_url and not role_arn and not profile and not has_credentials:
            # An emulator accepts any signature; without configured credentials sign with
            # placeholders rather than stop. Against real AWS they are simply rejected.
            base.set_credentials("awsgraph", "awsgraph")
        self._session: botocore.session.Session = (
            self._assumed_session(base, role_arn, external_id, session_name) if role_arn else base)
        self.account_id, self.caller_arn = self._identify()
        self.partition = self.caller_arn.split(":")[1] if self.caller_arn.startswith("arn:") else "aws"

    # -- credentials ------------------------------------------------------------------------
    def _assumed_session(self, base: botocore.session.Session, role_arn: str, external_id: str | None,
                         session_name: str) -> botocore.session.Session:
        # Its own client, never cached with the collector's: this one can assume the role and nothing else.
        sts: Any = base.create_client("sts", region_name=self.home_region, endpoint_url=self.endpoint_url,
                                      config=self._config)
        sts.meta.events.register("before-call.*.*", CallGuard({("sts", "assume_role")}, reads_only=False))

        def fetch() -> dict[str, Any]:
            kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name,
                                      "DurationSeconds": 3600}
            if external_id:
                kwargs["ExternalId"] = external_id
            try:
                creds = sts.assume_role(**kwargs)["Credentials"]
            except ClientError as exc:
                err = exc.response.get("Error", {})
                raise CredentialError(
                    f"cannot assume {role_arn}: {err.get('Code', 'error')}: {err.get('Message', exc)}"
                ) from exc
            except BotoCoreError as exc:
                if isinstance(exc, EndpointUnreachable):
                    raise CredentialError(f"cannot assume {role_arn}: cannot reach "
                                          f"{self.endpoint_url or 'AWS STS'}: {exc}") from exc
                raise CredentialError(f"cannot assume {role_arn}: {exc}") from exc
            return {
                "access_key": creds["AccessKeyId"],
                "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": creds["Expiration"].isoformat(),
            }

        refreshable = RefreshableCredentials.create_from_metadata(
            metadata=fetch(), refresh_using=fetch, method="sts-assume-role"
        )
        session = botocore_session()
        session._credentials = refreshable  # type: ignore[attr-defined]  # botocore has no public setter
        return session

    def _identify(self) -> tuple[str, str]:
        try:
            ident = self.client("sts", self.home_region).get_caller_identity()
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise CredentialError(f"credentials rejected: {err.get('Code')}: {err.get('Message')}") from exc
        except BotoCoreError as exc:
            if isinstance(exc, EndpointUnreachable):  # nothing answered: not a credential problem
                raise CredentialError(f"cannot reach {self.endpoint_url or 'AWS STS'}: {exc}") from exc
            raise CredentialError(f"no usable AWS credentials: {exc}") from exc
        return str(ident["Account"]), str(ident["Arn"])

    # -- clients ----------------------------------------------------------------------------
    def permit(self, calls: Iterable[Call]) -> None:
        """Let this session's clients also send ``calls`` (the operations of a catalog being run)."""
        self._guard.allow(calls)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        cached = self._clients.get(key)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._clients.get(key)
            if cached is None:
                cached = self._session.create_client(
                    service, region_name=region, endpoint_url=self.endpoint_url, config=self._config
                )
                events = cached.meta.events
                events.register("before-call.*.*", self._guard)
                events.register("before-call.*.*", self._count_call)
                events.register("before-send.*.*", self._count_request)
                events.register("after-call.*.*", redact_after_call)
                _no_retry_on_html_errors(cached)
                if self.endpoint_url and service == "s3control":
                    events.register("before-send.s3-control.*", _strip_account_host_prefix)
                self._clients[key] = cached
        return cached

    def _count_call(self, model: Any, **_: Any) -> None:
        self.stats.add_call(f"{model.service_model.service_name}:{model.name}")
        counter = current_unit_counter()
        if counter is not None:
            counter[0] += 1

    def _count_request(self, **_: Any) -> None:
        self.stats.add_request()

    def available_regions(self, service: str) -> list[str]:
        return available_regions(service, self.partition)


def _no_retry_on_html_errors(client: Any) -> None:
    """Do not retry a 5xx whose body is an HTML page.

    AWS answers 5xx in its protocol's own XML or JSON error shape; an HTML page comes from
    something in front of the API that does not implement the operation (an emulator, a
    proxy). Retrying it with backoff only wastes a minute per call; the step is recorded
    as failed at once instead.
    """
    sid = client.meta.service_model.service_id.hyphenize()
    unique_id = f"retry-config-{sid}"
    emitter = client.meta.events
    # botocore keeps handlers registered with a unique id here; no public accessor exists.
    entry = getattr(getattr(emitter, "_emitter", emitter), "_unique_id_handlers", {}).get(unique_id)
    if not entry:
        return
    original = entry["handler"]

    def needs_retry(response: Any = None, **kwargs: Any) -> Any:
        if response is not None and response[0] is not None:
            http = response[0]
            ctype = str(http.headers.get("content-type", "")).lower()
            if http.status_code >= 500 and ("html" in ctype or http.content[:15].lower().startswith(b"<!doctype")):
                return None
        return original(response=response, **kwargs)

    emitter.unregister(f"needs-retry.{sid}", unique_id=unique_id)
    emitter.register(f"needs-retry.{sid}", needs_retry, unique_id=unique_id)


def _strip_account_host_prefix(request: Any, **_: Any) -> None:
    # s3control puts the account id in front of the host; an emulator on an IP cannot resolve it.
    import re

    request.url = re.sub(r"^(https?://)\d{12}\.", r"\1", request.url)
