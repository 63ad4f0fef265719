"""How provgraph's rows become W3C PROV records: identifiers, namespaces, values, one record per row.

The whole mapping (and why each choice) is in ``docs/prov.md``; this module is its code. Every
function takes plain rows (column dicts as ``StorageBackend.get_rows`` returns them) and a
``prov`` bundle, so that the export streams rows into the document without an ORM object per node.

Identifiers must be valid in every PROV serialisation, PROV-XML's being the strictest: an
identifier's local part is an XML ``NCName`` (no ``@``, ``|`` or ``/``; a letter or ``_`` first).
:func:`local_name` makes any text one, reversibly: ASCII letters, digits, ``_`` and ``-`` stay,
every other byte of its UTF-8 becomes ``.XX`` (hex), and a name that does not start with a
letter gets a leading ``_``.

>>> local_name("process_label"), local_name("array|x"), local_name("alice@example.org")
('process_label', 'array.7Cx', 'alice.40example.2Eorg')
>>> local_name("_aiida_hash"), local_name("0abc")
('__aiida_hash', '_0abc')
>>> original_name(local_name("array|naïve"))
'array|naïve'
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from typing import Any, Final

from prov.constants import PROV, PROV_LABEL, PROV_ROLE, PROV_TYPE
from prov.identifier import Namespace, QualifiedName
from prov.model import ProvActivity, ProvAgent, ProvBundle, ProvDocument, ProvEntity

from provgraph.exceptions import CorruptStorage

__all__ = [
    "ATTRIBUTE",
    "ATTRIBUTE_JSON",
    "LINK_LABEL",
    "LINK_TYPE",
    "NODE",
    "PROFILE",
    "PROVGRAPH",
    "PROV_PERSON",
    "TERMINATED_STATES",
    "USER",
    "add_activity",
    "add_agent",
    "add_entity",
    "add_link",
    "add_namespaces",
    "attribute_entry",
    "is_process",
    "local_name",
    "node_identifier",
    "original_name",
    "user_identifier",
]

#: The vocabulary: attribute names of nodes and links, and the kinds of records (``prov:type``).
PROVGRAPH: Final = Namespace("provgraph", "https://provgraph.org/ns#")
#: Nodes, by UUID (``node:uuid-<uuid>``): the same node has the same identifier in every profile.
NODE: Final = Namespace("node", "https://provgraph.org/ns/node#")
#: Users, by email (AiiDA's key for a user across profiles), escaped by :func:`local_name`.
USER: Final = Namespace("user", "https://provgraph.org/ns/user#")
#: A node's attributes, one PROV attribute per top-level key, named by :func:`local_name`.
ATTRIBUTE: Final = Namespace("attribute", "https://provgraph.org/ns/attribute#")
#: The attributes whose values are lists, dicts or null: their JSON text, named as under ``attribute:``.
ATTRIBUTE_JSON: Final = Namespace("attribute_json", "https://provgraph.org/ns/attribute-json#")
#: Profiles (the bundle's identifier), by the storage's UUID.
PROFILE: Final = Namespace("profile", "https://provgraph.org/ns/profile#")

#: The attributes of every relation made from a link: its type and label, exactly.
LINK_TYPE: Final = PROVGRAPH["link_type"]
LINK_LABEL: Final = PROVGRAPH["link_label"]
#: ``prov:type`` of a user's agent.
PROV_PERSON: Final = PROV["Person"]

#: Process states after which a process node's ``mtime`` is when it ended (PROV's endTime).
TERMINATED_STATES: Final = frozenset({"finished", "excepted", "killed"})

# The process attribute holding a serialised process state: internal, never exported (as archives).
_CHECKPOINTS = "checkpoints"
# PROV attribute -> the node column it holds (in this order).
_NODE_COLUMNS: Final = {
    PROVGRAPH["uuid"]: "uuid",
    PROVGRAPH["node_type"]: "node_type",
    PROVGRAPH["process_type"]: "process_type",
    PROV_LABEL: "label",
    PROVGRAPH["description"]: "description",
    PROVGRAPH["ctime"]: "ctime",
    PROVGRAPH["mtime"]: "mtime",
}
# The bytes that :func:`local_name` keeps as they are.
_KEPT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
# Link types that an activity's input uses / that generate an output.
_USED = frozenset({"input_calc", "input_work"})
_CALLS = frozenset({"call_calc", "call_work"})


@functools.lru_cache(maxsize=65_536)
def local_name(text: str) -> str:
    """``text`` as an XML NCName, reversibly (see the module docstring); never empty.

    Cached: the same attribute keys and emails come back on every node.
    """
    escaped = "".join(chr(byte) if byte in _KEPT else f".{byte:02X}" for byte in text.encode("utf-8"))
    return escaped if escaped[:1] in _LETTERS else f"_{escaped}"


def original_name(name: str) -> str:
    """The text that :func:`local_name` turned into ``name``."""
    body = name[1:] if name.startswith("_") else name
    raw = bytearray()
    index = 0
    while index < len(body):
        if body[index] == ".":
            raw.append(int(body[index + 1 : index + 3], 16))
            index += 3
        else:
            raw.append(ord(body[index]))
            index += 1
    return raw.decode("utf-8")


def node_identifier(uuid: str) -> QualifiedName:
    """``node:uuid-<uuid>``: a node's identifier, the same in every profile holding the node."""
    return NODE[f"uuid-{uuid}"]


