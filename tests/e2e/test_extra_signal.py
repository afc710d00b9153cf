"""A modality is one folder and one registry line: a third-party signal type, installed
through a ``swordnet.signals`` entry point and named nowhere in SwordNet, is registered,
scanned for, found by a crawl, auto-confirmed by its own threshold and named in a notice.

The plug-in (``tests/plugins/swordnet_extra_signal``: modality ``blob``, exact SHA-256
matches of ``.bin`` files) is installed as pip would: a ``*.dist-info`` folder with its
entry point on the path. Every step runs the command line in a fresh process, so that the
plug-in registry reads the entry points with the plug-in installed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from swordnet.simweb.server import Response, SimWeb, Site

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
BLOB_MAGIC = b"SWBLOB1\n"  # as swordnet_extra_signal.signal declares it
FIRMWARE = BLOB_MAGIC + b"firmware image, protected work\n" * 64

Run = Callable[..., subprocess.CompletedProcess[str]]


def install_extra_signal(site_packages: Path) -> None:
    """What ``pip install swordnet-extra-signal`` leaves for ``importlib.metadata``."""
    dist_info = site_packages / "swordnet_extra_signal-0.1.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: swordnet-extra-signal\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        "[swordnet.signals]\nbytes = swordnet_extra_signal:BytesSignal\n", encoding="utf-8"
    )


@pytest.fixture
def run_with_plugin(tmp_path: Path) -> Run:
    site_packages = tmp_path / "site-packages"
    install_extra_signal(site_packages)
    path = [str(site_packages), str(PLUGINS), os.environ.get("PYTHONPATH", "")]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in path if p),
        "SWORDNET_HOME": str(tmp_path / "home"),
        "SWORDNET_WORKERS": "1",
        "SWORDNET_CRAWLER__ALLOW_NETWORKS": '["127.0.0.1/32"]',
        "COLUMNS": "200",
    }
    env.pop("SWORDNET_DATABASE_URL", None)

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    return run


def shop() -> Site:
    site = Site("shop", "Firmware Shop", "ecommerce")
    site.add_page("/", '<html><body><a href="/downloads">downloads</a></body></html>')
    site.add_page(
        "/downloads",
        '<html><body><h1>Free firmware</h1><a href="/files/fw.bin">get it</a></body></html>',
    )
    site.routes["/files/fw.bin"] = Response(FIRMWARE, content_type="application/octet-stream")
    return site


@pytest.mark.slow
def test_an_extra_signal_works_end_to_end_with_no_change_elsewhere(
    run_with_plugin: Run, tmp_path: Path
) -> None:
    swordnet = ("-m", "swordnet")
    reference = tmp_path / "firmware.bin"
    reference.write_bytes(FIRMWARE)
    copy = tmp_path / "downloads" / "renamed.bin"
    copy.parent.mkdir()
    copy.write_bytes(FIRMWARE)

    run_with_plugin(*swordnet, "works", "add", str(reference), "--holder", "Acme Devices")
    with closing(sqlite3.connect(tmp_path / "home" / "swordnet.db")) as db:
        assert db.execute("SELECT modality FROM reference_file").fetchall() == [("blob",)]
        assert db.execute("SELECT kind FROM work").fetchall() == [("software",)]

    scanned = run_with_plugin(*swordnet, "scan", str(copy), "--json")
    [match] = [json.loads(line) for line in scanned.stdout.splitlines() if line.startswith("{")]
    assert match["modality"] == "blob" and match["score"] == 1.0
    assert match["segments"] == [
        {"query": [0, len(FIRMWARE)], "reference": [0, len(FIRMWARE)], "unit": "byte"}
    ]

    with SimWeb([shop()]) as web:
        base = web.base_urls["shop"]
        host = base.removeprefix("http://")
        run_with_plugin(*swordnet, "monitor", "add", "shop", base + "/", "--platform", host)
        run_with_plugin(*swordnet, "monitor", "run", "shop")
        assert web.hits("shop").get("/files/fw.bin") == 1
    with closing(sqlite3.connect(tmp_path / "home" / "swordnet.db")) as db:
        detections = db.execute("SELECT url, modality, signal, status FROM detection").fetchall()
    assert detections == [(base + "/files/fw.bin", "blob", "bytes", "new")]

    # the threshold the signal declares (an exact copy: 1.0) confirms it with no setting
    confirmed = run_with_plugin(*swordnet, "review", "confirm", "--auto", "--as", "officer")
    assert "auto-confirmed 1 detection(s)" in confirmed.stdout + confirmed.stderr
    drafted = run_with_plugin(*swordnet, "notices", "draft", "--channel", "export")
    assert "1 notice(s) rendered" in drafted.stdout + drafted.stderr
    notice = run_with_plugin(*swordnet, "notices", "show", "1").stdout
    assert "二进制文件比对" in notice  # the signal's label for its modality, in Chinese
    assert f"第 0-{len(FIRMWARE)} 字节" in notice  # and for its unit


@pytest.mark.slow
def test_the_extra_signal_passes_the_conformance_suite(run_with_plugin: Run) -> None:
    result = run_with_plugin(
        "-m",
        "pytest",
        "tests/unit/test_signal_conformance.py",
        "-k",
        "bytes or alike",
        "-v",
        "-p",
        "no:cacheprovider",
    )
    assert "test_copy_matches_reference_and_unrelated_does_not[bytes] PASSED" in result.stdout
    assert "test_signal_declares_what_the_rest_needs_of_its_modality[bytes] PASSED" in result.stdout
    assert " failed" not in result.stdout and " error" not in result.stdout
