"""``AbstractCode``: what every code has, whatever the kind of executable.

The attribute keys are AiiDA's (``input_plugin``, ``append_text``, ``prepend_text``,
``use_double_quotes``, ``with_mpi``, ``wrap_cmdline_params``; the extra ``hidden``), so codes
round-trip through archives and AiiDA's ``verdi code`` reads ours.

AiiDA gives this class the node_type ``data.core.code.abstract.AbstractCode.`` while its
subclasses live beside it (``data.core.code.installed.``), not below it. The class is therefore
not registered (no row has its type) and its collection matches every ``data.core.code.`` row,
which is what AiiDA's QueryBuilder does for it too.
"""

from __future__ import annotations

import abc
from pathlib import PurePath, PurePosixPath
from typing import TYPE_CHECKING, Any, ClassVar

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.data import Data

if TYPE_CHECKING:
    from provgraph.orm.computers import Computer

__all__ = ["AbstractCode"]

KEY_DEFAULT_CALC_JOB_PLUGIN = "input_plugin"  # AiiDA keeps the 1.x name in the database
KEY_APPEND_TEXT = "append_text"
KEY_PREPEND_TEXT = "prepend_text"
KEY_USE_DOUBLE_QUOTES = "use_double_quotes"
KEY_WITH_MPI = "with_mpi"
KEY_WRAP_CMDLINE_PARAMS = "wrap_cmdline_params"
KEY_EXTRA_IS_HIDDEN = "hidden"


KEY_FILEPATH_EXECUTABLE = "filepath_executable"


def check_type(name: str, value: Any, expected: type | tuple[type, ...], allow_none: bool = False) -> None:
    """``TypeError`` naming the setting unless ``value`` is of the ``expected`` type."""
    if value is None and allow_none:
        return
    if not isinstance(value, expected):
        names = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
        suffix = " or None" if allow_none else ""
        raise TypeError(f"a code's {name} must be {names}{suffix}, got {type(value).__name__} {value!r}")


def check_label(label: str) -> None:
    """Code labels may not contain ``@``: ``label@computer`` is how AiiDA names installed codes."""
    if "@" in label:
        raise ValueError(f"invalid code label {label!r}: it may not contain '@' (used in 'label@computer')")


