"""The notifier extension point: deliver a rendered notice to its recipient."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self

if TYPE_CHECKING:
    from swordnet.settings import Settings


@dataclass(frozen=True, slots=True)
class OutgoingNotice:
    """A notice ready to deliver. ``key`` is stable across retries for idempotency."""

    key: str
    recipient: str
    subject: str
    text: str
    html: str | None = None
    attachments: dict[str, bytes] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    # globally unique and stored with the notice (e-mail Message-ID, webhook
    # Idempotency-Key); None: ``key`` stands in (pre-warning lists)
    message_id: str | None = None
    # further recipients of the same message (a platform's other notice addresses)
    copies: tuple[str, ...] = ()
    # the recipient's own key for signing the body (a platform's webhook secret); None:
    # the installation's. Never printed.
    signing_secret: str | None = field(default=None, repr=False)

    @property
    def identity(self) -> str:
        """What a receiver de-duplicates on: the same for every resend of one notice."""
        return self.message_id or self.key


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    notifier: str
    key: str
    reference: str  # message id, HTTP status, file path
    detail: str = ""


class Notifier(ABC):
    name: ClassVar[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls()

    @abstractmethod
    def send(self, notice: OutgoingNotice) -> DeliveryReceipt:
        """Deliver once; raise on failure so that the caller can retry."""