def user_identifier(email: str) -> QualifiedName:
    """``user:<escaped email>``: a user's identifier, the same in every profile (AiiDA merges by email)."""
    return USER[local_name(email)]


def add_namespaces(document: ProvDocument | ProvBundle) -> None:
    """Declare provgraph's namespaces (the PROV ones are always there)."""
    for namespace in (PROVGRAPH, NODE, USER, ATTRIBUTE, ATTRIBUTE_JSON, PROFILE):
        document.add_namespace(namespace)


def is_process(node_type: str) -> bool:
    """Process nodes are PROV activities; every other node (data) is an entity."""
    return node_type.startswith("process.")


def attribute_entry(key: str, value: Any) -> tuple[QualifiedName, Any]:
    """A node attribute as a PROV attribute: typed where PROV has the type, else JSON text.

    Strings, ``bool`` (``xsd:boolean``), ``int`` (``xsd:int``/``xsd:long``) and finite
    ``float`` (``xsd:double``) go under ``attribute:`` as typed values; lists, dicts, ``None``
    and non-finite floats go under ``attribute_json:`` as their JSON text. A namespace of
    their own, not a datatype, marks JSON: PROV-XML's schema refuses a datatype it does not know.

    >>> attribute_entry("count", 3), attribute_entry("name", "x")
    ((<QualifiedName: attribute:count>, 3), (<QualifiedName: attribute:name>, 'x'))
    >>> attribute_entry("array|x", [2, 3])
    (<QualifiedName: attribute_json:array.7Cx>, '[2, 3]')
    """
    name = local_name(key)
    if isinstance(value, (str, bool, int)) or (isinstance(value, float) and math.isfinite(value)):
        return ATTRIBUTE[name], value
    return ATTRIBUTE_JSON[name], json.dumps(value, sort_keys=True, ensure_ascii=False)


def _node_attributes(row: Mapping[str, Any], kind: QualifiedName) -> dict[Any, Any]:
    """The PROV attributes shared by entities and activities: what the node row says of itself."""
    attributes: dict[Any, Any] = {PROV_TYPE: kind}
    for name, column in _NODE_COLUMNS.items():
        if row[column] not in (None, ""):  # AiiDA writes "" for no label; old archives have nulls
            attributes[name] = row[column]
    for key, value in (row["attributes"] or {}).items():
        if key != _CHECKPOINTS:
            name, converted = attribute_entry(key, value)
            attributes[name] = converted
    return attributes


