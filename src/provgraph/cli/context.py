"""What every command shares: the selected profile, lazily loaded subcommands, one-line errors."""

from __future__ import annotations

import difflib
import gc
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.errors import CommandFailed, ExitCode, describe, exit_code_for, one_line, wants_traceback

if TYPE_CHECKING:
    from provgraph.config.profile import Profile
    from provgraph.storage.abstract import StorageBackend

__all__ = ["ProvgraphContext", "ProvgraphGroup", "pass_provgraph"]


class ProvgraphGroup(click.Group):
    """A command group whose failures end in one ``Error: ...`` line and a documented exit code.

    User errors are expected outcomes, not bugs, so they get one line and no traceback
    (:mod:`provgraph.cli.errors` has the exit codes). Subcommands may be given as
    ``lazy_commands={"name": "module:attribute"}``: their module is imported only when the command
    runs or when ``--help`` lists it, so ``provgraph node list`` never imports the archive code.

    >>> @click.group(cls=ProvgraphGroup, lazy_commands={"show": "provgraph.cli.node:show"})
    ... def tool() -> None: ...
    >>> tool.list_commands(click.Context(tool))
    ['show']
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            module_name, _, attribute = self.lazy_commands[cmd_name].partition(":")
            command = getattr(import_module(module_name), attribute)
            assert isinstance(command, click.Command), self.lazy_commands[cmd_name]
            self.add_command(command, cmd_name)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = click.utils.make_str(args[0]) if args else ""
        if args and self.get_command(ctx, name) is None and not name.startswith("-"):
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=3)
            hint = f" Did you mean {' or '.join(repr(match) for match in close)}?" if close else ""
            ctx.fail(f"No such command {name!r}.{hint}")
        return super().resolve_command(ctx, args)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run as a program: every failure, usage errors included, is one ``Error: ...`` line.

        click would print a usage block before a usage error; one line that says where the help is
        reads better in a terminal and in a log. Only the root group's ``main`` runs.
        """
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            outcome = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as error:
            where = f" (see '{error.ctx.command_path} --help')" if error.ctx is not None else ""
            click.echo(f"Error: {one_line(error.format_message())}{where}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort as error:
            interrupted = isinstance(error.__cause__, KeyboardInterrupt)  # click's own, while parsing
            click.echo("Error: Interrupted." if interrupted else "Aborted.", err=True)
            sys.exit(int(ExitCode.INTERRUPTED) if interrupted else 1)
        sys.exit(outcome if isinstance(outcome, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (Exception, KeyboardInterrupt) as error:
            if wants_traceback(ctx):
                raise
            if isinstance(error, KeyboardInterrupt):
                click.echo(err=True)  # end the line the terminal's ^C was printed on
            raise CommandFailed(describe(error), exit_code_for(error)) from error


@dataclass
class ProvgraphContext:
    """Global options, resolved lazily so that `--help` never touches the config."""

    profile_name: str | None = None
    owns_process: bool = False  # run by the console script (cli/entry.py), not by another program

    def load_profile(self) -> Profile:
        """Load the profile chosen with ``-p`` (or the default one) into the process manager."""
        from provgraph.manager import get_manager

        return get_manager().load_profile(self.profile_name)

    def get_storage(self) -> StorageBackend:
        """Open the storage of the selected profile.

        The library is imported by now (storage, SQLAlchemy, ORM: a few hundred thousand objects
        that live as long as the process). In the ``provgraph`` process itself (``owns_process``)
        ``gc.freeze`` moves them out of the cyclic collector's sight, so that the collections a
        long listing sets off no longer traverse them all: a full ``node list`` of a million
        nodes runs about a quarter faster. Not when the commands run inside another program
        (tests, ``CliRunner``), whose garbage a freeze would keep for good.
        """
        from provgraph.manager import get_manager

        self.load_profile()
        storage = get_manager().get_profile_storage()
        if self.owns_process:
            gc.freeze()
        return storage

    @contextmanager
    def read_only_storage(self) -> Iterator[StorageBackend]:
        """The selected profile's storage opened read-only (the database refuses every write).

        Opt-in, for commands that must change nothing (``provgraph explore``): it is a storage of
        its own, not the manager's shared one, closed when the block ends. The process is
        recorded as using the profile meanwhile, as :meth:`get_storage` does, so that a full
        maintenance (which moves the objects it reads) waits for it.
        """
        from provgraph.access import ProfileAccessManager
        from provgraph.manager import get_manager
        from provgraph.storage import get_storage_class

        profile = self.load_profile()
        access = ProfileAccessManager(profile, get_manager().get_config().dirpath)
        access.request_access()
        try:
            storage = get_storage_class(profile.storage_backend).open_read_only(profile)
            if self.owns_process:
                gc.freeze()  # see get_storage
            try:
                yield storage
            finally:
                storage.close()
        finally:
            access.release_access()


pass_provgraph = click.make_pass_decorator(ProvgraphContext, ensure=True)
