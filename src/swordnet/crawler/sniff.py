"""What a response really is, whatever its Content-Type says.

Pirate sites serve images as ``application/octet-stream``, pages as ``text/plain`` and
video as ``text/html``; the first bytes decide when the header is vague or contradicts them.
"""

from __future__ import annotations

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"\x1aE\xdf\xa3", "video/webm"),
    (b"#EXTM3U", "application/vnd.apple.mpegurl"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"d8:announce", "application/x-bittorrent"),
)
_VAGUE = {
    "",
    "application/octet-stream",
    "binary/octet-stream",
    "text/plain",
    "application/unknown",
}


def sniff_media_type(declared: str, body: bytes) -> str:
    head = body[:512]
    for signature, media_type in _SIGNATURES:
        if head.startswith(signature):
            return media_type
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    lowered = head.lstrip().lower()
    if declared in _VAGUE and lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "text/html"
    return declared or "application/octet-stream"
