"""aiida-core's ``ComputerBuilder``: a computer from the flat specification ``verdi computer setup`` asks for.

Example::

    builder = ComputerBuilder(label="cluster", hostname="cluster.example", scheduler="core.slurm",
                              transport="core.ssh", work_dir="/scratch/{username}/")
    computer = builder.new().store()
"""

from __future__ import annotations

from typing import Any

from provgraph.exceptions import ValidationError
from provgraph.orm.computers import Computer

__all__ = ["ComputerBuilder"]

# The specification's keys; every one must be given before ``new()``.
_FIELDS = (
    "label",
    "description",
    "hostname",
    "scheduler",
    "transport",
    "use_double_quotes",
    "prepend_text",
    "append_text",
    "work_dir",
    "shebang",
    "mpirun_command",
    "mpiprocs_per_machine",
    "default_memory_per_machine",
)


class ComputerBuilder:
    """Collects a computer's specification as attributes or keywords, then builds it with :meth:`new`."""

    class ComputerValidationError(ValidationError):
        """The specification is incomplete or contradicts itself."""

    def __init__(self, **kwargs: Any) -> None:
        object.__setattr__(self, "_spec", {})
        for key, value in kwargs.items():
            setattr(self, key, value)

    @staticmethod
    def get_computer_spec(computer: Computer) -> dict[str, Any]:
        """The specification that builds a copy of ``computer``."""
        return {
            "label": computer.label,
            "description": computer.description,
            "hostname": computer.hostname,
            "scheduler": computer.scheduler_type,
            "transport": computer.transport_type,
            "use_double_quotes": bool(computer.get_property("use_double_quotes", False)),
            "prepend_text": computer.get_prepend_text(),
            "append_text": computer.get_append_text(),
            "work_dir": computer.get_workdir(),
            "shebang": computer.get_shebang(),
            "mpirun_command": " ".join(computer.get_mpirun_command()),
            "mpiprocs_per_machine": computer.get_default_mpiprocs_per_machine(),
            "default_memory_per_machine": computer.get_default_memory_per_machine(),
        }

    @classmethod
    def from_computer(cls, computer: Computer) -> ComputerBuilder:
        return cls(**cls.get_computer_spec(computer))

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in _FIELDS:
            raise AttributeError(f"{key!r} is not a computer specification key; known: {', '.join(_FIELDS)}")
        self._spec[key] = value

    def __getattr__(self, key: str) -> Any:
        if key in _FIELDS:
            try:
                return self._spec[key]
            except KeyError:
                raise self.ComputerValidationError(f"the computer specification has no {key!r} yet") from None
        raise AttributeError(key)

    def validate(self, raise_error: bool = True) -> bool:
        """Whether every key is given (``ComputerValidationError`` naming the missing ones, if asked)."""
        missing = [key for key in _FIELDS if key not in self._spec]
        if missing and raise_error:
            raise self.ComputerValidationError(f"give the computer's {', '.join(missing)}")
        return not missing

    def new(self) -> Computer:
        """An unstored computer of the specification."""
        self.validate()
        spec = self._spec
        computer = Computer(
            label=spec["label"],
            hostname=spec["hostname"],
            description=spec["description"] or "",
            scheduler_type=spec["scheduler"],
            transport_type=spec["transport"],
        )
        computer.set_property("use_double_quotes", bool(spec["use_double_quotes"]))
        computer.set_prepend_text(spec["prepend_text"] or "")
        computer.set_append_text(spec["append_text"] or "")
        computer.set_workdir(spec["work_dir"])
        computer.set_shebang(spec["shebang"])
        mpiprocs = spec["mpiprocs_per_machine"]
        if mpiprocs is not None and int(mpiprocs) > 0:
            computer.set_default_mpiprocs_per_machine(int(mpiprocs))
        memory = spec["default_memory_per_machine"]
        if memory is not None and int(memory) > 0:
            computer.set_default_memory_per_machine(int(memory))
        mpirun_command = str(spec["mpirun_command"] or "").strip()
        computer.set_mpirun_command(mpirun_command.split() if mpirun_command else [])
        return computer