class AbstractCode(Data, abc.ABC):
    """An executable that calculations run; use InstalledCode or PortableCode."""

    _query_prefix: ClassVar[str] = "data.core.code."

    def __init__(
        self,
        *,
        default_calc_job_plugin: str | None = None,
        append_text: str = "",
        prepend_text: str = "",
        use_double_quotes: bool = False,
        with_mpi: bool | None = None,
        is_hidden: bool = False,
        wrap_cmdline_params: bool = False,
        **kwargs: Any,
    ) -> None:
        """``default_calc_job_plugin`` names the CalcJob plugin the code is for (also ``input_plugin=``)."""
        legacy = kwargs.pop(KEY_DEFAULT_CALC_JOB_PLUGIN, None)
        if legacy is not None:
            if default_calc_job_plugin is not None:
                raise ValueError("give default_calc_job_plugin or its old name input_plugin, not both")
            default_calc_job_plugin = legacy
        super().__init__(**kwargs)
        check_label(self.label)
        self.default_calc_job_plugin = default_calc_job_plugin
        self.append_text = append_text
        self.prepend_text = prepend_text
        self.use_double_quotes = use_double_quotes
        self.with_mpi = with_mpi
        self.wrap_cmdline_params = wrap_cmdline_params
        self.is_hidden = is_hidden

    # -- what a kind of code must say ----------------------------------------------------------

    @abc.abstractmethod
    def can_run_on_computer(self, computer: Computer) -> bool:
        """Whether the code can run on ``computer``."""

    @abc.abstractmethod
    def _checked_executable(self, path: str) -> str:
        """``path`` as ``filepath_executable`` keeps it; ``ValueError`` if this kind of code
        cannot run it (an installed code needs a path on its computer, a portable one a path
        inside its files)."""

    @property
    def filepath_executable(self) -> PurePosixPath:
        """The path of the executable (see ``_checked_executable`` for where it lives)."""
        return PurePosixPath(str(self.base.attributes.get(KEY_FILEPATH_EXECUTABLE)))

    @filepath_executable.setter
    def filepath_executable(self, value: str | PurePath) -> None:
        check_type("filepath_executable", value, (str, PurePath))
        path = value.as_posix() if isinstance(value, PurePath) else value
        self.base.attributes.set(KEY_FILEPATH_EXECUTABLE, self._checked_executable(path))

    def get_executable(self) -> PurePosixPath:
        """The executable that a job script runs."""
        return self.filepath_executable

    @property
    @abc.abstractmethod
    def full_label(self) -> str:
        """The label that names the code uniquely enough for a user (``label@computer``)."""

    def get_executable_cmdline_params(self, cmdline_params: list[str] | None = None) -> list[str]:
        """The executable followed by ``cmdline_params``."""
        return [str(self.get_executable()), *(cmdline_params or [])]

    def get_prepend_cmdline_params(
        self, mpi_args: list[str] | None = None, extra_mpirun_params: list[str] | None = None
    ) -> list[str]:
        """What comes before the executable on the run line (the MPI launcher and its options)."""
        return [*(mpi_args or []), *(extra_mpirun_params or [])]

    # -- label ---------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        return str(self._column("label"))

    @label.setter
    def label(self, value: str) -> None:
        check_type("label", value, str)
        check_label(value)
        Data.label.fset(self, value)  # type: ignore[attr-defined]

    # -- settings (attributes, fixed once stored) ----------------------------------------------

    @property
    def default_calc_job_plugin(self) -> str | None:
        return self.base.attributes.get(KEY_DEFAULT_CALC_JOB_PLUGIN, None)  # type: ignore[no-any-return]

    @default_calc_job_plugin.setter
    def default_calc_job_plugin(self, value: str | None) -> None:
        check_type("default_calc_job_plugin", value, str, allow_none=True)
        self.base.attributes.set(KEY_DEFAULT_CALC_JOB_PLUGIN, value)

    @property
    def append_text(self) -> str:
        return str(self.base.attributes.get(KEY_APPEND_TEXT, ""))

    @append_text.setter
    def append_text(self, value: str) -> None:
        check_type("append_text", value, str)
        self.base.attributes.set(KEY_APPEND_TEXT, value)

    @property
    def prepend_text(self) -> str:
        return str(self.base.attributes.get(KEY_PREPEND_TEXT, ""))

    @prepend_text.setter
    def prepend_text(self, value: str) -> None:
        check_type("prepend_text", value, str)
        self.base.attributes.set(KEY_PREPEND_TEXT, value)

    @property
    def use_double_quotes(self) -> bool:
        return bool(self.base.attributes.get(KEY_USE_DOUBLE_QUOTES, False))

    @use_double_quotes.setter
    def use_double_quotes(self, value: bool) -> None:
        check_type("use_double_quotes", value, bool)
        self.base.attributes.set(KEY_USE_DOUBLE_QUOTES, value)

    @property
    def with_mpi(self) -> bool | None:
        """Whether to run under MPI; None leaves it to the calculation."""
        return self.base.attributes.get(KEY_WITH_MPI, None)  # type: ignore[no-any-return]

    @with_mpi.setter
    def with_mpi(self, value: bool | None) -> None:
        check_type("with_mpi", value, bool, allow_none=True)
        self.base.attributes.set(KEY_WITH_MPI, value)

    @property
    def wrap_cmdline_params(self) -> bool:
        """Whether the command line parameters are passed as one quoted argument (for containers)."""
        return bool(self.base.attributes.get(KEY_WRAP_CMDLINE_PARAMS, False))

    @wrap_cmdline_params.setter
    def wrap_cmdline_params(self, value: bool) -> None:
        check_type("wrap_cmdline_params", value, bool)
        self.base.attributes.set(KEY_WRAP_CMDLINE_PARAMS, value)

    # -- hidden (an extra, so it can change after storing) -------------------------------------

    @property
    def is_hidden(self) -> bool:
        return bool(self.base.extras.get(KEY_EXTRA_IS_HIDDEN, False))

    @is_hidden.setter
    def is_hidden(self, value: bool) -> None:
        check_type("is_hidden", value, bool)
        self.base.extras.set(KEY_EXTRA_IS_HIDDEN, value)

    def _validate(self) -> None:
        super()._validate()
        if "@" in self.label:
            raise InputValidationError(f"code label {self.label!r} contains '@'; choose a label without it")
