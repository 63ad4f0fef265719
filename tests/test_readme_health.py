"""The README's storage-health example, run line by line as a user would type it after the quick start.

The commands are read from the README itself (the block after the ``readme-health-example``
marker), so the README cannot promise a command that does not work.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.readme_blocks import readme_commands


def test_readme_health_commands_work(tmp_path: Path) -> None:
    env = {**os.environ, "PROVGRAPH_PATH": str(tmp_path / "config")}
    env.pop("PROVGRAPH_PROFILE", None)

    def provgraph(*args: str) -> str:
        done = subprocess.run(
            [str(Path(sys.executable).with_name("provgraph")), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"provgraph {' '.join(args)}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    provgraph("quickstart")
    before = provgraph("node", "list")
    outputs = [provgraph(*command) for command in readme_commands("readme-health-example")]
    assert "Success: quick maintenance" in outputs[0]
    assert "7 nodes will be deleted" in outputs[1]
    assert "nothing was deleted" in outputs[1]
    assert provgraph("node", "list") != before
    assert "Success: full maintenance" in outputs[3]
    assert "0 problems found" in outputs[4]
    assert (tmp_path / "backups" / "last-backup").is_symlink()
    assert "copy" in provgraph("profile", "list")
    assert provgraph("-p", "copy", "node", "list") == provgraph("node", "list")
