"""A loopback SMTP server that keeps what it receives: for the demo and the tests.

It listens on 127.0.0.1 only, on a free port, and accepts every message.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Collector:
    def __init__(self, sink: LoopbackSmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode("utf-8")
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.sink.lock:
            self.sink.messages.append(message)
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class LoopbackSmtpSink:
    """``with LoopbackSmtpSink() as sink: ... sink.host, sink.port, sink.messages``."""

    host = "127.0.0.1"

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> LoopbackSmtpSink:
        self._controller = Controller(_Collector(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID arrived: every count is 1 when nothing was doubled."""
        with self.lock:
            return Counter(str(m["Message-ID"]) for m in self.messages)

    def __enter__(self) -> LoopbackSmtpSink:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
