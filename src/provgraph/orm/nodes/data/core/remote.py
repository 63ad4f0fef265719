"""``RemoteData``: a folder on a computer (AiiDA's ``data.core.remote.RemoteData.``).

The node records where the folder is, the attribute ``remote_path`` plus the node's computer;
the files stay on that computer. A RemoteData without a computer would point nowhere, so it is
refused at store.
"""

from __future__ import annotations

from typing import Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.data import Data

__all__ = ["RemoteData"]

KEY_EXTRA_CLEANED = "cleaned"


class RemoteData(Data, node_type="data.core.remote.RemoteData."):
    """``RemoteData(remote_path="/scratch/run1", computer=computer)``."""

    KEY_EXTRA_CLEANED = KEY_EXTRA_CLEANED

    def __init__(self, remote_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if remote_path is not None:
            self.set_remote_path(remote_path)

    def get_remote_path(self) -> str:
        """The absolute path of the folder on the node's computer."""
        return str(self.base.attributes.get("remote_path"))

    def set_remote_path(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise TypeError(f"remote_path must be a non-empty str, got {type(value).__name__} {value!r}")
        self.base.attributes.set("remote_path", value)

    @property
    def is_cleaned(self) -> bool:
        """Whether the remote folder was emptied (the extra AiiDA sets when it cleans it)."""
        return bool(self.base.extras.get(KEY_EXTRA_CLEANED, False))

    def _validate(self) -> None:
        super()._validate()
        if self._column("dbcomputer_id") is None:
            raise InputValidationError(
                f"RemoteData {self.uuid} has no computer; pass computer=<a stored Computer> when creating it"
            )
        if "remote_path" not in self.base.attributes:
            raise InputValidationError(
                f"RemoteData {self.uuid} has no remote_path; set it with set_remote_path"
            )
