"""PostgreSQL tests are skipped without a server, except under PROVGRAPH_REQUIRE_POSTGRES=1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import pytest

@pytest.mark.requires_psql
def test_needs_server(postgres_server):
    assert postgres_server
"""


@pytest.mark.parametrize(
    ("require", "expected_code", "expected_word"), [("0", 0, "skipped"), ("1", 1, "error")]
)
def test_unreachable_server_skips_or_fails(
    tmp_path: Path, require: str, expected_code: int, expected_word: str
) -> None:
    tests_dir = Path(__file__).parent
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    (tmp_path / "conftest.py").write_text((tests_dir / "conftest.py").read_text())
    env = dict(os.environ)
    env["PROVGRAPH_TEST_POSTGRES"] = "postgresql://postgres@127.0.0.1:1/postgres"
    env["PROVGRAPH_REQUIRE_POSTGRES"] = require
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(probe),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == expected_code, output
    assert expected_word in output.splitlines()[-1], output
