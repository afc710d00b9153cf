#!/usr/bin/env python3
"""Check a SwordNet evidence bundle, item by item, with nothing but Python and
``cryptography``: no network, no SwordNet, no database.

    python verify.py                      # the bundle this file was extracted with
    python verify.py bundle.zip           # or a bundle, zipped or extracted
    python verify.py bundle.zip --checkpoint older.txt   # a checkpoint you kept
    python verify.py bundle.zip --trust "<vkey>"         # the log's key, known out of band
    python verify.py bundle.zip --trust-fingerprint HEX  # or its SHA-256 fingerprint
    python verify.py bundle.zip --tsa-ca tsa-roots.pem   # the TSA's issuer, known out of band

What is checked (each line of the output says which item and what):

1. every file's SHA-256 against ``manifest.json``, and no file the manifest does not list;
2. the public key(s): each vkey's key ID is SHA-256(name || LF || 0x01 || key)[:4];
3. each checkpoint (C2SP signed note): its Ed25519 signature by a bundled key whose name
   and key ID it names; with --trust / --trust-fingerprint, the newest checkpoint is also
   signed by that key;
4. each leaf: its hash SHA-256(0x00 || bytes) and its inclusion proof (c2sp.org/tlog-proof)
   against a checkpoint's root (RFC 9162 section 2.1.3.2);
5. each WARC record and screenshot: its SHA-256 is the one the capture leaf records;
6. the bundle leaf (written into the log when the bundle was made): the bundle holds
   every leaf and file it lists, with the digests it lists;
7. each consistency proof between a bundled older checkpoint and the newest (RFC 9162
   section 2.1.4.2); with --checkpoint, that the newest extends the checkpoint you kept;
8. each RFC 3161 timestamp token: granted, its message imprint is the SHA-256 of the
   checkpoint, its CMS signature verifies with the certificate it carries, that
   certificate is for time stamping and valid at the token's time; with --tsa-ca, that
   certificate is one of, or directly issued by, the certificates given. Not checked:
   a longer certificate chain, revocation, the ESS signing-certificate attribute.

The exit status is 0 only when every check passes.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

FORMAT = "swordnet-evidence-bundle/1"
TLOG_PROOF = "c2sp.org/tlog-proof@v1"
DASH = "\u2014"


class MalformedError(ValueError):
    """A malformed item: the message says what is wrong with it."""


# -- the report ---------------------------------------------------------------------------
@dataclass
class Report:
    failures: int = 0
    checks: int = 0
    quiet: bool = False
    lines: list[str] = field(default_factory=list)

    def _say(self, text: str) -> None:
        self.lines.append(text)
        if not self.quiet:
            print(text)

    def ok(self, item: str, what: str) -> None:
        self.checks += 1
        self._say(f"OK    {item}: {what}")

    def fail(self, item: str, what: str) -> None:
        self.checks += 1
        self.failures += 1
        self._say(f"FAIL  {item}: {what}")

    def note(self, item: str, what: str) -> None:
        self._say(f"NOTE  {item}: {what}")


# -- RFC 9162 section 2.1 -----------------------------------------------------------------
def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2, step by step."""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != 32 or sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2, step by step."""
    if old_size < 0 or new_size < old_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == hashlib.sha256(b"").digest()
    path = list(proof)
    if not path or any(len(c) != 32 for c in path):
        return False
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


# -- C2SP signed notes, checkpoints and tlog-proofs ---------------------------------------
@dataclass(frozen=True)
class VKey:
    name: str
    key_id: bytes
    public: bytes

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the 32-byte Ed25519 public key, hex."""
        return hashlib.sha256(self.public).hexdigest()


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]


def parse_vkey(text: str) -> VKey:
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise MalformedError("a vkey is name+keyid+key")
    name, hex_id, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
        wanted = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError) as exc:
        raise MalformedError(f"not a vkey: {exc}") from exc
    if len(raw) != 33 or raw[0] != 0x01:
        raise MalformedError("the vkey is not an Ed25519 key")
    if not name or any(c.isspace() for c in name) or key_id(name, raw[1:]) != wanted:
        raise MalformedError("the vkey's key ID does not match its name and key")
    return VKey(name, wanted, raw[1:])


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    body: str
    signatures: list[tuple[str, bytes, bytes]]


