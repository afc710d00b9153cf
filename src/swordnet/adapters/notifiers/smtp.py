"""Delivers notices by e-mail (smtplib). The notice's stored random message id becomes the
Message-ID, so a message sent again after a crash carries the same identity and receivers
can tell it is one notice, while two different notices (even from two databases) never
share one."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING, ClassVar, Self

from swordnet.domain.errors import SwordNetError
from swordnet.plugins.notifiers import DeliveryReceipt, Notifier, OutgoingNotice

if TYPE_CHECKING:
    from swordnet.settings import Settings


class SmtpDeliveryError(SwordNetError):
    """The SMTP server refused the message or a recipient."""


def message_id(key: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else "swordnet.localhost"
    return f"<{key}@{domain}>"


class SmtpNotifier(Notifier):
    name: ClassVar[str] = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        tls: str = "none",  # "none", "starttls" or "ssl"
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        if tls not in ("none", "starttls", "ssl"):
            raise ValueError(f"unknown SMTP TLS mode {tls!r}")
        self.host, self.port, self.sender = host, port, sender
        self.tls, self.username, self.password = tls, username, password
        self.timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        e = settings.enforcement
        return cls(
            e.smtp_host,
            e.smtp_port,
            e.sender,
            tls=e.smtp_tls,
            username=e.smtp_username,
            password=e.smtp_password.get_secret_value() if e.smtp_password else None,
            timeout_s=e.smtp_timeout_s,
        )

    def build_message(self, notice: OutgoingNotice) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        # the platform's every notice address: its notice_email first, then the others
        message["To"] = ", ".join([notice.recipient, *notice.copies])
        message["Subject"] = notice.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = message_id(notice.identity, self.sender)
        message["X-SwordNet-Notice-Key"] = notice.key
        message.set_content(notice.text)
        if notice.html is not None:
            message.add_alternative(notice.html, subtype="html")
        for filename, content in notice.attachments.items():
            kind = {
                ".pdf": ("application", "pdf"),
                ".json": ("application", "json"),
                ".csv": ("text", "csv"),
            }
            suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
            maintype, subtype = kind.get(suffix, ("application", "octet-stream"))
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        return message

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                timeout=self.timeout_s,
                context=ssl.create_default_context(),
            )
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        if self.tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def send(self, notice: OutgoingNotice) -> DeliveryReceipt:
        message = self.build_message(notice)
        with self._connect() as client:
            if self.username:
                client.login(self.username, self.password or "")
            refused = client.send_message(message)
        if refused:
            raise SmtpDeliveryError(f"recipients refused: {sorted(refused)}")
        return DeliveryReceipt(
            self.name, notice.key, str(message["Message-ID"]), detail=f"{self.host}:{self.port}"
        )
