"""``InstalledCode``: an executable already installed on a computer (``data.core.code.installed.``).

The node stores the executable's path on that computer (attribute ``filepath_executable``) and
the computer itself (the node's computer column), as AiiDA does.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.core.code.abstract import KEY_FILEPATH_EXECUTABLE, AbstractCode

if TYPE_CHECKING:
    from provgraph.orm.computers import Computer

__all__ = ["InstalledCode"]


class InstalledCode(AbstractCode, node_type="data.core.code.installed.InstalledCode."):
    """An executable on a computer: ``InstalledCode(computer, "/usr/bin/pw.x", label="pw")``."""

    def __init__(self, computer: Computer | str, filepath_executable: str | PurePath, **kwargs: Any) -> None:
        """``computer`` is a stored Computer or its label."""
        if isinstance(computer, str):
            from provgraph.orm.computers import load_computer

            computer = load_computer(label=computer, backend=kwargs.get("backend"))
        if computer is None:
            raise TypeError("InstalledCode needs the computer the executable is installed on, got None")
        super().__init__(computer=computer, **kwargs)
        self.filepath_executable = filepath_executable

    def _checked_executable(self, path: str) -> str:
        if not path:
            raise ValueError("a code's filepath_executable may not be empty")
        return path

    def can_run_on_computer(self, computer: Computer) -> bool:
        """Only on the computer it is installed on."""
        return computer.pk is not None and computer.pk == self._column("dbcomputer_id")

    @property
    def full_label(self) -> str:
        """``label@computer``, as AiiDA names installed codes."""
        computer = self.computer
        return f"{self.label}@{computer.label if computer is not None else '?'}"

    def _validate(self) -> None:
        super()._validate()
        if self._column("dbcomputer_id") is None:
            raise InputValidationError(f"InstalledCode {self.label!r} has no computer; set code.computer")
        if KEY_FILEPATH_EXECUTABLE not in self.base.attributes:
            raise InputValidationError(f"InstalledCode {self.label!r} has no filepath_executable")
