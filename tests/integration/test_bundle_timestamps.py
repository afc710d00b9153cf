"""A case's evidence bundle when checkpoints are timestamped (RFC 3161, ``openssl ts``
on loopback): the standalone verifier checks the token's imprint and CMS signature, the
TSA's certificate against ``--tsa-ca``, and refuses a token changed by one byte."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from tests.integration.test_ledger_timestamps import _make_tsa, tsa

from swordnet.bootstrap import bootstrap
from swordnet.services import bundles
from swordnet.services.cases.events import case_event
from swordnet.settings import LedgerSettings, Settings
from swordnet.storage import models

__all__ = ["tsa"]  # the fixture, used by name


def _rezip(source: Path, out: Path, change: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files.update(change)
    manifest = json.loads(files["manifest.json"])
    for item in manifest["items"]:  # a forger recomputes the digests
        item["sha256"] = hashlib.sha256(files[item["path"]]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out


def test_timestamp_tokens_are_checked(tsa: tuple[str, Path], tmp_path: Path) -> None:
    url, certificate = tsa
    container = bootstrap(
        Settings(
            home=tmp_path / "home",
            workers=1,
            ledger=LedgerSettings(tsa_url=url, tsa_ca_file=certificate),
        )
    )
    try:
        with container.sessions() as session, session.begin():
            case = models.Case(title="a site")
            session.add(case)
            case_event(session, case, "opened", {"source": "manual"}, "tester")
            case_id = case.id
        path = tmp_path / "case.zip"
        bundles.export_case_bundle(container, case_id, path)
    finally:
        container.close()
    with zipfile.ZipFile(path) as archive:
        tokens = [n for n in archive.namelist() if n.endswith(".tsr")]
        token = archive.read(tokens[0])
    assert tokens, "the checkpoint's token is in the bundle"

    ok, lines = bundles.verify_bundle(path, quiet=True)
    assert ok, "\n".join(lines)
    assert any(line.startswith(f"OK    {tokens[0]}: RFC 3161 token") for line in lines)

    # the TSA's certificate, checked against the one given out of band, and another
    from swordnet.services.bundles import standalone_verify

    report = standalone_verify.Report(quiet=True)
    assert standalone_verify.main([str(path), "--tsa-ca", str(certificate)], out=report) == 0
    assert any(
        "a certificate you trust" in line or "one you trust" in line for line in report.lines
    )
    stranger = _make_tsa(tmp_path / "other", "Another TSA")
    report = standalone_verify.Report(quiet=True)
    assert standalone_verify.main([str(path), "--tsa-ca", str(stranger)], out=report) == 1

    # one byte of the token's signature (its last bytes) changed
    forged = token[:-5] + bytes([token[-5] ^ 0x01]) + token[-4:]
    tampered = _rezip(path, tmp_path / "tampered.zip", {tokens[0]: forged})
    ok, lines = bundles.verify_bundle(tampered, quiet=True)
    assert not ok
    assert any(line.startswith(f"FAIL  {tokens[0]}") for line in lines), "\n".join(lines)


@pytest.mark.parametrize("flip", [40, 60])
def test_garbage_tokens_are_refused_not_crashed(flip: int) -> None:
    """The DER reader refuses garbage instead of crashing."""
    from swordnet.services.bundles import standalone_verify

    with pytest.raises((standalone_verify.MalformedError, ValueError)):
        standalone_verify.check_timestamp_token(b"\x30\x03\x02\x01" + bytes([flip]), b"x")
