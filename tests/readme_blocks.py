"""The ``provgraph`` command lines of a README example block, for the tests that run them."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ReadmeCommand:
    """One ``provgraph`` command of a README shell block, with the comment that says what it shows."""

    line: str
    args: list[str]
    comment: str


@dataclass(frozen=True)
class ReadmeBlock:
    """A bash/console block of the README and the HTML comment right before it (its marker), if any."""

    marker: str | None
    commands: list[ReadmeCommand]


_BLOCK = re.compile(
    r"(?:<!--\s*(?P<marker>[^\n]*?)\s*-->\s*\n)?```(?:bash|console|sh|shell)\n(?P<body>.*?)```", re.DOTALL
)


def readme_shell_blocks() -> list[ReadmeBlock]:
    """Every bash/console block of the README, in order, with its ``provgraph`` commands.

    A line may hold several commands joined by ``&&`` (``pip install . && provgraph quickstart``);
    only the ``provgraph`` ones are kept. A console block's ``$`` prompt is dropped.
    """
    blocks = []
    for match in _BLOCK.finditer(README.read_text()):
        commands = []
        for raw in match["body"].splitlines():
            line = raw.strip().removeprefix("$ ")
            comment = _comment(line)
            words = shlex.split(line, comments=True)
            segment: list[str] = []
            for word in [*words, "&&"]:
                if word not in {"&&", ";"}:
                    segment.append(word)
                    continue
                if segment and segment[0] == "provgraph":
                    commands.append(ReadmeCommand(line, segment[1:], comment))
                segment = []
        blocks.append(ReadmeBlock(match["marker"], commands))
    return blocks


def _comment(line: str) -> str:
    """The text after the first ``#`` that is outside quotes and starts a word, or ``""``."""
    for index, char in enumerate(line):
        if char == "#" and (index == 0 or line[index - 1].isspace()):
            try:
                shlex.split(line[:index])
            except ValueError:  # inside quotes
                continue
            return line[index + 1 :].strip()
    return ""