def _decimal(text: str, what: str) -> int:
    if not text.isdigit() or (text != "0" and text.startswith("0")):
        raise MalformedError(f"not {what}: {text!r}")
    return int(text)


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise MalformedError(f"{what} is not base64") from exc


def parse_checkpoint(text: str) -> Checkpoint:
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise MalformedError("a signed note holds no control characters but newlines")
    body, separator, block = text.rpartition("\n\n")
    if not separator or not block.endswith("\n"):
        raise MalformedError("no blank line before the signatures, or no final newline")
    body += "\n"
    lines = body.split("\n")
    if len(lines) < 4:
        raise MalformedError("a checkpoint has an origin, a size and a root hash")
    size = _decimal(lines[1], "a tree size")
    root = _b64(lines[2], "the root hash")
    if len(root) != 32 or base64.b64encode(root).decode() != lines[2]:
        raise MalformedError("the root hash is not 32 bytes in standard base64")
    signatures = []
    for line in block[:-1].split("\n"):
        prefix, _, rest = line.partition(" ")
        name, _, encoded = rest.partition(" ")
        if prefix != DASH or not name or not encoded or " " in encoded:
            raise MalformedError(f"not a signature line: {line!r}")
        raw = _b64(encoded, "a signature")
        if len(raw) < 5:
            raise MalformedError("a signature is shorter than its key ID")
        signatures.append((name, raw[:4], raw[4:]))
    return Checkpoint(lines[0], size, root, body, signatures)


def signed_by(checkpoint: Checkpoint, key: VKey) -> bool | None:
    """True: a signature of ``key`` verifies; False: one of its signatures does not;
    None: the note carries no signature naming this key."""
    public = ed25519.Ed25519PublicKey.from_public_bytes(key.public)
    found: bool | None = None
    for name, hint, signature in checkpoint.signatures:
        if name != key.name or hint != key.key_id:
            continue
        try:
            public.verify(signature, checkpoint.body.encode("utf-8"))
        except InvalidSignature:
            return False
        found = True
    return found


def parse_tlog_proof(text: str) -> tuple[int, list[bytes], str]:
    head, separator, checkpoint = text.partition("\n\n")
    lines = head.split("\n")
    if not separator or lines[0] != TLOG_PROOF:
        raise MalformedError(f"not a {TLOG_PROOF}")
    lines = lines[1:]
    if lines and lines[0].startswith("extra "):
        lines = lines[1:]
    if not lines or not lines[0].startswith("index "):
        raise MalformedError("a tlog-proof names the index")
    index = _decimal(lines[0].removeprefix("index "), "an index")
    proof = [_b64(line, "a proof hash") for line in lines[1:]]
    if any(len(h) != 32 for h in proof):
        raise MalformedError("a proof hash is not 32 bytes")
    return index, proof, checkpoint


def parse_consistency(text: str) -> tuple[int, bytes, int, bytes, list[bytes]]:
    """``old <size> <root>``, ``new <size> <root>``, then one base64 hash a line."""
    lines = text.rstrip("\n").split("\n")
    if len(lines) < 2:
        raise MalformedError("a consistency proof names the old and the new tree")
    sizes: list[tuple[int, bytes]] = []
    for line, word in zip(lines[:2], ("old", "new"), strict=True):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != word:
            raise MalformedError(f"expected '{word} <size> <root>', got {line!r}")
        sizes.append((_decimal(parts[1], "a tree size"), _b64(parts[2], "a root")))
    proof = [_b64(line, "a proof hash") for line in lines[2:] if line]
    return sizes[0][0], sizes[0][1], sizes[1][0], sizes[1][1], proof


# -- DER, just enough for RFC 3161 tokens (CMS SignedData over a TSTInfo) ------------------
@dataclass(frozen=True)
class Der:
    tag: int
    raw: bytes  # the whole element: tag, length, content
    content: bytes

    def children(self) -> list[Der]:
        return list(_elements(self.content))


