"""The README's archive example, run line by line as a user would type it.

The commands are read from the README itself (the block after the ``readme-archive-example``
marker), so the README cannot promise a command that does not work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.data_files import DATA_DIR, SMALL_ARCHIVE
from tests.readme_blocks import readme_commands


def test_readme_archive_commands_work(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(SMALL_ARCHIVE, work / "colleague.aiida")
    shutil.copy(DATA_DIR / "aiida-archives" / "legacy" / "export_0.9_simple.aiida", work / "old.aiida")
    env = {**os.environ, "PROVGRAPH_PATH": str(tmp_path / "config")}
    env.pop("PROVGRAPH_PROFILE", None)

    def provgraph(*args: str) -> str:
        done = subprocess.run(
            [str(Path(sys.executable).with_name("provgraph")), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"provgraph {' '.join(args)}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    provgraph("quickstart")
    outputs = [provgraph(*command) for command in readme_commands("readme-archive-example")]
    assert (work / "results.aiida").is_file()
    assert (work / "old-new.aiida").is_file()
    assert "main_0001" in outputs[1]
    assert "Success: imported" in outputs[2]
    assert "Total results: 47" in outputs[-1]
