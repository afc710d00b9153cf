"""``swordnet ledger`` through the real command line: checkpoint, show, prove (a
c2sp.org/tlog-proof that verifies offline), consistency between two checkpoints, verify."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.conftest import SwordnetCli

from swordnet.bootstrap import bootstrap
from swordnet.domain import merkle
from swordnet.services import ledger
from swordnet.services.ledger.notes import VerifierKey, parse_tlog_proof, verify_checkpoint
from swordnet.settings import Settings


def test_checkpoint_prove_and_check_by_hand(
    tmp_path: Path, database_url: str, swordnet_cli: SwordnetCli
) -> None:
    home = tmp_path / "home"
    container = bootstrap(Settings(home=home, database_url=database_url, workers=1))
    try:
        with container.sessions() as session, session.begin():
            ledger.append_many(session, [("test.item", {"id": n}) for n in range(10)])
    finally:
        container.close()

    first = swordnet_cli(home, database_url, "ledger", "checkpoint")
    assert first.returncode == 0, first.stderr
    assert "signed by key" in first.stderr
    shown = swordnet_cli(home, database_url, "ledger", "show")
    assert shown.returncode == 0, shown.stderr
    vkey = next(line for line in shown.stdout.splitlines() if line.startswith("public key: "))
    key = VerifierKey.parse(vkey.removeprefix("public key: "))

    proved = swordnet_cli(home, database_url, "ledger", "prove", "--index", "3")
    assert proved.returncode == 0, proved.stderr
    index, proof, checkpoint = parse_tlog_proof(proved.stdout)
    signed = verify_checkpoint(checkpoint, key)
    # the leaf's bytes, as printed, hash to the leaf the proof places under the signed root
    data = proved.stderr.split(": ", 1)[1].splitlines()[0].encode()
    assert data.startswith(b'{"at":') and b'"record":{"id":3}' in data
    assert index == 3 and signed.size == 12  # 10 leaves, the key's creation, the anchor
    assert merkle.verify_inclusion(merkle.leaf_hash(data), 3, signed.size, proof, signed.root_hash)

    container = bootstrap(Settings(home=home, database_url=database_url, workers=1))
    try:
        with container.sessions() as session, session.begin():
            ledger.append_many(session, [("test.item", {"id": n}) for n in range(10, 30)])
    finally:
        container.close()
    second = swordnet_cli(home, database_url, "ledger", "checkpoint")
    assert second.returncode == 0, second.stderr
    newer = verify_checkpoint(second.stdout, key)
    consistent = swordnet_cli(
        home, database_url, "ledger", "consistency", str(signed.size), str(newer.size)
    )
    assert consistent.returncode == 0, consistent.stderr
    lines = consistent.stdout.splitlines()
    hashes = [base64.b64decode(line) for line in lines[2:]]
    assert merkle.verify_consistency(
        signed.size, newer.size, signed.root_hash, newer.root_hash, hashes
    )
    verified = swordnet_cli(home, database_url, "ledger", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stderr
    missing = swordnet_cli(home, database_url, "ledger", "prove", "--index", "999")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
