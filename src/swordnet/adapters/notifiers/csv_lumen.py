"""Export notices as files for other systems: CSV (one row per item) and the Lumen
database's notice JSON (``notice`` with ``works_attributes`` and
``entity_notice_roles_attributes``). One file per notice key: a retry rewrites the same
file atomically, so it never duplicates."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from swordnet.plugins.notifiers import DeliveryReceipt, Notifier, OutgoingNotice

if TYPE_CHECKING:
    from swordnet.settings import Settings

CSV_COLUMNS = (
    "notice_key",
    "recipient",
    "jurisdiction",
    "rights_holder",
    "item",
    "work_title",
    "url",
    "capture_sha256",
    "detected_at",
    "score",
)


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


class _FileExport(Notifier):
    suffix: ClassVar[str]

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(settings.home / "exports" / "notices")

    def path_for(self, key: str) -> Path:
        return self.directory / f"{key}{self.suffix}"

    def was_delivered(self, key: str) -> bool:
        return self.path_for(key).is_file()


class CsvExportNotifier(_FileExport):
    name: ClassVar[str] = "csv"
    suffix: ClassVar[str] = ".csv"

    def send(self, notice: OutgoingNotice) -> DeliveryReceipt:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        holder = notice.data.get("holder", {}).get("name", "")
        for item in notice.data.get("items", []):
            writer.writerow(
                _cell(value)
                for value in [
                    notice.key,
                    notice.recipient,
                    notice.data.get("jurisdiction", ""),
                    holder,
                    item.get("number"),
                    item.get("work_title"),
                    item.get("url"),
                    item.get("capture_sha256"),
                    item.get("detected_at"),
                    item.get("score"),
                ]
            )
        path = self.path_for(notice.key)
        _write_atomically(path, buffer.getvalue())
        return DeliveryReceipt(self.name, notice.key, str(path))


def lumen_document(notice: OutgoingNotice) -> dict[str, Any]:
    """The notice in the field names of the Lumen database's notice submissions."""
    data = notice.data
    holder = data.get("holder", {})
    platform = data.get("platform", {})
    items = data.get("items", [])
    works: dict[str, list[str]] = {}
    for item in items:
        works.setdefault(str(item.get("work_title")), []).append(str(item.get("url")))

    def entity(role: str, name: str, email: str | None, address: str | None) -> dict[str, Any]:
        return {
            "name": role,
            "entity_attributes": {
                "name": name,
                "kind": "organization",
                "email": email,
                "address_line_1": address,
            },
        }

    jurisdiction = str(data.get("jurisdiction", ""))
    return {
        "notice": {
            "title": notice.subject,
            "type": "DMCA" if jurisdiction == "us-dmca" else "Other",
            "subject": notice.subject,
            "date_sent": data.get("date_sent"),
            "source": "SwordNet",
            "jurisdiction_list": "US" if jurisdiction == "us-dmca" else "CN",
            "language": data.get("language"),
            "body": notice.text,
            "works_attributes": [
                {
                    "description": title,
                    "infringing_urls_attributes": [{"url": url} for url in urls],
                }
                for title, urls in works.items()
            ],
            "entity_notice_roles_attributes": [
                entity(
                    "sender",
                    str(holder.get("name", "")),
                    holder.get("email"),
                    holder.get("address"),
                ),
                entity(
                    "principal",
                    str(holder.get("name", "")),
                    holder.get("email"),
                    holder.get("address"),
                ),
                entity(
                    "recipient", str(platform.get("name", notice.recipient)), notice.recipient, None
                ),
            ],
        }
    }


class LumenExportNotifier(_FileExport):
    name: ClassVar[str] = "lumen"
    suffix: ClassVar[str] = ".lumen.json"

    def send(self, notice: OutgoingNotice) -> DeliveryReceipt:
        path = self.path_for(notice.key)
        _write_atomically(path, json.dumps(lumen_document(notice), ensure_ascii=False, indent=2))
        return DeliveryReceipt(self.name, notice.key, str(path))
