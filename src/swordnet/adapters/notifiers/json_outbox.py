"""Writes each notice as a JSON file: for offline delivery or another system to pick up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

from swordnet.plugins.notifiers import DeliveryReceipt, Notifier, OutgoingNotice

if TYPE_CHECKING:
    from swordnet.settings import Settings


class JsonExportNotifier(Notifier):
    name: ClassVar[str] = "export"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(settings.home / "outbox")

    def send(self, notice: OutgoingNotice) -> DeliveryReceipt:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{notice.key}.json"
        document = {
            "key": notice.key,
            "recipient": notice.recipient,
            "copies": list(notice.copies),
            "subject": notice.subject,
            "text": notice.text,
            "data": notice.data,
        }
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        temporary.replace(path)  # atomic: a retry overwrites the same file, never duplicates
        return DeliveryReceipt(self.name, notice.key, str(path))
