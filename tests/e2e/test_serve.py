"""``swordnet serve`` and ``swordnet demo --serve``, run as a user runs them: a real
process on a free loopback port, asked over HTTP, then interrupted as Ctrl-C would."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from tests.web.conftest import free_port

from swordnet.cli.serve import is_loopback, server_options
from swordnet.domain.errors import ConfigurationError
from swordnet.settings import Settings, WebSettings

SWORDNET = [sys.executable, "-m", "swordnet"]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "SWORDNET_HOME": str(home), "COLUMNS": "200", **extra}
    env.pop("SWORDNET_DATABASE_URL", None)
    env.pop("SWORDNET_SECRET_KEY", None)
    env.update(extra)
    return env


@contextmanager
def running(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [*SWORDNET, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(process: subprocess.Popen[str], url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"the server exited with {process.returncode}: {err}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def test_serve_answers_on_loopback_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = _env(tmp_path / "home", SWORDNET_SECRET_KEY=secrets.token_urlsafe(32))
    with running(["serve", "--port", str(port)], env) as process:
        _wait_healthy(process, f"http://127.0.0.1:{port}", 30)
        me = httpx.get(f"http://127.0.0.1:{port}/api/v1/me")
        assert me.status_code == 401 and me.headers["content-type"] == "application/problem+json"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in out


def test_serve_refuses_a_public_address_without_tls_or_a_proxy(tmp_path: Path) -> None:
    env = _env(tmp_path / "home", SWORDNET_SECRET_KEY=secrets.token_urlsafe(32))
    refused = subprocess.run(
        [*SWORDNET, "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "without TLS" in refused.stderr and "--behind-proxy" in refused.stderr


def test_serve_refuses_without_a_secret_key_and_says_how_to_make_one(tmp_path: Path) -> None:
    refused = subprocess.run(
        [*SWORDNET, "serve", "--port", str(free_port())],
        env=_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "secret_key" in refused.stderr and "secrets.token_urlsafe(32)" in refused.stderr


def test_server_options_from_settings_and_flags(tmp_path: Path) -> None:
    key = secrets.token_urlsafe(32)
    settings = Settings(home=tmp_path, secret_key=key, web=WebSettings(port=8123, workers=2))
    options = server_options(settings)
    assert (options.host, options.port, options.workers) == ("127.0.0.1", 8123, 2)
    assert options.uvicorn_kwargs(settings)["proxy_headers"] is False
    proxied = server_options(
        settings, host="0.0.0.0", behind_proxy=True, proxy_addresses="10.0.0.2"
    )
    kwargs = proxied.uvicorn_kwargs(settings)
    assert kwargs["proxy_headers"] is True and kwargs["forwarded_allow_ips"] == "10.0.0.2"
    with pytest.raises(ConfigurationError, match="does not exist"):
        server_options(
            Settings(
                home=tmp_path,
                secret_key=key,
                web=WebSettings(tls_certfile=tmp_path / "no.pem", tls_keyfile=tmp_path / "no.key"),
            ),
            host="0.0.0.0",
        )
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("swordnet.example")


@pytest.mark.slow
def test_demo_serve_runs_the_campaign_then_serves_its_people(tmp_path: Path) -> None:
    port = free_port()
    home = tmp_path / "home"
    base = f"http://127.0.0.1:{port}"
    with running(["demo", "--serve"], _env(home, SWORDNET_WEB__PORT=str(port))) as process:
        _wait_healthy(process, base, 240)
        assert process.stdout is not None
        printed = ""
        while "serving on" not in printed:  # the accounts are printed before serving
            line = process.stdout.readline()
            assert line, "the output ended before the server said where it serves"
            printed += line
        accounts = re.findall(r"^  (\w+)\s+(\w+)( \(TOTP\))?\s+(\S+)  ", printed, re.MULTILINE)
        passwords = {user: password for user, _, _, password in accounts}
        assert set(passwords) == {
            "admin", "national", "guangdong", "reviewer", "police", "telecom", "holder",
            "platform", "viewer",
        }  # fmt: skip
        totp = {user for user, _, marked, _ in accounts if marked}
        assert totp == {"admin", "national", "guangdong", "reviewer"} and "QR code" in printed
        # the rights holder signs in with the printed password and sees its dashboard
        with httpx.Client(base_url=base) as browser:
            signed = browser.post(
                "/login", data={"username": "holder", "password": passwords["holder"]}
            )
            assert signed.status_code == 303, signed.text
            assert browser.get("/").status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert "Briefing" in printed + out, err
    config = (home / "demo" / "swordnet.toml").read_text(encoding="utf-8")
    assert re.search(r'^secret_key = "[\w-]{32,}"', config, re.MULTILINE)
