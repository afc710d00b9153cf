"""RFC 3161 timestamps on checkpoints, from a configured timestamp authority (TSA).

The time a checkpoint was signed then rests on a third party's signed token, not on our
own clock. The request (SHA-256 imprint of the signed checkpoint, a random nonce, the
TSA's certificate asked for) is built and the answer checked with ``rfc3161-client``
(Trail of Bits; sigstore uses it): status granted, the nonce and imprint ours, the
signature valid under the configured roots and made by a certificate for time stamping.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from swordnet.domain.errors import ConfigurationError, SwordNetError


class TimestampError(SwordNetError):
    """The TSA could not be reached, refused, or answered with a token that does not verify."""


@dataclass(frozen=True, slots=True)
class Timestamp:
    token: bytes  # the whole TimeStampResp, DER, as the TSA sent it
    gen_time: datetime


def load_roots(path: Path) -> list[x509.Certificate]:
    try:
        roots = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"ledger.tsa_ca_file {path}: {exc}") from exc
    return roots


def verify_token(
    token: bytes, data: bytes, roots: list[x509.Certificate], *, nonce: int | None = None
) -> datetime:
    """The time a valid token gives ``data``; TimestampError when it does not verify."""
    try:
        response = decode_timestamp_response(token)
        builder = VerifierBuilder(roots=list(roots))
        if nonce is not None:
            builder = builder.nonce(nonce)
        builder.build().verify(response, hashlib.sha256(data).digest())
    except (VerificationError, ValueError) as exc:
        raise TimestampError(f"the timestamp token does not verify: {exc}") from exc
    imprint = response.tst_info.message_imprint
    if imprint.hash_algorithm.dotted_string != "2.16.840.1.101.3.4.2.1":
        raise TimestampError("the timestamp token's imprint is not SHA-256")
    gen_time = response.tst_info.gen_time
    return gen_time if gen_time.tzinfo else gen_time.replace(tzinfo=UTC)


class Timestamper:
    """Asks one TSA for tokens over HTTP (RFC 3161 §3.4: application/timestamp-query)."""

    def __init__(self, url: str, roots: list[x509.Certificate], *, timeout_s: float = 10.0):
        if not roots:
            raise ConfigurationError("ledger.tsa_url needs ledger.tsa_ca_file: the TSA's roots")
        self.url = url
        self.roots = roots
        self.timeout_s = timeout_s

    def timestamp(self, data: bytes) -> Timestamp:
        request = (
            TimestampRequestBuilder()
            .data(data)
            .hash_algorithm(HashAlgorithm.SHA256)
            .nonce(nonce=True)
            .cert_request(cert_request=True)
            .build()
        )
        try:
            answer = httpx.post(
                self.url,
                content=request.as_bytes(),
                headers={"Content-Type": "application/timestamp-query"},
                timeout=self.timeout_s,
            )
        except httpx.HTTPError as exc:
            raise TimestampError(f"the TSA at {self.url} cannot be reached: {exc}") from exc
        if answer.status_code != 200:
            raise TimestampError(f"the TSA at {self.url} answered HTTP {answer.status_code}")
        token = answer.content
        gen_time = verify_token(token, data, self.roots, nonce=request.nonce)
        return Timestamp(token, gen_time)