def _element(data: bytes, pos: int) -> tuple[Der, int]:
    if pos + 2 > len(data):
        raise MalformedError("truncated DER")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise MalformedError("high tag numbers are not used in RFC 3161 tokens")
    length = data[pos + 1]
    start = pos + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            raise MalformedError("a DER length is malformed")
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    end = start + length
    if end > len(data):
        raise MalformedError("truncated DER")
    return Der(tag, data[pos:end], data[start:end]), end


def _elements(data: bytes) -> Iterator[Der]:
    pos = 0
    while pos < len(data):
        element, pos = _element(data, pos)
        yield element


def der(data: bytes) -> Der:
    element, end = _element(data, 0)
    if end != len(data):
        raise MalformedError("trailing bytes after the DER element")
    return element


def oid(element: Der) -> str:
    if element.tag != 0x06 or not element.content:
        raise MalformedError("expected an OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in element.content:
        value = value << 7 | byte & 0x7F
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


SIGNED_DATA = "1.2.840.113549.1.7.2"
TST_INFO = "1.2.840.113549.1.9.16.1.4"
MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
CONTENT_TYPE = "1.2.840.113549.1.9.3"
RSA_PSS = "1.2.840.113549.1.1.10"
DIGESTS: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}


def _digest(algorithm: Der, data: bytes) -> tuple[hashes.HashAlgorithm, bytes]:
    name = oid(algorithm.children()[0])
    if name not in DIGESTS:
        raise MalformedError(f"digest algorithm {name} is not SHA-256, SHA-384 or SHA-512")
    chosen = DIGESTS[name]()
    h = hashes.Hash(chosen)
    h.update(data)
    return chosen, h.finalize()


@dataclass(frozen=True)
class TokenFacts:
    gen_time: str
    signer: x509.Certificate
    imprint_ok: bool


def check_timestamp_token(token: bytes, data: bytes) -> TokenFacts:
    """Parse a TimeStampResp (or a bare TimeStampToken) and check it covers ``data``;
    MalformedError when it is malformed or its signature does not verify."""
    outer = der(token).children()
    if outer and outer[0].tag == 0x30:  # TimeStampResp: status, then the token
        status = outer[0].children()
        if not status or int.from_bytes(status[0].content, "big") not in (0, 1):
            raise MalformedError("the TSA did not grant the token")
        if len(outer) < 2:
            raise MalformedError("the response holds no token")
        outer = outer[1].children()
    if len(outer) < 2 or oid(outer[0]) != SIGNED_DATA or outer[1].tag != 0xA0:
        raise MalformedError("the token is not a CMS SignedData")
    signed = outer[1].children()[0].children()
    encap = signed[2].children()
    if oid(encap[0]) != TST_INFO or len(encap) < 2:
        raise MalformedError("the token's content is not a TSTInfo")
    tst_bytes = encap[1].children()[0].content  # [0] EXPLICIT OCTET STRING
    certificates = [
        x509.load_der_x509_certificate(c.raw)
        for part in signed[3:]
        if part.tag == 0xA0
        for c in part.children()
        if c.tag == 0x30
    ]
    signer = _check_signer(signed, certificates, tst_bytes)
    tst = der(tst_bytes).children()
    imprint = tst[2].children()
    _, expected = _digest(imprint[0], data)
    gen_time = tst[4].content.decode("ascii", "replace")
    return TokenFacts(gen_time, signer, imprint[1].content == expected)


