"""``PortableCode``: an executable shipped with its files (``data.core.code.portable.PortableCode.``).

The files live in the node's repository and are copied into each job's working directory;
``filepath_executable`` is the executable's path relative to them, as in AiiDA.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath, PurePosixPath
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.core.code.abstract import AbstractCode, check_type

if TYPE_CHECKING:
    from provgraph.orm.computers import Computer

__all__ = ["PortableCode"]

KEY_FILEPATH_EXECUTABLE = "filepath_executable"


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
            folder = Path(filepath_files)
            if not folder.is_dir():
                raise NotADirectoryError(
                    f"filepath_files must be a local directory, {str(folder)!r} is not one"
                )
            self.base.repository.put_object_from_tree(folder)

    @property
    def filepath_executable(self) -> PurePosixPath:
        """The executable's path relative to the code's files."""
        return PurePosixPath(str(self.base.attributes.get(KEY_FILEPATH_EXECUTABLE)))

    @filepath_executable.setter
    def filepath_executable(self, value: str | PurePath) -> None:
        check_type("filepath_executable", value, (str, PurePath))
        path = PurePosixPath(value.as_posix() if isinstance(value, PurePath) else value)
        if path.is_absolute() or not str(value):
            raise ValueError(
                f"a PortableCode's filepath_executable must be relative to its files, got {value!r}"
            )
        self.base.attributes.set(KEY_FILEPATH_EXECUTABLE, str(path))

    def can_run_on_computer(self, computer: Computer) -> bool:
        """Anywhere: the files travel with the job."""
        return True

    def get_executable(self) -> PurePosixPath:
        return self.filepath_executable

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
