"""Asking the user: confirmations and missing values, only when a person is at a terminal.

A command run from a script must never hang on a prompt, so without a terminal every question
becomes a usage error that names the option to pass instead. A confirmation is the exception
that scripts (and verdi users) rely on: ``echo y | provgraph node delete 5`` answers it through the
pipe; an empty or closed standard input is still an error, never a wait.
"""

from __future__ import annotations

import sys

import click

__all__ = ["confirm_or_force", "is_interactive", "required_value", "stdin_is_tty"]


def stdin_is_tty() -> bool:
    """Whether a person can answer (tests replace this to act as a terminal)."""
    return sys.stdin.isatty()


def is_interactive(non_interactive: bool) -> bool:
    """Whether prompting is allowed: not refused with ``--non-interactive`` and on a terminal."""
    return not non_interactive and stdin_is_tty()


def confirm_or_force(force: bool, action: str, question: str) -> None:
    """Go on if ``force``, else ask ``question`` on a terminal (abort on no) or refuse without one.

    ``action`` names what needs the confirmation, e.g. ``"Deleting a group"``.
    """
    if force:
        return
    if not stdin_is_tty():
        answer = _piped_answer()
        if answer is None:
            raise click.UsageError(f"{action} needs confirmation: pass --force (or pipe the answer 'y').")
        if answer not in _YES:
            raise click.Abort
        return
    click.confirm(question, abort=True)


_YES = frozenset({"y", "yes"})


def _piped_answer() -> str | None:
    """The first line piped to standard input, lower-cased; None when nothing was piped."""
    try:
        line = sys.stdin.readline()
    except (OSError, ValueError):  # closed or unreadable standard input
        return None
    return line.strip().lower() or None


def required_value(value: str | None, option: str, prompt: str, non_interactive: bool) -> str:
    """The option's value, prompting for it on a terminal when it is missing; a usage error otherwise.

    A value given on the command line, even an empty one, is returned as it is for the command
    to validate. ``option`` is how the error names it, e.g. ``"--label"`` or ``"--profile NAME"``.
    """
    if value is not None:
        return value
    if not is_interactive(non_interactive):
        raise click.UsageError(f"Missing option '{option}'.")
    answer: str = click.prompt(prompt, type=str)
    return answer
