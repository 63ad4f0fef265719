"""The ``metadata`` input of a process-function call, as aiida-core's ``metadata`` namespace.

``add(x, y, metadata={"label": "first", "call_link_label": "step_1"})`` does not pass
``metadata`` to the function: it sets the process node's label and description, the label of
the CALL link from a calling workflow, and whether anything is recorded at all. What was given is
kept on the node (``metadata_inputs``), as aiida-core does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.link_rules import validate_link_label

__all__ = ["METADATA_KEYS", "ProcessMetadata", "parse_metadata"]

#: The keys a process function's ``metadata`` may hold (aiida-core's, for process functions).
METADATA_KEYS = ("label", "description", "call_link_label", "store_provenance")


@dataclass(frozen=True)
class ProcessMetadata:
    """What a call's ``metadata`` asks for; the defaults are a call without one."""

    label: str | None = None
    description: str | None = None
    call_link_label: str | None = None
    store_provenance: bool = True
    given: dict[str, Any] = field(default_factory=dict)

    @property
    def recorded_inputs(self) -> dict[str, Any] | None:
        """The ``metadata_inputs`` attribute: what the caller gave, or None (aiida-core's layout)."""
        return {"metadata": dict(self.given)} if self.given else None


def parse_metadata(function_name: str, value: Any) -> ProcessMetadata:
    """Check a call's ``metadata`` (None means none); ``InputValidationError`` names what is wrong."""
    if value is None:
        return ProcessMetadata()
    where = f"{function_name}(metadata=...)"
    if not isinstance(value, Mapping):
        raise InputValidationError(
            f"{where} must be a dict with some of {list(METADATA_KEYS)}, got {value!r}"
        )
    unknown = sorted(str(key) for key in value if key not in METADATA_KEYS)
    if unknown:
        raise InputValidationError(f"{where} has unknown keys {unknown}; the keys are {list(METADATA_KEYS)}")
    for key in ("label", "description", "call_link_label"):
        if key in value and not isinstance(value[key], str):
            raise InputValidationError(f"{where}: {key} must be a str, got {value[key]!r}")
    if "store_provenance" in value and not isinstance(value["store_provenance"], bool):
        raise InputValidationError(
            f"{where}: store_provenance must be True or False, got {value['store_provenance']!r}"
        )
    if "call_link_label" in value:
        validate_link_label(value["call_link_label"])
    return ProcessMetadata(
        label=value.get("label"),
        description=value.get("description"),
        call_link_label=value.get("call_link_label"),
        store_provenance=value.get("store_provenance", True),
        given=dict(value),
    )
