"""``ContainerizedCode``: an executable inside a container image (``data.core.code.containerized.``).

provgraph runs no jobs, so it never starts the container: it keeps what AiiDA keeps (the image,
the engine command that runs it, the executable's path inside the image, the computer) so that
such codes load, query and serialise as what they are.

AiiDA derives it from ``InstalledCode``, whose node_type it does not extend; provgraph requires a
subclass's node_type to extend its parent's, so it derives from ``AbstractCode`` and takes its
computer the way ``InstalledCode`` does.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.core.code.abstract import KEY_FILEPATH_EXECUTABLE, AbstractCode

if TYPE_CHECKING:
    from provgraph.orm.computers import Computer

__all__ = ["ContainerizedCode"]

KEY_ENGINE_COMMAND = "engine_command"
KEY_IMAGE_NAME = "image_name"


class ContainerizedCode(AbstractCode, node_type="data.core.code.containerized.ContainerizedCode."):
    """``ContainerizedCode(computer, "/bin/sh", image_name=..., engine_command="docker run {image_name}")``"""

    def __init__(
        self,
        computer: Computer | str,
        filepath_executable: str | PurePath,
        *,
        image_name: str,
        engine_command: str,
        **kwargs: Any,
    ) -> None:
        if isinstance(computer, str):
            from provgraph.orm.computers import load_computer

            computer = load_computer(label=computer, backend=kwargs.get("backend"))
        if computer is None:
            raise TypeError("ContainerizedCode needs the computer that runs the container, got None")
        super().__init__(computer=computer, **kwargs)
        self.filepath_executable = filepath_executable
        self.image_name = image_name
        self.engine_command = engine_command

    def _checked_executable(self, path: str) -> str:
        """Inside the image, the path need not be absolute on the computer."""
        if not path:
            raise ValueError("a code's filepath_executable may not be empty")
        return path

    @property
    def image_name(self) -> str:
        return str(self.base.attributes.get(KEY_IMAGE_NAME))

    @image_name.setter
    def image_name(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise TypeError(f"image_name must be a non-empty str, got {value!r}")
        self.base.attributes.set(KEY_IMAGE_NAME, value)

    @property
    def engine_command(self) -> str:
        """The command that runs the image; it must contain ``{image_name}``."""
        return str(self.base.attributes.get(KEY_ENGINE_COMMAND))

    @engine_command.setter
    def engine_command(self, value: str) -> None:
        if not isinstance(value, str) or "{image_name}" not in value:
            raise ValueError(f"engine_command must be a str containing '{{image_name}}', got {value!r}")
        self.base.attributes.set(KEY_ENGINE_COMMAND, value)

    def can_run_on_computer(self, computer: Computer) -> bool:
        """Only on the computer it was set up on."""
        return computer.pk is not None and computer.pk == self._column("dbcomputer_id")

    @property
    def full_label(self) -> str:
        computer = self.computer
        return f"{self.label}@{computer.label if computer is not None else '?'}"

    def _validate(self) -> None:
        super()._validate()
        if self._column("dbcomputer_id") is None:
            raise InputValidationError(f"ContainerizedCode {self.label!r} has no computer; set code.computer")
        if KEY_FILEPATH_EXECUTABLE not in self.base.attributes:
            raise InputValidationError(f"ContainerizedCode {self.label!r} has no filepath_executable")
