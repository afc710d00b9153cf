"""Delivers notices as a JSON POST signed with HMAC-SHA256 over the timestamp and the body.

Headers: ``X-SwordNet-Signature: t=<unix time>,v1=<hex hmac of "<t>." + body>`` and
``Idempotency-Key: <notice message id>`` (a receiver that keeps the keys it has seen never acts on
one notice twice, so a retry after a crash is safe).

The key is the platform's own ``webhook_secret`` when it declared one, so the platform can
check every notice (``verify`` below is what it runs); ``X-SwordNet-Key: platform`` says so.
A platform without one gets bodies signed with the installation's ``secret_key``
(``X-SwordNet-Key: installation``), which it cannot check. Without a strong ``secret_key``
the notifier refuses to run."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, ClassVar, Self
from urllib.parse import urlsplit

import httpx

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.domain.errors import NotConfigured, SwordNetError
from swordnet.plugins.notifiers import DeliveryReceipt, Notifier, OutgoingNotice

if TYPE_CHECKING:
    from swordnet.settings import Settings

SIGNATURE_HEADER = "X-SwordNet-Signature"
KEY_HEADER = "X-SwordNet-Key"  # "platform": its webhook_secret signed; "installation"
MIN_SECRET_BYTES = 32


class WebhookDeliveryError(SwordNetError):
    """The receiver did not accept the notice."""


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(secret: bytes, header: str, body: bytes, *, now: float, tolerance_s: int = 300) -> bool:
    """What a receiver does: check the signature and that the timestamp is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), fields.get("v1", ""))


class WebhookNotifier(Notifier):
    name: ClassVar[str] = "webhook"
    safe_to_resend: ClassVar[bool] = True  # receivers deduplicate by Idempotency-Key

    def __init__(
        self,
        secret: bytes,
        *,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        address_policy: AddressPolicy | None = None,
    ) -> None:
        """``address_policy``: refuse webhook URLs on private or loopback addresses (a
        platform must not make SwordNet post into the operator's own network)."""
        if len(secret) < MIN_SECRET_BYTES:
            raise NotConfigured("webhook notices need a secret_key of at least 32 characters")
        self._secret = secret
        self._policy = address_policy
        # no redirects: a webhook that redirects elsewhere is refused, not followed
        self._client = httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        if settings.secret_key is None:
            raise NotConfigured("webhook notices need secret_key (no default secret exists)")
        return cls(
            settings.secret_key.get_secret_value().encode("utf-8"),
            address_policy=AddressPolicy(settings.crawler.allow_networks),
        )

    def send(self, notice: OutgoingNotice) -> DeliveryReceipt:
        if urlsplit(notice.recipient).scheme not in ("http", "https"):
            raise WebhookDeliveryError(f"not a webhook URL: {notice.recipient!r}")
        if self._policy is not None:
            self._policy.check_url(notice.recipient)  # raises UnsafeAddressError
        body = json.dumps(
            {
                "key": notice.key,
                "message_id": notice.identity,
                "subject": notice.subject,
                "text": notice.text,
                "html": notice.html,
                "data": notice.data,
            },
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        ).encode("utf-8")
        timestamp = int(time.time())
        own = notice.signing_secret
        secret = own.encode("utf-8") if own else self._secret
        response = self._client.post(
            notice.recipient,
            content=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: f"t={timestamp},v1={sign(secret, timestamp, body)}",
                KEY_HEADER: "platform" if own else "installation",
                "Idempotency-Key": notice.identity,
            },
        )
        if not response.is_success:
            raise WebhookDeliveryError(f"{notice.recipient} answered HTTP {response.status_code}")
        return DeliveryReceipt(self.name, notice.key, f"HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()