def _check_signer(
    signed: list[Der], certificates: list[x509.Certificate], tst_bytes: bytes
) -> x509.Certificate:
    """The SignerInfo: its signed attributes bind the TSTInfo, its signature verifies with
    the certificate it names."""
    signer_infos = [part for part in signed[3:] if part.tag == 0x31]
    if not signer_infos or not signer_infos[0].children():
        raise MalformedError("the token has no signer")
    info = signer_infos[0].children()[0].children()
    sid, digest_algorithm = info[1], info[2]
    rest = info[3:]
    attributes = rest.pop(0) if rest and rest[0].tag == 0xA0 else None
    signature_algorithm, signature = rest[0], rest[1].content
    if attributes is None:
        raise MalformedError("the token's signer has no signed attributes")
    algorithm, content_digest = _digest(digest_algorithm, tst_bytes)
    found_digest = found_type = False
    for attribute in attributes.children():
        parts = attribute.children()
        kind = oid(parts[0])
        value = parts[1].children()[0]
        if kind == MESSAGE_DIGEST:
            found_digest = True
            if value.content != content_digest:
                raise MalformedError("the signed message digest is not the TSTInfo's")
        elif kind == CONTENT_TYPE:
            found_type = oid(value) == TST_INFO
    if not (found_digest and found_type):
        raise MalformedError("the signed attributes lack the TSTInfo's content type or digest")
    signer = _signer(certificates, sid)
    # the signature is over the attributes as a SET (tag 0x31), not as [0] IMPLICIT
    signed_bytes = b"\x31" + attributes.raw[1:]
    public = signer.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            if oid(signature_algorithm.children()[0]) == RSA_PSS:
                pss = padding.PSS(padding.MGF1(algorithm), padding.PSS.AUTO)
                public.verify(signature, signed_bytes, pss, algorithm)
            else:
                public.verify(signature, signed_bytes, padding.PKCS1v15(), algorithm)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, signed_bytes, ec.ECDSA(algorithm))
        elif isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, signed_bytes)
        else:
            raise MalformedError("the TSA's key type is not supported")
    except InvalidSignature as exc:
        raise MalformedError("the token's signature does not verify with its certificate") from exc
    return signer


def _signer(certificates: list[x509.Certificate], sid: Der) -> x509.Certificate:
    for certificate in certificates:
        if sid.tag == 0x30:  # issuerAndSerialNumber
            issuer, serial = sid.children()
            number = int.from_bytes(serial.content, "big", signed=True)
            if certificate.serial_number == number and (
                certificate.issuer.public_bytes() == issuer.raw
            ):
                return certificate
        elif sid.tag == 0x80:  # [0] subjectKeyIdentifier
            try:
                ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == sid.content:
                return certificate
    raise MalformedError("the token does not carry its signer's certificate")


def _generalized_time(text: str) -> datetime | None:
    digits = text.rstrip("Z").split(".")[0]
    try:
        return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


# -- the bundle ---------------------------------------------------------------------------
class Bundle:
    """The files of a bundle, zipped or extracted, by their path in the bundle."""

    def __init__(self, location: Path) -> None:
        self.files: dict[str, bytes] = {}
        if location.is_dir():
            for path in sorted(location.rglob("*")):
                if path.is_file():
                    self.files[path.relative_to(location).as_posix()] = path.read_bytes()
        else:
            with zipfile.ZipFile(location) as archive:
                for entry in archive.infolist():
                    if not entry.is_dir():
                        self.files[entry.filename] = archive.read(entry)


