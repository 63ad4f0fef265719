"""``provgraph status``: is everything in place to work with the profile? One line per item.

Like ``verdi status``, for what provgraph has (no daemon, no broker): the versions, the config
folder, the profile, its storage (does it open, is its schema the code's), the database server
and the processes that use the profile now. Each line starts with a marker: ``✔`` fine, ``⏺``
worth knowing, ``✘`` broken; in a pipe the markers are the words ``ok``, ``warning``, ``error``.
The exit code is 0 when nothing is broken, 3 when the storage cannot be reached, 1 for any other
failure (see ``provgraph --help``); a failure also ends, as for every command, with one
``Error: ...`` line on standard error naming the first broken item.
"""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.errors import CommandFailed, ExitCode, describe, exit_code_for, wants_traceback
from provgraph.cli.listing import (
    OutputStyle,
    emit_rows,
    format_option,
    plural,
    print_mapping,
    stdout_is_terminal,
)

if TYPE_CHECKING:
    from provgraph.config.profile import Profile
    from provgraph.storage.abstract import StorageBackend

__all__ = ["Item", "State", "status"]


class State(enum.Enum):
    """How an item is: its word (in pipes and json), its marker and colour (on a terminal)."""

    OK = ("ok", "\u2714", "green")
    WARNING = ("warning", "\u23fa", "yellow")
    ERROR = ("error", "\u2718", "red")

    @property
    def word(self) -> str:
        return self.value[0]


@dataclass
class Item:
    """One line of the status: what (``storage``), how it is, and what to say about it."""

    name: str
    state: State
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Report:
    """The items so far, printed as they come for a person, all at once for a program."""

    style: OutputStyle
    items: list[Item] = field(default_factory=list)
    exit_code: ExitCode = ExitCode.OK

    def add(self, item: Item, exit_code: ExitCode = ExitCode.OK) -> None:
        self.items.append(item)
        if exit_code is not ExitCode.OK and self.exit_code is ExitCode.OK:
            self.exit_code = exit_code
        if self.style.format == "table":
            click.echo(_line(item))

    def fail(self, name: str, error: BaseException) -> None:
        """``error`` as the item's one line; the exit code is the one the error would give."""
        code = exit_code_for(error)
        if code is ExitCode.INTERNAL and wants_traceback(click.get_current_context(silent=True)):
            raise error  # a bug: --traceback asked for the whole story
        message = describe(error)
        message = message[:1].upper() + message[1:]
        self.add(Item(name, State.ERROR, message), ExitCode.USER_ERROR if code is ExitCode.INTERNAL else code)

    def finish(self) -> None:
        if self.style.format == "tsv":
            emit_rows(
                ["item", "status", "message"],
                ((i.name, i.state.word, i.message) for i in self.items),
                self.style,
            )
        elif self.style.structured:
            record = {
                item.name: {"status": item.state.word, "message": item.message, **item.details}
                for item in self.items
            }
            print_mapping({**record, "exit_code": int(self.exit_code)}, self.style)


def _line(item: Item) -> str:
    word, marker, colour = item.state.value
    if stdout_is_terminal():
        return f"{click.style(marker, fg=colour)} {item.name + ':':<9} {item.message}"
    return f"{word:<8}{item.name + ':':<9} {item.message}"


@click.command("status")
@format_option
@pass_provgraph
def status(ctx: ProvgraphContext, style: OutputStyle) -> None:
    """Check the profile: config folder, profile, storage and its schema, database, who uses it.

    Exit code 0 when nothing is broken, 3 when the storage cannot be reached, 1 otherwise.

    \b
    Examples:
      provgraph status
      provgraph -p other status --format json
    """
    report = _Report(style)
    try:
        _check(ctx, report)
    finally:
        report.finish()
    failed = [item for item in report.items if item.state is State.ERROR]
    if failed:  # like every failing command: one line on standard error, the documented exit code
        raise CommandFailed(f"{failed[0].name}: {failed[0].message}", report.exit_code)


