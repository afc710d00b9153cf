"""Notifiers built without a network, and notice templates carrying what the law asks."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from swordnet import plugins
from swordnet.adapters.notifiers.csv_lumen import CsvExportNotifier, lumen_document
from swordnet.adapters.notifiers.smtp import SmtpNotifier
from swordnet.adapters.notifiers.webhook import (
    SIGNATURE_HEADER,
    WebhookDeliveryError,
    WebhookNotifier,
    verify,
)
from swordnet.domain.errors import NotConfigured, UnsafeAddressError
from swordnet.plugins.notifiers import OutgoingNotice
from swordnet.services.enforcement.rendering import render, render_pdf
from swordnet.settings import Settings

SECRET = "k" * 16 + "9f2c41d0a7b3e5f8"
NOTICE = OutgoingNotice(
    key="abc123",
    recipient="abuse@pirate.example",
    subject="侵权通知",
    text="正文",
    html="<p>正文</p>",
    attachments={"notice.pdf": b"%PDF-1.3"},
    data={
        "jurisdiction": "cn-rpnd",
        "holder": {"name": "Holder", "email": "h@x"},
        "platform": {"name": "Pirate"},
        "items": [
            {"work_title": "W1", "url": "http://p/1"},
            {"work_title": "W1", "url": "http://p/2"},
            {"work_title": "W2", "url": "http://p/3"},
        ],
    },
)


def test_built_in_notifiers_are_registered() -> None:
    assert {"smtp", "webhook", "csv", "lumen", "export"} <= set(plugins.notifiers.names())


def test_smtp_message_carries_the_notice_key_as_message_id() -> None:
    notifier = SmtpNotifier("127.0.0.1", 25, "notices@bureau.example")
    message = notifier.build_message(NOTICE)
    assert message["Message-ID"] == "<abc123@bureau.example>"
    assert message["X-SwordNet-Notice-Key"] == "abc123"
    assert message.get_body(("plain",)).get_content().strip() == "正文"  # type: ignore[union-attr]
    assert message.get_body(("html",)) is not None
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names == ["notice.pdf"]


def test_webhook_refuses_to_run_without_a_strong_secret(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured, match="secret_key"):
        WebhookNotifier.from_settings(Settings(home=tmp_path))
    with pytest.raises(NotConfigured, match="32"):
        WebhookNotifier(b"short")


def test_webhook_signs_the_body_and_sends_the_idempotency_key(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    notifier = WebhookNotifier(SECRET.encode(), transport=httpx.MockTransport(receiver))
    target = OutgoingNotice(**{**_fields(NOTICE), "recipient": "https://platform.example/hook"})
    receipt = notifier.send(target)
    notifier.close()
    request = seen[0]
    assert receipt.reference == "HTTP 202"
    assert request.headers["Idempotency-Key"] == "abc123"
    header = request.headers[SIGNATURE_HEADER]
    assert verify(SECRET.encode(), header, request.content, now=time.time())
    assert not verify(b"x" * 32, header, request.content, now=time.time())
    assert not verify(SECRET.encode(), header, request.content + b" ", now=time.time())
    assert not verify(SECRET.encode(), header, request.content, now=time.time() + 3600)
    assert json.loads(request.content)["key"] == "abc123"


def test_webhook_raises_when_the_receiver_refuses() -> None:
    notifier = WebhookNotifier(
        SECRET.encode(), transport=httpx.MockTransport(lambda r: httpx.Response(500))
    )
    target = OutgoingNotice(**{**_fields(NOTICE), "recipient": "https://platform.example/hook"})
    with pytest.raises(WebhookDeliveryError, match="500"):
        notifier.send(target)
    with pytest.raises(WebhookDeliveryError, match="not a webhook URL"):
        notifier.send(NOTICE)
    notifier.close()


def test_webhook_from_settings_refuses_private_addresses(tmp_path: Path) -> None:
    notifier = WebhookNotifier.from_settings(Settings(home=tmp_path, secret_key=SECRET))
    target = OutgoingNotice(**{**_fields(NOTICE), "recipient": "http://127.0.0.1:9/hook"})
    with pytest.raises(UnsafeAddressError, match="loopback"):
        notifier.send(target)
    notifier.close()


def test_lumen_document_groups_urls_per_work() -> None:
    document = lumen_document(NOTICE)["notice"]
    works = {
        w["description"]: w["infringing_urls_attributes"] for w in document["works_attributes"]
    }
    assert works == {
        "W1": [{"url": "http://p/1"}, {"url": "http://p/2"}],
        "W2": [{"url": "http://p/3"}],
    }
    roles = {r["name"] for r in document["entity_notice_roles_attributes"]}
    assert roles == {"sender", "principal", "recipient"}


def _fields(notice: OutgoingNotice) -> dict[str, Any]:
    return {name: getattr(notice, name) for name in notice.__dataclass_fields__}


def _context() -> dict[str, Any]:
    item = {
        "number": 1,
        "work_title": "剑影江湖 第1章",
        "work_kind": "chapter",
        "url": "http://pirate.example/book/1.html",
        "detected_at": "2017-08-01 10:00 UTC",
        "modality": "text",
        "score": "0.99",
        "method": "text matching (similarity 0.99)",
        "capture_at": "2017-08-01 10:00 UTC",
        "capture_sha256": "f" * 64,
        "warc_record_id": "<urn:uuid:1>",
        "segments": ["copy chars 0-100 = work chars 0-100"],
    }
    return {
        "notice": {"key": "k1", "date": "2017-08-01", "deadline": "2017-08-02 10:00 UTC"},
        "holder": {
            "name": "Qingyun Press",
            "contact_name": "Li Lei",
            "email": "legal@qingyun.example",
            "phone": "+86 10 1234",
            "address": "1 Road, Beijing",
            "agents": ["Wang Fang, takedown notices, wang@agency.example"],
        },
        "platform": {"name": "Pirate", "domain": "pirate.example", "operator": None},
        "items": [item],
        "sender": "bureau@example",
        "signature": "Li Lei",
    }


@pytest.mark.parametrize("language", ["zh", "en"])
def test_rpnd_notice_has_the_three_elements_of_article_14(language: str) -> None:
    text = render(f"notices/cn_rpnd.{language}.txt.j2", **_context())
    # 1. name, contact, address of the rights holder
    for field in ("Qingyun Press", "legal@qingyun.example", "+86 10 1234", "1 Road, Beijing"):
        assert field in text
    assert "Wang Fang, takedown notices, wang@agency.example" in text  # who may act for it
    # 2. name and network address of the infringing work
    assert "剑影江湖 第1章" in text and "http://pirate.example/book/1.html" in text
    # 3. preliminary proof: capture hash and matching passages
    assert "f" * 64 in text and "copy chars 0-100" in text
    assert ("第十四条" if language == "zh" else "Article 14") in text


@pytest.mark.parametrize("language", ["en", "zh"])
def test_dmca_notice_has_the_elements_of_512_c_3(language: str) -> None:
    text = render(f"notices/us_dmca.{language}.txt.j2", **_context())
    assert "/Li Lei/" in text  # electronic signature
    assert "剑影江湖 第1章" in text  # the work
    assert "http://pirate.example/book/1.html" in text  # the material and where it is
    assert "legal@qingyun.example" in text and "1 Road, Beijing" in text  # contact
    if language == "en":
        assert "good faith belief" in text
        assert "under penalty of perjury" in text and "accurate" in text
    else:
        assert "善意" in text and "伪证" in text and "准确" in text


def test_pdf_is_a_pdf_with_chinese_text() -> None:
    pdf = render_pdf("通知", "侵权通知\n" + "http://pirate.example/" + "a" * 300)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 1000


def test_html_notice_escapes_what_pirates_control() -> None:
    context = _context()
    context["items"][0]["url"] = 'http://pirate.example/"><script>alert(1)</script>'
    html = render(
        "notices/layout.html.j2",
        language="en",
        subject="Notice <b>",
        paragraphs=[["<img src=x onerror=alert(1)>"]],
        items=context["items"],
        labels=["#", "Work", "Address", "Hash", "Passages"],
    )
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


def test_csv_export_defuses_spreadsheet_formulas(tmp_path: Path) -> None:
    data = {**NOTICE.data, "items": [{"work_title": "=HYPERLINK(1)", "url": "http://p/1"}]}
    notifier = CsvExportNotifier(tmp_path)
    notifier.send(OutgoingNotice(**{**_fields(NOTICE), "data": data}))
    row = (tmp_path / "abc123.csv").read_text(encoding="utf-8").splitlines()[1]
    assert ",'=HYPERLINK(1)," in row
    assert notifier.was_delivered("abc123") and not notifier.was_delivered("other")
