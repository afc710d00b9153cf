"""The issue's acceptance for evidence bundles: the standalone verifier, run in a fresh
virtual environment holding only ``cryptography`` (``python -I``: no SwordNet, no
PYTHONPATH), accepts an exported bundle untouched and rejects every tampering, naming the
item: one byte of a WARC record, a screenshot, a leaf, a proof hash, the checkpoint, its
signature; two leaves swapped; a leaf dropped; an older checkpoint the newer one does
not extend. Each change is tried twice: as is (the manifest's SHA-256 catches it), and
with the manifest's digests recomputed, as a careful forger would (the cryptography
catches it).

The virtual environment is built once per session from a local wheel (``pip install
--no-index --find-links``; the places searched are pip's ``find-links`` and its cache);
if no wheel is found, the installed ``cryptography`` and its ``cffi`` are copied in."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
import venv
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from sqlalchemy import select

from swordnet.bootstrap import Container, bootstrap
from swordnet.demo.campaign import write_catalogue
from swordnet.services import bundles, ledger
from swordnet.services.catalogue import register_files
from swordnet.services.crawling import CrawlPolicy, crawl
from swordnet.services.ledger import evidence
from swordnet.services.ledger.notes import checkpoint_body, sign_note
from swordnet.settings import CrawlerSettings, Settings
from swordnet.simweb.server import SimWeb
from swordnet.simweb.world import build_world
from swordnet.storage import models

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # a stand-in: only its digest matters


# -- the fresh environment ----------------------------------------------------------------
def _wheel_dirs() -> list[Path]:
    places = [Path(p) for p in os.environ.get("PIP_FIND_LINKS", "").split() if p]
    places += [Path("/opt/pypi/files"), Path("/opt/wheels")]
    cache = Path(os.environ.get("PIP_CACHE_DIR", Path.home() / ".cache" / "pip")) / "wheels"
    if cache.is_dir():
        places += sorted({p.parent for p in cache.rglob("*.whl")})
    return [p for p in places if p.is_dir()]


@pytest.fixture(scope="session")
def verifier_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with only ``cryptography`` (and what it needs), no SwordNet."""
    started = time.monotonic()
    home = tmp_path_factory.mktemp("verifier-venv")
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(home)
    python = home / "bin" / "python"
    links = [arg for d in _wheel_dirs() for arg in ("--find-links", str(d))]
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", *links, "cryptography"],
        capture_output=True,
        text=True,
        check=False,
    )
    if installed.returncode != 0:  # no local wheel: copy the installed package and cffi
        import cffi  # type: ignore[import-untyped]
        import cryptography

        target = Path(
            subprocess.check_output(
                [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                text=True,
            ).strip()
        )
        for package in (Path(cryptography.__file__).parent, Path(cffi.__file__).parent):
            shutil.copytree(package, target / package.name)
        for backend in Path(cffi.__file__).parent.parent.glob("_cffi_backend*.so"):
            shutil.copy2(backend, target / backend.name)
    probe = subprocess.run(
        [
            str(python),
            "-I",
            "-c",
            "import cryptography\ntry:\n import swordnet\nexcept ImportError: print('clean')",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "clean", "the verifier's venv must not see SwordNet"
    elapsed = time.monotonic() - started
    if elapsed > 30:
        print(f"\ncreating the verifier's venv took {elapsed:.0f} s")
    return python


# -- a bundle with everything in it -------------------------------------------------------
@dataclass
class Exported:
    container: Container
    path: Path
    older_checkpoint: str  # a genuine checkpoint signed before the bundle's


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    root = tmp_path_factory.mktemp("bundle")
    container = bootstrap(
        Settings(
            home=root / "home",
            workers=1,
            crawler=CrawlerSettings(allow_networks=["127.0.0.1/32"], max_pages=20),
        )
    )
    world = build_world()
    register_files(container, write_catalogue(world, root / "catalogue"))
    with SimWeb(world.sites) as web:
        crawl(container, [web.base_urls["novels"] + "/"], CrawlPolicy(max_pages=20))
    older = ledger.sign_checkpoint(
        container.sessions, ledger.LedgerKeys.from_settings(container.settings)
    )
    with container.sessions() as session, session.begin():
        detection = session.scalars(
            select(models.Detection).where(models.Detection.capture_id.is_not(None))
        ).first()
        assert detection is not None and detection.capture_id is not None
        shot = root / "home" / "screenshots" / f"capture-{detection.capture_id}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        shot.write_bytes(PNG)
        capture = session.get_one(models.Capture, detection.capture_id)
        capture.screenshot_path = str(shot)
        ledger.record(
            session,
            evidence.SCREENSHOT,
            evidence.screenshot_record(capture.id, str(shot), hashlib.sha256(PNG).hexdigest()),
        )
        detection_id = detection.id
    path = root / "detection.zip"
    bundles.export_detection_bundle(container, detection_id, path)
    yield Exported(container, path, older.text)
    container.close()


def _files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(files: dict[str, bytes], out: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    out.write_bytes(buffer.getvalue())
    return out


def _refresh_manifest(files: dict[str, bytes], dropped: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """What a forger does: the manifest's digests recomputed, dropped items unlisted."""
    manifest = json.loads(files["manifest.json"])
    manifest["items"] = [i for i in manifest["items"] if i["path"] not in dropped]
    for item in manifest["items"]:
        if item["path"] in files:
            item["sha256"] = hashlib.sha256(files[item["path"]]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()


def _run(python: Path, bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -I verify.py bundle.zip``, the verify.py taken out of the bundle itself."""
    script = bundle.parent / "verify.py"
    script.write_bytes(_files(bundle)["verify.py"])
    return subprocess.run(
        [str(python), "-I", str(script), str(bundle), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=bundle.parent,
        env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"},
        timeout=120,
    )


def _failures(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("FAIL")]


def _of(files: dict[str, bytes], item_type: str, kind: str | None = None) -> list[str]:
    manifest = json.loads(files["manifest.json"])
    return [
        i["path"]
        for i in manifest["items"]
        if i["type"] == item_type and (kind is None or i.get("kind") == kind)
    ]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _flip_b64(line: str) -> str:
    """One byte of a base64 value changed, still valid base64 of the same length."""
    raw = bytearray(base64.b64decode(line))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


# -- the tamperings: each changes ``files`` and returns the item the verifier must name ----
def warc_byte(files: dict[str, bytes]) -> str:
    path = _of(files, "warc_record")[0]
    files[path] = _flip(files[path], len(files[path]) // 2)
    return path


def screenshot_byte(files: dict[str, bytes]) -> str:
    path = _of(files, "screenshot")[0]
    files[path] = _flip(files[path], 100)
    return path


def leaf_byte(files: dict[str, bytes]) -> str:
    path = _of(files, "leaf", "detection")[0]
    data = files[path]
    at = data.index(b'"score":') + len(b'"score":')  # a digit of the score: still JSON
    files[path] = data[:at] + (b"1" if data[at : at + 1] != b"1" else b"0") + data[at + 1 :]
    return path


def proof_hash(files: dict[str, bytes]) -> str:
    leaf_path = _of(files, "leaf", "capture")[0]
    path = _of(files, "inclusion_proof")[0]
    manifest = json.loads(files["manifest.json"])
    path = next(i["proof"] for i in manifest["items"] if i["path"] == leaf_path)
    lines = files[path].decode().split("\n")
    lines[2] = _flip_b64(lines[2])  # the first hash of the proof
    files[path] = "\n".join(lines).encode()
    return path


def _main_checkpoint(files: dict[str, bytes]) -> str:
    return str(json.loads(files["manifest.json"])["checkpoint"])


def checkpoint_byte(files: dict[str, bytes]) -> str:
    path = _main_checkpoint(files)
    lines = files[path].decode().split("\n")
    lines[2] = _flip_b64(lines[2])  # the root hash
    files[path] = "\n".join(lines).encode()
    return path


def checkpoint_signature(files: dict[str, bytes]) -> str:
    path = _main_checkpoint(files)
    text = files[path].decode()
    body, _, signature = text.rstrip("\n").rpartition(" ")
    raw = bytearray(base64.b64decode(signature))
    raw[10] ^= 0x01  # inside the Ed25519 signature, past the key ID
    files[path] = f"{body} {base64.b64encode(bytes(raw)).decode()}\n".encode()
    return path


def swap_leaves(files: dict[str, bytes]) -> str:
    first, second = _of(files, "leaf")[:2]
    files[first], files[second] = files[second], files[first]
    return first


def drop_leaf(files: dict[str, bytes]) -> str:
    path = _of(files, "leaf", "detection")[0]
    del files[path]
    return path


TAMPERINGS: dict[str, Callable[[dict[str, bytes]], str]] = {
    "warc record byte": warc_byte,
    "screenshot byte": screenshot_byte,
    "leaf byte": leaf_byte,
    "proof hash": proof_hash,
    "checkpoint byte": checkpoint_byte,
    "checkpoint signature": checkpoint_signature,
    "two leaves swapped": swap_leaves,
    "leaf dropped": drop_leaf,
}


def test_the_untouched_bundle_verifies(
    exported: Exported, verifier_python: Path, tmp_path: Path
) -> None:
    bundle = shutil.copy(exported.path, tmp_path / "bundle.zip")
    result = _run(verifier_python, Path(bundle))
    assert result.returncode == 0, result.stdout + result.stderr
    assert not _failures(result)
    for expected in ("warc/", "screenshots/", "leaves/", "bundle leaf", "checkpoints/"):
        assert f"OK    {expected}" in result.stdout, expected
    # the same from an extracted folder, with verify.py run from inside it
    folder = tmp_path / "extracted"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    inside = subprocess.run(
        [str(verifier_python), "-I", "verify.py"],
        check=False,
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert inside.returncode == 0, inside.stdout + inside.stderr


@pytest.mark.parametrize("forger", [False, True], ids=["as-is", "manifest-recomputed"])
@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_every_tampering_is_refused_naming_the_item(
    exported: Exported, verifier_python: Path, tmp_path: Path, name: str, forger: bool
) -> None:
    files = _files(exported.path)
    item = TAMPERINGS[name](files)
    if forger:
        dropped = {item} if item not in files else set()
        if dropped:  # its proof goes too, as a forger would remove it
            manifest = json.loads(files["manifest.json"])
            proof = next(i["proof"] for i in manifest["items"] if i["path"] == item)
            del files[proof]
            dropped.add(proof)
        _refresh_manifest(files, dropped)
    result = _run(verifier_python, _zip(files, tmp_path / "tampered.zip"))
    failures = _failures(result)
    assert result.returncode == 1, result.stdout + result.stderr
    if name == "leaf dropped" and forger:
        index = int(Path(item).stem)
        assert any(f"leaf {index}" in line for line in failures), result.stdout
    else:
        assert any(item in line for line in failures), result.stdout


def test_an_older_checkpoint_is_checked_for_consistency(
    exported: Exported, verifier_python: Path, tmp_path: Path
) -> None:
    genuine = tmp_path / "older.txt"
    genuine.write_text(exported.older_checkpoint, encoding="utf-8")
    accepted = _run(verifier_python, exported.path, "--checkpoint", str(genuine))
    assert accepted.returncode == 0, accepted.stdout
    assert "extends your checkpoint" in accepted.stdout

    # a checkpoint of the same size with another root, signed by the log's own key: the
    # log was forked, or rewritten since; the bundle's checkpoint does not extend it
    settings = exported.container.settings
    keys = ledger.LedgerKeys.from_settings(settings)
    key = load_pem_private_key(keys.key_path.read_bytes(), password=None)
    lines = exported.older_checkpoint.split("\n")
    size = int(lines[1])
    forged_text = sign_note(
        checkpoint_body(lines[0], size, hashlib.sha256(b"another history").digest()),
        keys.name,
        key,  # type: ignore[arg-type]
    )
    forged = tmp_path / "forged.txt"
    forged.write_text(forged_text, encoding="utf-8")
    refused = _run(verifier_python, exported.path, "--checkpoint", str(forged))
    assert refused.returncode == 1
    assert any(str(forged) in line and "NOT consistent" in line for line in _failures(refused)), (
        refused.stdout
    )


def test_a_trusted_key_or_fingerprint_is_checked(exported: Exported, verifier_python: Path) -> None:
    keys = ledger.LedgerKeys.from_settings(exported.container.settings)
    fingerprint = hashlib.sha256(keys.verifier().public).hexdigest()
    good = _run(verifier_python, exported.path, "--trust-fingerprint", fingerprint)
    assert good.returncode == 0, good.stdout
    assert "signed by the key you trust" in good.stdout
    bad = _run(verifier_python, exported.path, "--trust-fingerprint", "00" * 32)
    assert bad.returncode == 1
    assert any("--trust-fingerprint" in line for line in _failures(bad))


def test_the_cli_verifies_with_the_same_verifier(exported: Exported) -> None:
    ok, lines = bundles.verify_bundle(exported.path, quiet=True)
    assert ok, lines
    assert sys.executable  # the in-process run uses SwordNet's interpreter, same code