def _check(ctx: ProvgraphContext, report: _Report) -> None:
    import platform

    from provgraph.common.version import __version__
    from provgraph.config import Config
    from provgraph.config.paths import get_config_dir

    report.add(Item("version", State.OK, f"provgraph {__version__}", {"provgraph": __version__}))
    python = platform.python_version()
    report.add(Item("python", State.OK, f"Python {python} ({sys.executable})", {"version": python}))
    folder = get_config_dir()
    try:
        config = Config.load(create=True)
    except Exception as error:
        report.fail("config", error)
        return
    exists = config.filepath.is_file()
    report.add(
        Item(
            "config",
            State.OK if exists else State.WARNING,
            str(folder) if exists else f"{folder} (no config file yet)",
            {"folder": str(folder)},
        )
    )
    if ctx.profile_name is None and not config.profile_names:
        report.add(Item("profile", State.WARNING, "No profile yet: create one with `provgraph quickstart`."))
        return
    try:
        profile = ctx.load_profile()
    except Exception as error:
        report.fail("profile", error)
        return
    default = " (default)" if profile.name == config.default_profile_name else ""
    report.add(Item("profile", State.OK, f"{profile.name}{default}", {"name": profile.name}))
    _check_storage(profile, report)
    _check_access(profile, report)


def _check_storage(profile: Profile, report: _Report) -> None:
    from provgraph.storage import get_storage_class

    try:
        storage_cls = get_storage_class(profile.storage_backend)
        head = storage_cls.version_head()
        current = storage_cls.version_profile(profile)
    except Exception as error:
        report.fail("storage", error)
        return
    if current is not None and current != head:
        _report_schema_mismatch(profile, current, head, report)
        return
    try:
        storage = storage_cls(profile)  # opened directly: status leaves no access record behind
    except Exception as error:
        report.fail("storage", error)
        return
    try:
        if current is None:  # opens, but holds no schema: not initialised
            _report_schema_mismatch(profile, current, head, report)
        else:
            _report_open_storage(storage, profile, head, report)
    finally:
        storage.close()


def _report_schema_mismatch(profile: Profile, current: str | None, head: str, report: _Report) -> None:
    if current is None:
        message = "The storage has no schema: it was never initialised (or its database was replaced)."
    else:
        message = (
            f"The storage is at schema {current!r}, this provgraph at {head!r}: "
            f"run `provgraph -p {profile.name} storage migrate`."
        )
    report.add(Item("schema", State.ERROR, message, {"storage": current, "code": head}), ExitCode.USER_ERROR)


def _report_open_storage(storage: StorageBackend, profile: Profile, head: str, report: _Report) -> None:
    try:
        nodes = storage.get_entity_counts().get("Nodes", 0)
    except Exception as error:
        report.fail("storage", error)
        return
    described = str(storage).replace(" [open]", "")
    location = described.partition(" @ ")[2] or described
    report.add(
        Item(
            "storage",
            State.OK,
            f"{described} ({plural(nodes, 'node')})",
            {"backend": profile.storage_backend, "location": location, "nodes": nodes},
        )
    )
    report.add(Item("schema", State.OK, f"{head} (the latest)", {"storage": head, "code": head}))
    try:
        name, version = _database_version(storage)
    except Exception as error:
        report.fail("database", error)
        return
    if name:
        report.add(Item("database", State.OK, f"{name} {version}", {"server": name, "version": version}))


def _database_version(storage: StorageBackend) -> tuple[str, str]:
    """The database engine's name and version (``("SQLite", "3.45.1")``); ``("", "")`` if none."""
    described = storage.database_version()
    if not described:
        return "", ""
    name, _, version = described.partition(" ")
    return name, version


def _check_access(profile: Profile, report: _Report) -> None:
    from provgraph.access import ProfileAccessManager

    try:
        access = ProfileAccessManager(profile)
        users, lockers = access.get_active_pids(), access.get_locking_pids()
    except Exception as error:
        report.fail("access", error)
        return
    details = {"pids": users, "locked_by": lockers}
    if lockers:
        message = f"Locked by {_pids(lockers)} for exclusive work (e.g. full maintenance)"
        report.add(
            Item("access", State.WARNING, message + (f"; used by {_pids(users)}" if users else ""), details)
        )
    elif users:
        report.add(Item("access", State.OK, f"Used now by {_pids(users)}", details))
    else:
        report.add(Item("access", State.OK, "No other process uses the profile now", details))


def _pids(pids: list[int]) -> str:
    return ("PID " if len(pids) == 1 else "PIDs ") + ", ".join(str(pid) for pid in pids)
