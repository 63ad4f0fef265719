"""How a failed command ends: one ``Error: ...`` line on standard error and a documented exit code.

A person at a terminal and a script reading ``$?`` both need to know what went wrong without a
traceback: a traceback is for bugs, and even then only on request (``--traceback`` or
``PROVGRAPH_TRACEBACK=1``), so that a bug report can carry it.

========  ==============================================================================
code      meaning
========  ==============================================================================
0         success
1         user error: unknown profile, node or group, invalid value, refused operation
2         usage error: unknown command or option, missing argument (click's own code)
3         storage unreachable: the database server or file cannot be opened or answers no
4         file system error: permission denied, missing file, disk full
70        internal error: a bug in provgraph (rerun with --traceback and report it)
130       interrupted (Ctrl-C)
========  ==============================================================================

>>> exit_code_for(PermissionError(13, "Permission denied", "/data/x"))
<ExitCode.FILE_SYSTEM: 4>
"""

from __future__ import annotations

import enum
import os

import click

from provgraph.exceptions import ProvgraphError, UnreachableStorage

__all__ = [
    "TRACEBACK_ENV",
    "CommandFailed",
    "ExitCode",
    "describe",
    "exit_code_for",
    "one_line",
    "wants_traceback",
]

TRACEBACK_ENV = "PROVGRAPH_TRACEBACK"


class ExitCode(enum.IntEnum):
    """The exit codes of every ``provgraph`` command (the table in this module's docstring)."""

    OK = 0
    USER_ERROR = 1
    USAGE = 2
    STORAGE_UNREACHABLE = 3
    FILE_SYSTEM = 4
    INTERNAL = 70
    INTERRUPTED = 130


class CommandFailed(click.ClickException):
    """A failure already turned into its one line and exit code (click prints ``Error: ...``)."""

    def __init__(self, message: str, exit_code: ExitCode) -> None:
        super().__init__(message)
        # click declares exit_code a class variable, but reads it from the instance it catches
        self.exit_code = int(exit_code)  # type: ignore[misc]


#: Database driver errors that mean "cannot reach or open the database", by class name, matched on
#: the exception's module so that this module imports neither SQLAlchemy nor a driver.
_UNREACHABLE_NAMES = frozenset({"OperationalError", "InterfaceError", "ConnectionTimeout", "ConnectionError"})
_DRIVER_MODULES = ("sqlalchemy", "psycopg", "sqlite3")


def _is_unreachable_database(error: BaseException) -> bool:
    module = type(error).__module__ or ""
    return type(error).__name__ in _UNREACHABLE_NAMES and module.startswith(_DRIVER_MODULES)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code a command ends with when ``error`` escapes it."""
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, UnreachableStorage) or _is_unreachable_database(error):
        return ExitCode.STORAGE_UNREACHABLE
    if isinstance(error, ProvgraphError):
        return ExitCode.USER_ERROR
    if isinstance(error, OSError):
        return ExitCode.FILE_SYSTEM
    return ExitCode.INTERNAL


def describe(error: BaseException) -> str:
    """The one line to print for ``error`` (without the ``Error:`` click adds)."""
    code = exit_code_for(error)
    if code is ExitCode.INTERRUPTED:
        return "Interrupted."
    if code is ExitCode.FILE_SYSTEM and isinstance(error, OSError) and error.strerror:
        where = error.filename if error.filename is not None else ""
        return one_line(f"{error.strerror}: {where}" if where else error.strerror)
    if code is ExitCode.STORAGE_UNREACHABLE and not isinstance(error, ProvgraphError):
        detail = one_line(str(getattr(error, "orig", None) or error))
        return f"The storage cannot be reached: {detail}"
    if code is ExitCode.INTERNAL:
        return (
            f"Internal error ({type(error).__name__}: {one_line(str(error))}). This is a bug in provgraph: "
            f"rerun with --traceback (or {TRACEBACK_ENV}=1) and report what it prints."
        )
    return one_line(str(error)) or type(error).__name__


def one_line(message: str) -> str:
    """``message`` with every run of whitespace, newlines included, as one space."""
    return " ".join(message.split())


def wants_traceback(ctx: click.Context | None) -> bool:
    """Whether the user asked for full tracebacks (``--traceback`` or ``PROVGRAPH_TRACEBACK=1``)."""
    if os.environ.get(TRACEBACK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        return True
    root = ctx.find_root() if ctx is not None else None
    return bool(root is not None and root.params.get("traceback"))
