"""Assertions shared by the CLI tests (imported as ``tests.cli_assertions``)."""

from __future__ import annotations

from click.testing import Result

__all__ = ["assert_one_line_error"]


def assert_one_line_error(result: Result, *fragments: str, code: int = 1) -> None:
    """The command failed with exit ``code`` and printed one ``Error:`` line holding ``fragments``.

    A usage error (exit code 2) may come after click's ``Usage:`` and ``Try`` lines; nothing else
    may be printed, and never a traceback.
    """
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    if code == 2:
        lines = [line for line in lines if not line.startswith(("Usage:", "Try "))]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], result.output