@dataclass
class Verifier:
    bundle: Bundle
    report: Report
    trusted: list[VKey] = field(default_factory=list)
    trusted_fingerprints: list[str] = field(default_factory=list)
    tsa_roots: list[x509.Certificate] = field(default_factory=list)
    keys: list[VKey] = field(default_factory=list)
    checkpoints: dict[str, Checkpoint] = field(default_factory=dict)  # verified, by text
    good_leaves: dict[int, bytes] = field(default_factory=dict)  # index -> verified bytes

    def run(self, older: list[tuple[str, str]]) -> int:
        report = self.report
        raw = self.bundle.files.get("manifest.json")
        if raw is None:
            report.fail("manifest.json", "missing: this is not an evidence bundle")
            return 1
        try:
            manifest = json.loads(raw)
            if manifest.get("format") != FORMAT:
                raise MalformedError(f"the format is not {FORMAT}")
            items: list[dict[str, Any]] = list(manifest["items"])
        except (ValueError, KeyError, TypeError) as exc:
            report.fail("manifest.json", f"unreadable: {exc}")
            return 1
        subject = manifest.get("subject", {})
        report.note("bundle", f"evidence of {subject.get('kind')} {subject.get('id')}")
        intact = self.check_files(items)
        self.check_keys(items, intact)
        main = self.check_checkpoints(manifest, items, intact)
        self.check_leaves(items, intact)
        self.check_captured_files(items, intact)
        self.check_bundle_leaf(manifest, items)
        if main is not None:
            self.check_consistency(items, intact, main)
            for name, text in older:
                self.check_older(name, text, items, intact, main)
        self.check_timestamps(items, intact)
        if report.failures:
            report.note("result", f"{report.failures} of {report.checks} checks FAILED")
            return 1
        report.note("result", f"all {report.checks} checks passed")
        return 0

    def read(self, path: str, intact: set[str]) -> bytes | None:
        return self.bundle.files[path] if path in intact else None

    # 1. every file against the manifest
    def check_files(self, items: list[dict[str, Any]]) -> set[str]:
        intact: set[str] = set()
        listed: set[str] = {"manifest.json"}
        for item in items:
            path = str(item.get("path"))
            listed.add(path)
            data = self.bundle.files.get(path)
            if data is None:
                self.report.fail(path, "listed in the manifest but missing from the bundle")
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest != item.get("sha256"):
                self.report.fail(path, f"SHA-256 {digest} is not the manifest's")
                continue
            intact.add(path)
        self.report.ok("manifest.json", f"{len(intact)} of {len(items)} files match their SHA-256")
        for path in sorted(set(self.bundle.files) - listed):
            self.report.fail(path, "in the bundle but not in the manifest")
        return intact

    # 2. keys
    def check_keys(self, items: list[dict[str, Any]], intact: set[str]) -> None:
        for item in items:
            if item.get("type") != "public_key":
                continue
            data = self.read(item["path"], intact)
            if data is None:
                continue
            for line in data.decode("utf-8", "replace").splitlines():
                if not line.strip():
                    continue
                try:
                    key = parse_vkey(line)
                except MalformedError as exc:
                    self.report.fail(item["path"], str(exc))
                    continue
                self.keys.append(key)
                self.report.ok(
                    item["path"],
                    f"key {key.name}+{key.key_id.hex()} is well formed "
                    f"(fingerprint SHA-256 {key.fingerprint})",
                )

    # 3. checkpoints
    def verify_checkpoint(self, text: str) -> tuple[Checkpoint | None, str]:
        """The checkpoint if a bundled (or trusted) key's signature on it verifies."""
        if text in self.checkpoints:
            return self.checkpoints[text], "verified before"
        try:
            parsed = parse_checkpoint(text)
        except MalformedError as exc:
            return None, f"malformed: {exc}"
        verdicts = [(key, signed_by(parsed, key)) for key in [*self.trusted, *self.keys]]
        bad = [key for key, verdict in verdicts if verdict is False]
        if bad:
            return None, f"the signature of {bad[0].name}+{bad[0].key_id.hex()} does not verify"
        good = [key for key, verdict in verdicts if verdict]
        if not good:
            return None, "no signature by a known key"
        self.checkpoints[text] = parsed
        return parsed, f"signed by {good[0].name}+{good[0].key_id.hex()}"

    def check_checkpoints(
        self, manifest: dict[str, Any], items: list[dict[str, Any]], intact: set[str]
    ) -> Checkpoint | None:
        main: Checkpoint | None = None
        for item in items:
            if item.get("type") != "checkpoint":
                continue
            data = self.read(item["path"], intact)
            if data is None:
                continue
            parsed, why = self.verify_checkpoint(data.decode("utf-8", "replace"))
            if parsed is None:
                self.report.fail(item["path"], f"checkpoint refused: {why}")
                continue
            self.report.ok(
                item["path"], f"checkpoint of {parsed.origin}, size {parsed.size}: {why}"
            )
            if item["path"] == manifest.get("checkpoint"):
                main = parsed
        if main is None:
            self.report.fail(
                str(manifest.get("checkpoint")), "the bundle's checkpoint is not valid"
            )
            return None
        if self.trusted or self.trusted_fingerprints:
            self.check_trust(str(manifest["checkpoint"]), main)
        else:
            self.report.note(
                "key",
                "checked with the key shipped in the bundle only; compare its fingerprint "
                "with one published out of band, or pass --trust / --trust-fingerprint",
            )
        return main

    def check_trust(self, path: str, main: Checkpoint) -> None:
        keys = list(self.trusted)
        for fingerprint in self.trusted_fingerprints:
            matching = [k for k in self.keys if k.fingerprint == fingerprint.lower()]
            if not matching:
                self.report.fail(
                    "--trust-fingerprint", f"no bundled key has fingerprint {fingerprint}"
                )
            keys.extend(matching)
        if any(signed_by(main, key) for key in keys):
            self.report.ok(path, "signed by the key you trust")
        else:
            self.report.fail(path, "not signed by the key you trust")

    # 4. leaves and their inclusion proofs
    def check_leaves(self, items: list[dict[str, Any]], intact: set[str]) -> None:
        for item in items:
            if item.get("type") not in ("leaf", "bundle_leaf"):
                continue
            path = str(item["path"])
            data = self.read(path, intact)
            proof_path = str(item.get("proof"))
            proof_text = self.read(proof_path, intact)
            if data is None:
                continue
            if proof_text is None:
                self.report.fail(path, f"its inclusion proof {proof_path} is missing or altered")
                continue
            try:
                index, proof, checkpoint_text = parse_tlog_proof(proof_text.decode("utf-8"))
            except (MalformedError, UnicodeDecodeError) as exc:
                self.report.fail(proof_path, f"malformed tlog-proof: {exc}")
                continue
            if index != item.get("index"):
                self.report.fail(path, f"the proof is for leaf {index}, not {item.get('index')}")
                continue
            checkpoint, why = self.verify_checkpoint(checkpoint_text)
            if checkpoint is None:
                self.report.fail(proof_path, f"the checkpoint in the proof: {why}")
                continue
            if not verify_inclusion(
                leaf_hash(data), index, checkpoint.size, proof, checkpoint.root
            ):
                self.report.fail(
                    path,
                    f"leaf {index} is NOT included in the log of size {checkpoint.size} "
                    f"(the leaf or its proof {proof_path} was changed)",
                )
                continue
            self.good_leaves[index] = data
            self.report.ok(
                path,
                f"leaf {index} ({item.get('kind')}) included in the log of size "
                f"{checkpoint.size} (RFC 9162 inclusion proof)",
            )

    def leaf_record(self, index: Any) -> dict[str, Any] | None:
        data = self.good_leaves.get(index) if isinstance(index, int) else None
        if data is None:
            return None
        record: dict[str, Any] = json.loads(data)["record"]
        return record

    # 5. WARC records and screenshots against what their leaves record
    def check_captured_files(self, items: list[dict[str, Any]], intact: set[str]) -> None:
        for item in items:
            kind = item.get("type")
            if kind not in ("warc_record", "screenshot"):
                continue
            path = str(item["path"])
            data = self.bundle.files.get(path)
            record = self.leaf_record(item.get("leaf"))
            if data is None:
                continue
            if record is None:
                self.report.fail(path, f"its leaf {item.get('leaf')} is not a verified leaf")
                continue
            if kind == "warc_record":
                recorded = (record.get("warc") or {}).get("sha256")
                what = "the WARC record's"
            else:
                recorded = record.get("sha256")
                what = "the screenshot's"
            actual = hashlib.sha256(data).hexdigest()
            if actual != recorded:
                self.report.fail(
                    path, f"SHA-256 {actual} is not {what} in leaf {item['leaf']} ({recorded})"
                )
            else:
                self.report.ok(path, f"{what[4:]} SHA-256 is the one leaf {item['leaf']} records")

    # 6. the bundle leaf: what the log says this bundle holds
    def check_bundle_leaf(self, manifest: dict[str, Any], items: list[dict[str, Any]]) -> None:
        index = manifest.get("bundle_leaf")
        name = f"bundle leaf {index}"
        record = self.leaf_record(index)
        if record is None:
            self.report.fail(name, "not a verified leaf: the bundle's contents are unproven")
            return
        if record.get("id") != manifest.get("bundle_id"):
            self.report.fail(name, "it records another bundle")
            return
        leaves = {int(i["index"]): i for i in items if i.get("type") == "leaf" and "index" in i}
        problems = 0
        for wanted in record.get("leaves", []):
            if wanted not in leaves:
                self.report.fail(
                    f"leaf {wanted}", "recorded in the bundle leaf, missing from the bundle"
                )
                problems += 1
            elif wanted not in self.good_leaves:
                problems += 1  # already reported
        for extra in sorted(set(leaves) - set(record.get("leaves", []))):
            self.report.fail(str(leaves[extra]["path"]), "not recorded in the bundle leaf")
            problems += 1
        for entry in record.get("files", []):
            data = self.bundle.files.get(entry["path"])
            if data is None:
                self.report.fail(
                    entry["path"], "recorded in the bundle leaf, missing from the bundle"
                )
                problems += 1
            elif hashlib.sha256(data).hexdigest() != entry["sha256"]:
                self.report.fail(entry["path"], "its SHA-256 is not the bundle leaf's")
                problems += 1
        if not problems:
            self.report.ok(
                name,
                f"the bundle holds the {len(record.get('leaves', []))} leaves and "
                f"{len(record.get('files', []))} files the log recorded for it",
            )

    # 7. consistency
    def consistency_proofs(
        self, items: list[dict[str, Any]], intact: set[str], main: Checkpoint
    ) -> Iterator[tuple[str, tuple[int, bytes, int, bytes, list[bytes]]]]:
        for item in items:
            if item.get("type") != "consistency_proof":
                continue
            data = self.read(item["path"], intact)
            if data is None:
                continue
            try:
                parsed = parse_consistency(data.decode("utf-8"))
            except (MalformedError, UnicodeDecodeError) as exc:
                self.report.fail(item["path"], f"malformed: {exc}")
                continue
            yield str(item["path"]), parsed

    def check_consistency(
        self, items: list[dict[str, Any]], intact: set[str], main: Checkpoint
    ) -> None:
        olds = {c.size: c for c in self.checkpoints.values() if c.size < main.size}
        for path, (old_size, old_root, new_size, new_root, proof) in self.consistency_proofs(
            items, intact, main
        ):
            old = olds.get(old_size)
            if old is None or old.root != old_root:
                self.report.fail(
                    path, f"no verified bundled checkpoint of size {old_size} with that root"
                )
            elif new_size != main.size or new_root != main.root:
                self.report.fail(path, "it does not end at the bundle's checkpoint")
            elif not verify_consistency(old_size, new_size, old_root, new_root, proof):
                self.report.fail(
                    path, f"the log of size {new_size} does NOT extend the one of size {old_size}"
                )
            else:
                self.report.ok(
                    path, f"the log of size {new_size} extends the one of size {old_size}"
                )

    def check_older(
        self, name: str, text: str, items: list[dict[str, Any]], intact: set[str], main: Checkpoint
    ) -> None:
        older, why = self.verify_checkpoint(text)
        if older is None:
            self.report.fail(name, f"your checkpoint is refused: {why}")
            return
        if older.origin != main.origin:
            self.report.fail(name, f"your checkpoint is of another log ({older.origin})")
            return
        if older.size > main.size:
            self.report.fail(
                name, f"your checkpoint (size {older.size}) is newer than the bundle's"
            )
            return
        if older.size == main.size:
            if older.root == main.root:
                self.report.ok(name, "the same tree as the bundle's checkpoint")
            else:
                self.report.fail(
                    name,
                    "the same size as the bundle's checkpoint but another root: the log was forked",
                )
            return
        for path, (old_size, _, new_size, new_root, proof) in self.consistency_proofs(
            items, intact, main
        ):
            if old_size != older.size or new_size != main.size or new_root != main.root:
                continue
            if verify_consistency(older.size, main.size, older.root, main.root, proof):
                self.report.ok(
                    name, f"the bundle's log of size {main.size} extends your checkpoint ({path})"
                )
            else:
                self.report.fail(
                    name,
                    f"the bundle's log of size {main.size} is NOT consistent with your "
                    f"checkpoint of size {older.size}: one of them was rewritten",
                )
            return
        self.report.fail(
            name, f"cannot check: the bundle holds no consistency proof from size {older.size}"
        )

    # 8. RFC 3161 tokens
    def check_timestamps(self, items: list[dict[str, Any]], intact: set[str]) -> None:
        for item in items:
            if item.get("type") != "timestamp_token":
                continue
            path = str(item["path"])
            token = self.read(path, intact)
            stamped = self.read(str(item.get("checkpoint")), intact)
            if token is None:
                continue
            if stamped is None:
                self.report.fail(
                    path,
                    f"the checkpoint it stamps ({item.get('checkpoint')}) is missing or altered",
                )
                continue
            try:
                facts = check_timestamp_token(token, stamped)
            except (MalformedError, ValueError, IndexError, UnsupportedAlgorithm) as exc:
                self.report.fail(path, f"timestamp token refused: {exc}")
                continue
            if not facts.imprint_ok:
                self.report.fail(
                    path, f"the token's message imprint is not {item.get('checkpoint')}'s"
                )
                continue
            self.check_tsa_certificate(path, facts)

    def check_tsa_certificate(self, path: str, facts: TokenFacts) -> None:
        signer = facts.signer
        subject = signer.subject.rfc4514_string()
        try:
            usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            stamping = x509.oid.ExtendedKeyUsageOID.TIME_STAMPING in usage
        except x509.ExtensionNotFound:
            stamping = False
        when = _generalized_time(facts.gen_time)
        if not stamping:
            self.report.fail(path, f"the signer {subject} is not a time stamping certificate")
            return
        if when is None or not (signer.not_valid_before_utc <= when <= signer.not_valid_after_utc):
            self.report.fail(path, f"the signer's certificate is not valid at {facts.gen_time}")
            return
        self.report.ok(
            path,
            f"RFC 3161 token of {facts.gen_time}: the imprint is the checkpoint's SHA-256, "
            f"signed by {subject} (certificate carried in the token)",
        )
        if not self.tsa_roots:
            self.report.note(
                path, "the TSA's certificate is not checked against a root you trust (--tsa-ca)"
            )
            return
        for root in self.tsa_roots:
            if root == signer:
                self.report.ok(path, "the TSA's certificate is one you trust")
                return
            try:
                signer.verify_directly_issued_by(root)
            except (ValueError, TypeError, InvalidSignature):
                continue
            self.report.ok(
                path, f"the TSA's certificate is issued by {root.subject.rfc4514_string()}"
            )
            return
        self.report.fail(path, "the TSA's certificate is not issued by a certificate you trust")


