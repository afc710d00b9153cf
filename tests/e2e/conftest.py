from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SWORDNET = [sys.executable, "-m", "swordnet"]

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli(tmp_path: Path) -> Run:
    """Run ``swordnet ARGS`` in a fresh data directory, as a user would."""
    env = {**os.environ, "SWORDNET_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    env.pop("SWORDNET_DATABASE_URL", None)

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*SWORDNET, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    return run
