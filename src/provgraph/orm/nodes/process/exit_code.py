"""``ExitCode``: how a process says it finished without success (AiiDA's ``engine.ExitCode``).

It lives with the process nodes, which hand one out (``node.exit_code``); the process functions
that return one re-export it (``provgraph.ExitCode``, ``provgraph.provenance.ExitCode``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from provgraph.common.extendeddicts import AttributeDict

__all__ = ["ExitCode", "ExitCodesNamespace"]


class ExitCode(NamedTuple):
    """A status (0: success) and a message; a process function returns one to report a failure.

    ``message`` may hold ``{name}`` fields, filled in with :meth:`format`.
    """

    status: int = 0
    message: str | None = None
    invalidates_cache: bool = False

    def format(self, **kwargs: Any) -> ExitCode:
        """A copy whose message has its ``{name}`` fields replaced; ``ValueError`` names a missing one."""
        if self.message is None:
            return self
        try:
            message = self.message.format(**kwargs)
        except KeyError as exc:
            raise ValueError(
                f"the exit message {self.message!r} needs the parameter {exc.args[0]!r}"
            ) from exc
        return self._replace(message=message)


class ExitCodesNamespace(AttributeDict):
    """Exit codes by label, as items or attributes; calling it finds one by label or by status."""

    def __call__(self, identifier: int | str) -> ExitCode:
        """The exit code with this status (an int) or label (a str); ``ValueError`` if there is none."""
        if isinstance(identifier, int):
            for exit_code in self.values():
                if exit_code.status == identifier:
                    return exit_code  # type: ignore[no-any-return]
            raise ValueError(f"no exit code has the status {identifier}")
        try:
            return self[identifier]  # type: ignore[no-any-return]
        except KeyError:
            raise ValueError(f"no exit code has the label {identifier!r}") from None
