"""RFC 3161 timestamps on checkpoints from a real TSA on loopback: ``openssl ts -reply``
answers over HTTP with a key and certificate made for the test."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from swordnet.bootstrap import bootstrap
from swordnet.domain.errors import ConfigurationError
from swordnet.services import ledger
from swordnet.services.ledger.operations import checkpoint_now, timestamper
from swordnet.services.ledger.timestamps import TimestampError, load_roots, verify_token
from swordnet.settings import LedgerSettings, Settings

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")

_CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _make_tsa(directory: Path, name: str = "SwordNet Test TSA") -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tsa.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pem = directory / "tsa.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "serial").write_text("01\n")
    (directory / "tsa.cnf").write_text(_CONFIG.format(dir=directory))
    return pem


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A TSA answering at http://127.0.0.1:<port>/ with ``openssl ts -reply``."""
    directory = tmp_path / "tsa"
    certificate = _make_tsa(directory)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with tempfile.TemporaryDirectory(dir=directory) as scratch:
                query, reply = Path(scratch) / "q.tsq", Path(scratch) / "r.tsr"
                query.write_bytes(body)
                subprocess.run(
                    [
                        "openssl",
                        "ts",
                        "-reply",
                        "-config",
                        str(directory / "tsa.cnf"),
                        "-queryfile",
                        str(query),
                        "-out",
                        str(reply),
                    ],
                    check=True,
                    capture_output=True,
                )
                answer = reply.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", certificate
    server.shutdown()
    server.server_close()


def test_each_checkpoint_is_timestamped_and_the_token_verifies(
    tmp_path: Path, tsa: tuple[str, Path]
) -> None:
    url, certificate = tsa
    settings = Settings(
        home=tmp_path / "home",
        workers=1,
        ledger=LedgerSettings(tsa_url=url, tsa_ca_file=certificate),
    )
    container = bootstrap(settings)
    try:
        with container.sessions() as session, session.begin():
            ledger.record(session, "test.item", {"id": 1})
        signed = checkpoint_now(container)
        assert signed.tsa_token is not None and signed.tsa_time is not None
        assert abs(signed.tsa_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
        roots = load_roots(certificate)
        data = signed.text.encode()
        assert verify_token(signed.tsa_token, data, roots) == signed.tsa_time
        with container.sessions() as session:
            stored = ledger.latest_checkpoint(session)
        assert stored is not None and stored.tsa_token == signed.tsa_token
        # the token is of this checkpoint only, and only under the TSA's own roots
        with pytest.raises(TimestampError):
            verify_token(signed.tsa_token, data.replace(b"\n1", b"\n2", 1) + b" ", roots)
        other = _make_tsa(tmp_path / "other", name="Someone Else")
        with pytest.raises(TimestampError):
            verify_token(signed.tsa_token, data, load_roots(other))
        flipped = bytearray(signed.tsa_token)
        flipped[-40] ^= 0x01  # inside the signature
        with pytest.raises(TimestampError):
            verify_token(bytes(flipped), data, roots)
    finally:
        container.close()


def test_a_tsa_that_cannot_be_reached_stops_the_checkpoint(
    tmp_path: Path, tsa: tuple[str, Path]
) -> None:
    _, certificate = tsa
    settings = Settings(
        home=tmp_path / "home",
        workers=1,
        ledger=LedgerSettings(tsa_url="http://127.0.0.1:9/", tsa_ca_file=certificate),
    )
    container = bootstrap(settings)
    try:
        with pytest.raises(TimestampError, match="cannot be reached"):
            checkpoint_now(container)
        with container.sessions() as session:
            assert ledger.latest_checkpoint(session) is None
    finally:
        container.close()
    half = Settings(home=tmp_path / "h2", ledger=LedgerSettings(tsa_url="http://127.0.0.1:9/"))
    with pytest.raises(ConfigurationError):
        timestamper(half)
