"""``swordnet sim-web`` as a user runs it: fixed ports that are the printed ones, and a
SIGTERM that stops it at once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

SITES = 9  # the generated world's eight sites and the hostile one

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc (Linux)")


def _free_port_run(length: int) -> int:
    """A first port such that ``length`` consecutive ports are free now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + length > 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + length):
                taken = socket.socket()
                sockets.append(taken)
                taken.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for taken in sockets:
                taken.close()
    raise RuntimeError("no run of free ports found")


def _listening_ports(pid: int) -> list[int]:
    """TCP ports the process listens on (one entry per listening socket)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return sorted(ports)


def test_port_base_serves_each_site_once_on_the_printed_ports_and_sigterm_stops_it(
    tmp_path: Path,
) -> None:
    base = _free_port_run(SITES)
    env = {**os.environ, "SWORDNET_HOME": str(tmp_path / "home")}
    process = subprocess.Popen(
        [sys.executable, "-m", "swordnet", "sim-web", "--port-base", str(base)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        printed = []
        for line in process.stdout:
            printed += [int(port) for port in re.findall(r"http://127\.0\.0\.1:(\d+)/", line)]
            if "Ctrl-C stops" in line:
                break
        assert printed == list(range(base, base + SITES))
        assert _listening_ports(process.pid) == printed
        for port in printed:
            assert httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=5).status_code in {
                200,
                404,
            }
        # a slow response in flight must not hold the stop up
        drip = socket.create_connection(("127.0.0.1", printed[-1]))
        drip.sendall(b"GET /slow-drip HTTP/1.1\r\nHost: x\r\n\r\n")
        assert drip.recv(64).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        elapsed = time.monotonic() - started
        drip.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    assert code == 0
    assert elapsed < 2.0, f"SIGTERM took {elapsed:.1f} s to stop sim-web"


def test_a_taken_port_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "swordnet", "sim-web", "--port-base", str(port)],
            capture_output=True,
            text=True,
            env={**os.environ, "SWORDNET_HOME": str(tmp_path / "home")},
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
    assert result.returncode == 2
    assert "choose another --port-base" in result.stderr and "Traceback" not in result.stderr
