"""C2SP checkpoints (c2sp.org/tlog-checkpoint) as signed notes (c2sp.org/signed-note).

A checkpoint's note text is three lines: the log's origin, its size in decimal, its root
hash in standard base64. The signed note adds a blank line and one line per signature:
"— <key name> <base64(key ID || Ed25519 signature over the note text)>", the key ID
being the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || 32-byte public key). The
public key is published in the "vkey" form of Go's note package and the transparency
tools: "<name>+<key ID in hex>+<base64(0x01 || public key)>".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01  # the signed-note signature type of Ed25519
DASH = "\u2014"  # em dash, the start of every signature line


class NoteError(ValueError):
    """Text that is not a well-formed checkpoint, or a key that is not a vkey."""


def _valid_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"a key name is non-empty, without spaces or '+': {name!r}")
    return name


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, public: bytes) -> bytes:
    """SHA-256(key name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public).digest()[:4]


def vkey(name: str, public: bytes) -> str:
    """The verifier key: name+hex(key ID)+base64(0x01 || public key)."""
    _valid_name(name)
    encoded = base64.b64encode(bytes([ED25519]) + public).decode()
    return f"{name}+{key_id(name, public).hex()}+{encoded}"


@dataclass(frozen=True, slots=True)
class VerifierKey:
    name: str
    key_id: bytes
    public: bytes

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        parts = text.strip().split("+", 2)  # base64 may hold "+" too
        if len(parts) != 3:
            raise NoteError("a vkey is name+keyid+key")
        name, hex_id, encoded = parts
        try:
            raw = base64.b64decode(encoded, validate=True)
            wanted = bytes.fromhex(hex_id)
        except (binascii.Error, ValueError) as exc:
            raise NoteError(f"not a vkey: {exc}") from exc
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("the vkey is not an Ed25519 key")
        public = raw[1:]
        if key_id(_valid_name(name), public) != wanted:
            raise NoteError("the vkey's key ID does not match its name and key")
        return cls(name, wanted, public)

    def __str__(self) -> str:
        return vkey(self.name, self.public)


@dataclass(frozen=True, slots=True)
class ParsedCheckpoint:
    origin: str
    size: int
    root_hash: bytes
    body: str  # the note text the signatures are over
    signatures: list[tuple[str, bytes, bytes]]  # key name, key ID, signature


def checkpoint_body(origin: str, size: int, root_hash: bytes) -> str:
    if not origin or "\n" in origin:
        raise NoteError("the origin is one non-empty line")
    return f"{origin}\n{size}\n{base64.b64encode(root_hash).decode()}\n"


def sign_note(body: str, name: str, key: Ed25519PrivateKey) -> str:
    """The signed note: body, a blank line, one signature line."""
    public = raw_public(key.public_key())
    signature = key.sign(body.encode("utf-8"))
    line = base64.b64encode(key_id(_valid_name(name), public) + signature).decode()
    return f"{body}\n{DASH} {name} {line}\n"


def parse_checkpoint(text: str) -> ParsedCheckpoint:
    """Split a signed checkpoint into its fields; checks the form, not the signatures."""
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a signed note holds no control characters but newlines")
    body, separator, block = text.rpartition("\n\n")
    if not separator or not block.endswith("\n"):
        raise NoteError("no blank line before the signatures, or no final newline")
    body += "\n"
    lines = body.split("\n")
    if len(lines) < 4:
        raise NoteError("a checkpoint has an origin, a size and a root hash")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"not a tree size: {size_text!r}")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as exc:
        raise NoteError("the root hash is not base64") from exc
    if len(root) != 32 or base64.b64encode(root).decode() != root_text:
        raise NoteError("the root hash is not 32 bytes in standard base64")
    signatures: list[tuple[str, bytes, bytes]] = []
    for line in block[:-1].split("\n"):
        prefix, _, rest = line.partition(" ")
        name, _, encoded = rest.partition(" ")
        if prefix != DASH or not name or not encoded or " " in encoded:
            raise NoteError(f"not a signature line: {line!r}")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise NoteError("a signature is not base64") from exc
        if len(raw) < 5:
            raise NoteError("a signature is shorter than its key ID")
        signatures.append((name, raw[:4], raw[4:]))
    if not signatures:
        raise NoteError("the note is not signed")
    return ParsedCheckpoint(origin, int(size_text), root, body, signatures)


def verify_checkpoint(text: str, key: VerifierKey) -> ParsedCheckpoint:
    """The checkpoint, once a signature by ``key`` verifies; NoteError otherwise.

    As the spec asks: signatures of other keys are ignored, and a signature of this key
    (same name and ID) that does not verify rejects the note."""
    parsed = parse_checkpoint(text)
    public = Ed25519PublicKey.from_public_bytes(key.public)
    matched = False
    for name, hint, signature in parsed.signatures:
        if name != key.name or hint != key.key_id:
            continue
        try:
            public.verify(signature, parsed.body.encode("utf-8"))
        except InvalidSignature as exc:
            raise NoteError(f"the signature of {name} does not verify") from exc
        matched = True
    if not matched:
        raise NoteError(f"the checkpoint carries no signature of {key.name}+{key.key_id.hex()}")
    return parsed


TLOG_PROOF = "c2sp.org/tlog-proof@v1"


def format_tlog_proof(index: int, proof: list[bytes], checkpoint_text: str) -> str:
    """A c2sp.org/tlog-proof: header, index, the inclusion proof (leaf side first), a
    blank line, the signed checkpoint verbatim."""
    hashes = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    return f"{TLOG_PROOF}\nindex {index}\n{hashes}\n{checkpoint_text}"


def parse_tlog_proof(text: str) -> tuple[int, list[bytes], str]:
    """(index, inclusion proof, checkpoint text) of a tlog-proof; NoteError if malformed.
    The ``extra`` line, when present, is skipped: it is not authenticated."""
    head, separator, checkpoint = text.partition("\n\n")
    lines = head.split("\n")
    if not separator or not lines or lines[0] != TLOG_PROOF:
        raise NoteError(f"not a {TLOG_PROOF}")
    lines = lines[1:]
    if lines and lines[0].startswith("extra "):
        lines = lines[1:]
    if not lines or not lines[0].startswith("index "):
        raise NoteError("a tlog-proof names the index")
    number = lines[0].removeprefix("index ")
    if not number.isdigit() or (number != "0" and number.startswith("0")):
        raise NoteError(f"not an index: {number!r}")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except binascii.Error as exc:
        raise NoteError("a proof hash is not base64") from exc
    if any(len(h) != 32 for h in proof):
        raise NoteError("a proof hash is not 32 bytes")
    return int(number), proof, checkpoint
