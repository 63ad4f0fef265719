"""Odds and ends with aiida-core's names (``aiida.common.utils``).

Example::

    from provgraph.common.utils import Capturing
    with Capturing() as lines:
        print("hello")
    lines == ["hello"]
"""

from __future__ import annotations

import io
import sys
from types import TracebackType
from typing import Any

__all__ = ["Capturing"]


class Capturing(list[str]):
    """Collect what is printed to standard output (and optionally error) in the block, line by line."""

    def __init__(self, capture_stderr: bool = False) -> None:
        super().__init__()
        self._capture_stderr = capture_stderr
        self._stdout: Any = None
        self._stderr: Any = None
        self._out = io.StringIO()
        self._err = io.StringIO()
        self.stderr_lines: list[str] = []

    def __enter__(self) -> Capturing:
        self._stdout, sys.stdout = sys.stdout, self._out
        if self._capture_stderr:
            self._stderr, sys.stderr = sys.stderr, self._err
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        sys.stdout = self._stdout
        self.extend(self._out.getvalue().splitlines())
        if self._capture_stderr:
            sys.stderr = self._stderr
            self.stderr_lines.extend(self._err.getvalue().splitlines())
