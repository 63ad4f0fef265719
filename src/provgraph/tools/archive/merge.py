"""Rules for merging rows from elsewhere into a profile, shared by archive import and sync.

Both bring in rows that another storage wrote: a computer or group whose label the profile has
already gets aiida-core's ``label (Imported #i)``, and a link that touches a node the profile has
must respect that node's links (AiiDA's degree rules). ``origin`` names where the rows come from
in messages (an archive's path, ``profile 'laptop'``).

>>> relabelled: dict[str, str] = {}
>>> free_label("relax", lambda label: label == "relax", "group", relabelled)
'relax (Imported #0)'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from provgraph.exceptions import ImportUniquenessError, ImportValidationError
from provgraph.orm.nodes.link_rules import Degree, link_rule
from provgraph.orm.nodes.link_types import LinkType
from provgraph.storage.abstract import EntityTypes, In, StorageBackend

__all__ = [
    "DUPLICATE_LABEL",
    "DUPLICATE_LABEL_MAX",
    "Link",
    "check_link_degrees",
    "check_new_output",
    "free_label",
    "stored_links",
]

DUPLICATE_LABEL = "{label} (Imported #{index})"
DUPLICATE_LABEL_MAX = 100

#: A link as the profile stores it: (input_id, output_id, type, label).
Link = tuple[int, int, str, str]


def free_label(label: str, taken: Callable[[str], bool], what: str, relabelled: dict[str, str]) -> str:
    """``label``, or aiida-core's ``label (Imported #i)`` if ``taken(label)``; notes the renaming."""
    if not taken(label):
        return label
    for index in range(DUPLICATE_LABEL_MAX):
        candidate = DUPLICATE_LABEL.format(label=label, index=index)
        if not taken(candidate):
            relabelled[f"{what} {label}"] = candidate
            return candidate
    raise ImportUniquenessError(
        f"the {what} label {label!r} and {DUPLICATE_LABEL_MAX} relabelled variants are all taken; "
        f"rename the existing {what}s first"
    )


def check_new_output(backend: StorageBackend, link: Link, origin: str) -> None:
    """A node the profile has may not gain a second outgoing link of a unique label
    (a process that would have created or returned two different nodes under one name)."""
    source, target, kind, label = link
    if link_rule(LinkType(kind)).outdegree is not Degree.UNIQUE_PAIR:
        return
    if backend.count_rows(EntityTypes.LINK, {"input_id": source, "type": kind, "label": label}):
        raise ImportValidationError(
            f"{origin}: node {source} already has an outgoing {kind} link labelled {label!r}; "
            f"{origin} gives it another one (to node {target}); refusing it"
        )


def check_link_degrees(backend: StorageBackend, link: Link, origin: str) -> None:
    """A new link between nodes the profile has must respect the links it has already."""
    source, target, kind, label = link
    rule = link_rule(LinkType(kind))
    checks: list[dict[str, object]] = []
    if rule.indegree is Degree.UNIQUE:
        checks.append({"output_id": target, "type": kind})
    elif rule.indegree is Degree.UNIQUE_PAIR:
        checks.append({"output_id": target, "type": kind, "label": label})
    if rule.outdegree is Degree.UNIQUE_PAIR:
        checks.append({"input_id": source, "type": kind, "label": label})
    for filters in checks:
        if backend.count_rows(EntityTypes.LINK, filters):
            raise ImportValidationError(
                f"{origin}: a {kind} link labelled {label!r} from node {source} to node {target} breaks "
                "AiiDA's link rules with the profile's links; refusing it"
            )


def stored_links(backend: StorageBackend, links: Sequence[Link], batch_size: int = 1000) -> set[Link]:
    """Which of ``links`` the profile holds already (read by their targets, a batch at a time)."""
    targets = sorted({target for _, target, _, _ in links})
    stored: set[Link] = set()
    for start in range(0, len(targets), batch_size):
        for row in backend.get_rows(
            EntityTypes.LINK,
            {"output_id": In(tuple(targets[start : start + batch_size]))},
            columns=("input_id", "output_id", "type", "label"),
            order_by=(),
        ):
            stored.add((row["input_id"], row["output_id"], row["type"], row["label"]))
    return stored