def main(argv: list[str] | None = None, *, out: Report | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a SwordNet evidence bundle, offline.")
    parser.add_argument(
        "bundle", nargs="?", type=Path, help="the bundle (.zip or a directory; default: here)"
    )
    parser.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        type=Path,
        help="an older checkpoint you kept: the bundle's must extend it",
    )
    parser.add_argument("--trust", action="append", default=[], help="a vkey you trust")
    parser.add_argument(
        "--trust-fingerprint",
        action="append",
        default=[],
        help="SHA-256 (hex) of the log's public key, as published out of band",
    )
    parser.add_argument("--tsa-ca", type=Path, help="PEM certificates of TSAs you trust")
    args = parser.parse_args(argv)
    report = out or Report()
    location = args.bundle or Path(__file__).resolve().parent
    try:
        bundle = Bundle(location)
    except (OSError, zipfile.BadZipFile) as exc:
        report.fail(str(location), f"cannot read the bundle: {exc}")
        return 1
    verifier = Verifier(bundle, report, trusted_fingerprints=list(args.trust_fingerprint))
    for text in args.trust:
        try:
            verifier.trusted.append(
                parse_vkey(Path(text).read_text() if Path(text).is_file() else text)
            )
        except (MalformedError, OSError) as exc:
            report.fail("--trust", str(exc))
    if args.tsa_ca is not None:
        verifier.tsa_roots = x509.load_pem_x509_certificates(args.tsa_ca.read_bytes())
    older = [(str(p), p.read_text(encoding="utf-8")) for p in args.checkpoint]
    status = verifier.run(older)
    return 1 if report.failures else status


if __name__ == "__main__":
    sys.exit(main())
