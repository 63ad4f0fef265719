"""``PortableCode``: an executable shipped with its files (``data.core.code.portable.PortableCode.``).

The files live in the node's repository and are copied into each job's working directory;
``filepath_executable`` is the executable's path relative to them, as in AiiDA.
"""

from __future__ import annotations

import os
from pathlib import PurePath, PurePosixPath
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.core.code.abstract import KEY_FILEPATH_EXECUTABLE, AbstractCode
from provgraph.orm.nodes.data.core.folder import put_local_directory

if TYPE_CHECKING:
    from provgraph.orm.computers import Computer

__all__ = ["PortableCode"]


class PortableCode(AbstractCode, node_type="data.core.code.portable.PortableCode."):
    """``PortableCode("bin/run.sh", "/path/to/code_dir", label="mycode")``."""

    def __init__(
        self,
        filepath_executable: str | PurePath,
        filepath_files: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """``filepath_files`` is a local directory whose contents become the code's files.

        Without it, add the files through ``code.base.repository`` before storing.
        """
        super().__init__(**kwargs)
        self.filepath_executable = filepath_executable
        if filepath_files is not None:
            put_local_directory(self, filepath_files, "filepath_files")

    def _checked_executable(self, path: str) -> str:
        relative = PurePosixPath(path)
        if relative.is_absolute() or not path:
            raise ValueError(
                f"a PortableCode's filepath_executable must be relative to its files, got {path!r}"
            )
        return str(relative)

    def can_run_on_computer(self, computer: Computer) -> bool:
        """Anywhere: the files travel with the job."""
        return True

    def get_executable_cmdline_params(self, cmdline_params: list[str] | None = None) -> list[str]:
        """As AiiDA: a top-level executable is run as ``./name``, since ``.`` is not on the PATH."""
        executable = self.get_executable()
        command = f"./{executable}" if str(executable.parent) == "." else str(executable)
        return [command, *(cmdline_params or [])]

    @property
    def full_label(self) -> str:
        return self.label

    def _validate(self) -> None:
        """The executable must be one of the code's files."""
        super()._validate()
        if KEY_FILEPATH_EXECUTABLE not in self.base.attributes:
            raise InputValidationError(f"PortableCode {self.label!r} has no filepath_executable")
        executable = self.filepath_executable
        try:
            is_file = self.base.repository.get_object(executable).is_file()
        except (FileNotFoundError, NotADirectoryError):
            is_file = False
        if not is_file:
            raise InputValidationError(
                f"PortableCode {self.label!r}: the executable {str(executable)!r} is not among its files "
                f"{[str(path) for path in self.base.repository.glob()]}; add it before storing"
            )
