"""The ``provgraph`` command lines of a README example block, for the tests that run them."""

from __future__ import annotations

import shlex
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def readme_commands(marker: str) -> list[list[str]]:
    """The arguments of each ``provgraph`` line in the first bash block after ``marker``."""
    text = README.read_text()
    block = text[text.index(marker) :]
    start = block.index("```bash\n") + len("```bash\n")
    block = block[start : block.index("```\n", start)]
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "provgraph", line
            commands.append(words[1:])
    return commands
