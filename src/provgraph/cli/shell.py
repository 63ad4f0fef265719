"""``provgraph shell``: a Python shell with the profile open and provgraph's names at hand.

IPython when it is installed (or bpython, with ``-i bpython``), else Python's own interactive
console; ``--plain`` asks for the latter, and so does input piped in (``echo ... | provgraph
shell``), which the plain console reads line by line like a script. Like ``verdi shell``, the
plain console honours ``$PYTHONSTARTUP`` and ``~/.pythonrc.py`` (unless ``--no-startup``) and
completes names with Tab when ``readline`` is there.
"""

from __future__ import annotations

import code
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.prompts import stdin_is_tty

__all__ = ["INTERFACES", "shell", "start_namespace"]

#: What the shell's namespace holds besides ``provgraph`` and ``orm``: names of ``provgraph.orm``.
ORM_NAMES = (
    "ArrayData",
    "Bool",
    "CalcFunctionNode",
    "CalcJobNode",
    "CalculationNode",
    "Comment",
    "Computer",
    "Data",
    "Dict",
    "Float",
    "FolderData",
    "Group",
    "Int",
    "LinkType",
    "List",
    "Log",
    "Node",
    "ProcessNode",
    "QueryBuilder",
    "SinglefileData",
    "Str",
    "StructureData",
    "User",
    "WorkChainNode",
    "WorkflowNode",
    "WorkFunctionNode",
    "load_code",
    "load_computer",
    "load_group",
    "load_node",
)
#: Names of the ``provgraph`` package itself.
PACKAGE_NAMES = ("calcfunction", "workfunction", "load_profile", "get_manager")

INTERFACES = ("ipython", "bpython")


def start_namespace() -> dict[str, Any]:
    """The shell's variables: ``provgraph``, ``orm`` and the everyday names (``load_node``, ``Int``...)."""
    import provgraph
    from provgraph import orm

    namespace: dict[str, Any] = {"provgraph": provgraph, "orm": orm}
    namespace.update({name: getattr(orm, name) for name in ORM_NAMES if hasattr(orm, name)})
    namespace.update({name: getattr(provgraph, name) for name in PACKAGE_NAMES})
    return namespace


@click.command("shell")
@click.option(
    "--plain", is_flag=True, help="Use Python's own interactive console even if IPython is installed."
)
@click.option(
    "--no-startup",
    is_flag=True,
    help="In the plain console, do not run $PYTHONSTARTUP and ~/.pythonrc.py.",
)
@click.option(
    "-i",
    "--interface",
    type=click.Choice(INTERFACES),
    help="The interactive shell to use (default: IPython if installed, else the plain console).",
)
@pass_provgraph
def shell(ctx: ProvgraphContext, plain: bool, no_startup: bool, interface: str | None) -> None:
    """Start a Python shell with the profile open and provgraph's names loaded.

    Loaded: provgraph, orm, QueryBuilder, load_node, load_group, Node, Data, Group, User,
    Computer, Int, Float, Str, Bool, List, Dict, ArrayData, SinglefileData, StructureData,
    the process node classes, calcfunction, workfunction.

    \b
    Examples:
      provgraph shell
      provgraph -p other shell --plain
      echo 'print(QueryBuilder().append(Node).count())' | provgraph shell
    """
    storage = ctx.get_storage()  # open it now: a broken profile fails here with one line
    namespace = start_namespace()
    if not interface and not stdin_is_tty():
        plain = True  # commands piped in: the plain console reads them as a script would
    if not plain:
        starters = [_STARTERS[interface]] if interface else [_STARTERS[name] for name in INTERFACES]
        for start in starters:
            try:
                start(namespace)
                return
            except ImportError:
                if interface:
                    click.echo(f"{interface} is not installed; starting the plain Python console.", err=True)
    _plain(namespace, no_startup, banner=_banner(storage.profile.name, namespace))


def _ipython(namespace: dict[str, Any]) -> None:
    # Optional packages, not dependencies: imported by name (ImportError when absent).
    ipython: Any = importlib.import_module("IPython")
    ipython.start_ipython(argv=[], user_ns=namespace)


def _bpython(namespace: dict[str, Any]) -> None:
    bpython: Any = importlib.import_module("bpython")
    bpython.embed(namespace)


_STARTERS: dict[str, Callable[[dict[str, Any]], None]] = {"ipython": _ipython, "bpython": _bpython}


def _banner(profile_name: str, namespace: dict[str, Any]) -> str:
    from provgraph.common.version import __version__

    python = ".".join(str(part) for part in sys.version_info[:3])
    names = ", ".join(sorted(namespace, key=str.lower))
    return f"provgraph {__version__} shell, profile {profile_name!r} (Python {python})\nLoaded: {names}"


def _plain(namespace: dict[str, Any], no_startup: bool, banner: str) -> None:
    if stdin_is_tty():
        _enable_completion(namespace)
    if not no_startup:
        for startup in (os.environ.get("PYTHONSTARTUP"), "~/.pythonrc.py"):
            if startup:
                _run_startup(Path(startup).expanduser(), namespace)
    _Console(namespace).interact(banner=banner, exitmsg="")


class _Console(code.InteractiveConsole):
    """Python's console, with prompts on standard error when input is piped (as ``python`` does).

    Standard output then holds only what the commands print, so ``... | provgraph shell`` can
    feed another program.
    """

    def raw_input(self, prompt: str = "") -> str:
        if stdin_is_tty():
            return input(prompt)
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")


def _enable_completion(namespace: dict[str, Any]) -> None:
    try:
        import readline
        import rlcompleter
    except ImportError:  # not on every platform
        return
    readline.set_completer(rlcompleter.Completer(namespace).complete)
    readline.parse_and_bind("tab: complete")


def _run_startup(path: Path, namespace: dict[str, Any]) -> None:
    """Run a start-up script in the namespace; its failure is reported, never fatal."""
    if not path.is_file():
        return
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    except Exception as error:
        click.echo(f"Warning: the start-up script {path} failed: {type(error).__name__}: {error}", err=True)
