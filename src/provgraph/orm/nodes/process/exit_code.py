"""``ExitCode``: how a process says it finished without success (AiiDA's ``engine.ExitCode``).

It lives with the process nodes, which hand one out (``node.exit_code``); the process functions
that return one re-export it (``provgraph.ExitCode``, ``provgraph.provenance.ExitCode``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["ExitCode"]


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
