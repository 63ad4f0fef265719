"""What must hold before nodes leave the profile: finished processes, acceptable licenses.

A running process is still writing its outputs, so an archive of it would be a snapshot of a
half-told story (aiida-core refuses it); and data may carry a license (``source.license``) the
exporter wants to keep out of an archive. Both are checked on the database, one query per batch
of selected nodes, before anything is written.

>>> check_node_licenses(storage, selection, allowed_licenses=["CC-BY-4.0"], filter_size=9)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from provgraph.exceptions import ExportValidationError, LicensingException
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.process import ProcessNode
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.archive.selection import Selection

__all__ = ["LicenseRule", "check_node_licenses", "check_unsealed_nodes"]

#: A list of license names, or a function of a license name returning True / False.
LicenseRule = Sequence[str] | Callable[[str], bool] | None

_LISTED = 20  # pks named in the error


def check_unsealed_nodes(storage: StorageBackend, selection: Selection, filter_size: int) -> None:
    """``ExportValidationError`` naming the selected process nodes that are not sealed."""
    unsealed: list[int] = []
    for filters in selection.filters(EntityTypes.NODE, filter_size):
        query = QueryBuilder(backend=storage).append(
            ProcessNode, filters={**filters, "attributes.sealed": {"!in": [True]}}, project=["id"]
        )
        unsealed.extend(query.all(flat=True))
    if unsealed:
        unsealed.sort()
        listed = ", ".join(str(pk) for pk in unsealed[:_LISTED])
        more = f" and {len(unsealed) - _LISTED} more" if len(unsealed) > _LISTED else ""
        raise ExportValidationError(
            "All ProcessNodes must be sealed before they can be exported. "
            f"Node(s) with PK(s): {listed}{more} is/are not sealed; wait for them to finish "
            "(or leave them out of the selection)"
        )


def check_node_licenses(
    storage: StorageBackend,
    selection: Selection,
    *,
    allowed_licenses: LicenseRule = None,
    forbidden_licenses: LicenseRule = None,
    filter_size: int,
) -> None:
    """``LicensingException`` for the first selected node whose ``source.license`` is refused.

    A license is refused if ``allowed_licenses`` is given and does not allow it, or
    ``forbidden_licenses`` is given and forbids it; nodes without a license always pass.
    """
    if allowed_licenses is None and forbidden_licenses is None:
        return
    is_allowed = _license_test(allowed_licenses, "allowed_licenses", default=True)
    is_forbidden = _license_test(forbidden_licenses, "forbidden_licenses", default=False)
    for filters in selection.filters(EntityTypes.NODE, filter_size):
        query = QueryBuilder(backend=storage).append(
            Node,
            filters={**filters, "attributes.source.license": {"!==": None}},
            project=["id", "attributes.source.license"],
        )
        for pk, name in query.iterall(batch_size=filter_size):
            if not is_allowed(name):
                raise LicensingException(
                    f"Node {pk} is licensed under '{name}' license, "
                    "which is not in the list of allowed licenses"
                )
            if is_forbidden(name):
                raise LicensingException(
                    f"Node {pk} is licensed under '{name}' license, "
                    "which is in the list of forbidden licenses"
                )


def _license_test(rule: LicenseRule, what: str, *, default: bool) -> Callable[[Any], bool]:
    if rule is None:
        return lambda _name: default
    if callable(rule):
        function = rule

        def call(name: Any) -> bool:
            try:
                return bool(function(name))
            except Exception as exc:
                raise LicensingException(f"{what} function error: {exc}") from exc

        return call
    if isinstance(rule, Sequence) and not isinstance(rule, str):
        names = list(rule)
        return lambda name: name in names
    raise TypeError(f"{what} must be a list of license names or a function, got {rule!r}")
