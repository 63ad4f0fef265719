"""What every command shares: the selected profile, and turning library errors into one line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from provgraph.exceptions import ProvgraphError

if TYPE_CHECKING:
    from provgraph.config.profile import Profile
    from provgraph.storage.abstract import StorageBackend

__all__ = ["ProvgraphContext", "ProvgraphGroup", "pass_provgraph"]


class ProvgraphGroup(click.Group):
    """A group that reports :class:`ProvgraphError` as ``Error: ...`` and exit code 1.

    User errors are expected outcomes, not bugs, so they get one line and no traceback.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProvgraphError as exc:
            raise click.ClickException(_one_line(str(exc))) from exc


def _one_line(message: str) -> str:
    return " ".join(message.split()) or "unknown error"


@dataclass
class ProvgraphContext:
    """Global options, resolved lazily so that `--help` never touches the config."""

    profile_name: str | None = None

    def load_profile(self) -> Profile:
        """Load the profile chosen with ``-p`` (or the default one) into the process manager."""
        from provgraph.manager import get_manager

        return get_manager().load_profile(self.profile_name)

    def get_storage(self) -> StorageBackend:
        """Open the storage of the selected profile."""
        from provgraph.manager import get_manager

        self.load_profile()
        return get_manager().get_profile_storage()


pass_provgraph = click.make_pass_decorator(ProvgraphContext, ensure=True)