def add_entity(bundle: ProvBundle, row: Mapping[str, Any], agent: QualifiedName | None) -> ProvEntity:
    """A data node as a ``prov:Entity``, attributed to its user's agent (if known)."""
    entity = bundle.entity(node_identifier(row["uuid"]), _node_attributes(row, PROVGRAPH["Data"]))
    if agent is not None:
        bundle.wasAttributedTo(entity, agent)
    return entity


def add_activity(bundle: ProvBundle, row: Mapping[str, Any], agent: QualifiedName | None) -> ProvActivity:
    """A process node as a ``prov:Activity``: started at its ctime, ended at its mtime once terminated.

    ``process_state`` and ``exit_status`` are also given under the provgraph namespace, the
    state a reader looks for first; the activity is associated with its user's agent.
    """
    node_attributes = row["attributes"] or {}
    kind = "Workflow" if row["node_type"].startswith("process.workflow.") else "Calculation"
    attributes = _node_attributes(row, PROVGRAPH[kind])
    state = node_attributes.get("process_state")
    for key in ("process_state", "exit_status"):
        name, value = attribute_entry(key, node_attributes.get(key))
        if name.namespace == ATTRIBUTE:  # a string or a number, not JSON (absent: null)
            attributes[PROVGRAPH[key]] = value
    end = row["mtime"] if state in TERMINATED_STATES else None
    activity = bundle.activity(node_identifier(row["uuid"]), row["ctime"], end, attributes)
    if agent is not None:
        bundle.wasAssociatedWith(activity, agent)
    return activity


def add_agent(bundle: ProvBundle, row: Mapping[str, Any]) -> ProvAgent:
    """A user as a ``prov:Agent`` of type ``prov:Person`` (email, names and institution as attributes)."""
    attributes: dict[Any, Any] = {PROV_TYPE: PROV_PERSON, PROVGRAPH["email"]: row["email"]}
    name = " ".join(part for part in (row["first_name"], row["last_name"]) if part)
    if name:
        attributes[PROV_LABEL] = name
    for column in ("first_name", "last_name", "institution"):
        if row[column]:
            attributes[PROVGRAPH[column]] = row[column]
    return bundle.agent(user_identifier(row["email"]), attributes)


def add_link(
    bundle: ProvBundle, source: QualifiedName, target: QualifiedName, link_type: str, label: str
) -> str:
    """One link as its PROV relation; returns the relation's name (for the summary).

    INPUT_CALC / INPUT_WORK: the target process ``used`` the source (``prov:role`` = label).
    CREATE: the target was generated by the source calculation (``prov:role`` = label).
    RETURN: the target was influenced by the returning workflow (``prov:type`` provgraph:Return),
    not generated: PROV lets one generation only make an entity, the calculation's CREATE.
    CALL_CALC / CALL_WORK: the called activity ``wasInformedBy`` its caller (``prov:type``
    provgraph:Call); the hierarchy is the ``provgraph:caller`` attribute added by the caller
    of this function. Every relation carries ``provgraph:link_type`` and ``provgraph:link_label``.
    """
    link: dict[Any, Any] = {LINK_TYPE: link_type, LINK_LABEL: label}
    if link_type in _USED:
        bundle.used(target, source, None, None, {PROV_ROLE: label, **link})
        return "used"
    if link_type == "create":
        bundle.wasGeneratedBy(target, source, None, None, {PROV_ROLE: label, **link})
        return "wasGeneratedBy"
    if link_type == "return":
        bundle.wasInfluencedBy(target, source, None, {PROV_TYPE: PROVGRAPH["Return"], **link})
        return "wasInfluencedBy"
    if link_type in _CALLS:
        bundle.wasInformedBy(target, source, None, {PROV_TYPE: PROVGRAPH["Call"], **link})
        return "wasInformedBy"
    raise CorruptStorage(
        f"the link {source} -> {target} has the unknown type {link_type!r}; AiiDA's link types are "
        "input_calc, input_work, create, return, call_calc and call_work"
    )
