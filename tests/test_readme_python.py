"""The README's Python examples run as written, after the quick start, in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def _python_blocks() -> list[str]:
    text = README.read_text()
    blocks = []
    for part in text.split("```python\n")[1:]:
        blocks.append(part[: part.index("```\n")])
    return blocks


def test_readme_has_python_examples() -> None:
    assert _python_blocks()


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_python_block_runs(index: int, tmp_path: Path) -> None:
    env = {**os.environ, "PROVGRAPH_PATH": str(tmp_path / "config")}
    env.pop("PROVGRAPH_PROFILE", None)
    provgraph = str(Path(sys.executable).with_name("provgraph"))
    setup = subprocess.run(
        [provgraph, "quickstart"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert setup.returncode == 0, setup.stderr
    done = subprocess.run(
        [sys.executable, "-c", _python_blocks()[index]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
