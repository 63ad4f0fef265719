"""``Data``: the base of every node that holds a value (inputs and outputs of processes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from provgraph.exceptions import InvalidOperation
from provgraph.orm.nodes.link_rules import Role
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node

if TYPE_CHECKING:
    from typing_extensions import Self

    from provgraph.orm.nodes.process.calculation import CalculationNode

__all__ = ["ComparedByValue", "Data"]


_SOURCE_KEYS = frozenset(
    ("db_name", "db_uri", "uri", "id", "version", "extras", "source_md5", "description", "license")
)


class Data(Node, node_type="data.Data."):
    """A node holding data; storable as it is, and the parent of the data types (Int, Dict, ...)."""

    _storable: ClassVar[bool] = True
    _link_role: ClassVar[Role | None] = Role.DATA
    _source_attributes: ClassVar[frozenset[str]] = _SOURCE_KEYS

    def __init__(self, *args: Any, source: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if source is not None:
            self.source = source

    @property
    def source(self) -> dict[str, Any] | None:
        """Where the data came from (AiiDA's ``source`` attribute): a dict with some of the keys
        db_name, db_uri, uri, id, version, extras, source_md5, description, license. Archive
        export checks its ``license``."""
        return cast("dict[str, Any] | None", self.base.attributes.get("source", None))

    @source.setter
    def source(self, source: dict[str, Any]) -> None:
        if not isinstance(source, dict):
            raise ValueError(f"a Data node's source must be a dict, got {type(source).__name__}")
        unknown = sorted(set(source) - self._source_attributes)
        if unknown:
            raise KeyError(f"Unknown source parameters: {', '.join(unknown)}")
        self.base.attributes.set("source", source)

    def set_source(self, source: dict[str, Any]) -> None:
        """The same as setting :attr:`source` (aiida-core's method)."""
        self.source = source

    @property
    def creator(self) -> CalculationNode | None:
        """The calculation that created this node (its incoming CREATE link), or None."""
        triple = self.base.links.get_incoming(link_type=LinkType.CREATE).first()
        return None if triple is None else cast("CalculationNode", triple.node)

    def __copy__(self) -> Self:
        raise InvalidOperation("copying a Data node is not supported, use copy.deepcopy (a clone)")

    def __deepcopy__(self, memo: Any) -> Self:
        """``copy.deepcopy(node)`` is :meth:`clone` (as in aiida-core): a new unstored node."""
        return self.clone()

    def clone(self) -> Self:
        """An unstored copy with the same attributes, files, label and description (as AiiDA).

        Extras and links are not copied: the clone is a new node with no history.
        """
        clone = self._copy_unstored()
        if self.repository_metadata or self._file_state() is not None:
            clone.base.repository._clone(self.base.repository)
        return clone


class ComparedByValue(Data):
    """A data node that equals another of its kind, or a plain value, when their values are equal
    (``Dict({"a": 1}) == {"a": 1}``, as in AiiDA); hashing stays by uuid, so such nodes remain
    usable in sets and as keys. A subclass says what its value is (``_compared_value``)."""

    def _compared_value(self) -> Any:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ComparedByValue):
            return bool(self._compared_value() == other._compared_value())
        return bool(self._compared_value() == other)

    __hash__ = Data.__hash__

    def __str__(self) -> str:
        return f"{super().__str__()} value: {self._compared_value()}"
