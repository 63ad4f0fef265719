"""Query fields of the ORM classes (aiida-core's ``aiida.orm.fields``).

``Int.fields.value > 3`` is a filter and ``Int.fields.pk`` a projection for the QueryBuilder::

    qb = QueryBuilder().append(Int, filters=Int.fields.value > 3, project=Int.fields.pk)

Each class's fields are made from its ``ReadModel`` (and a node's ``AttributesModel``) the first
time ``cls.fields`` is read (``provgraph.orm.models``); the operators a field offers follow its type.
"""

from __future__ import annotations

import datetime
import types
import typing as t
from collections.abc import Iterable, Iterator, Sequence
from copy import deepcopy
from pprint import pformat

from provgraph.common.lang import isidentifier
from provgraph.common.warnings import warn_deprecation

__all__ = [
    "QbAnyField",
    "QbArrayField",
    "QbAttributesField",
    "QbDictField",
    "QbField",
    "QbFieldFilters",
    "QbFields",
    "QbNumericField",
    "QbStrField",
    "add_field",
    "extract_root_type",
]


def extract_root_type(dtype: t.Any) -> t.Any:
    """The plain type behind an annotation: ``list[str]`` -> ``list``, ``str | None`` -> ``str``."""
    origin = t.get_origin(dtype)
    if origin is None:
        return dtype
    if origin is t.Union or origin is types.UnionType:
        return extract_root_type(t.get_args(dtype)[0])
    return origin


class QbField:
    """A field of an ORM class that the QueryBuilder can filter on, project and order by."""

    __slots__ = ("_backend_key", "_doc", "_dtype", "_is_attribute", "_key")

    def __init__(
        self,
        key: str,
        alias: str | None = None,
        *,
        dtype: t.Any | None = None,
        doc: str = "",
        is_attribute: bool = True,
    ) -> None:
        """``alias``: the key in the storage if it differs; ``is_attribute``: the field lives in the
        node's attributes, so its query key is ``attributes.<alias or key>``."""
        self._key = key
        self._backend_key = alias if alias is not None else key
        self._doc = doc
        self._dtype = dtype
        self._is_attribute = is_attribute

    @property
    def key(self) -> str:
        return self._key

    @property
    def backend_key(self) -> str:
        """The key the QueryBuilder uses (``attributes.value`` for ``Int.fields.value``)."""
        return f"attributes.{self._backend_key}" if self._is_attribute else self._backend_key

    @property
    def doc(self) -> str:
        warn_deprecation("`QbField.doc` is deprecated, read the ORM model field's description", version=3)
        return self._doc

    @property
    def dtype(self) -> t.Any | None:
        """The plain type of the field's values."""
        return extract_root_type(self._dtype)

    @property
    def annotation(self) -> t.Any | None:
        warn_deprecation(
            "`QbField.annotation` is deprecated, read the ORM model field's annotation", version=3
        )
        return self._dtype

    @property
    def is_attribute(self) -> bool:
        warn_deprecation(
            "`QbField.is_attribute` is deprecated, read the ORM model field's metadata", version=3
        )
        return self._is_attribute

    @property
    def is_subscriptable(self) -> bool:
        warn_deprecation(
            "`QbField.is_subscriptable` is deprecated, read the ORM model field's metadata", version=3
        )
        return isinstance(self, QbDictField)

    def in_(self, value: Iterable[t.Any]) -> QbFieldFilters:
        """Values among ``value``."""
        try:
            set(value)
        except TypeError:
            raise TypeError("in_ takes an iterable of hashable values") from None
        return QbFieldFilters(((self, "in", value),))

    def __repr__(self) -> str:
        alias = f", {self._backend_key!r}" if self._backend_key != self._key else ""
        doc = f", doc={self._doc!r}" if self._doc else ""
        return f"{type(self).__name__}({self.backend_key!r}{alias}, dtype={self._dtype or ''}{doc})"

    def __str__(self) -> str:
        return f"{type(self).__name__}({self.backend_key}) -> {self._dtype}"

    def __hash__(self) -> int:
        return hash((self._key, self.backend_key))

    def __eq__(self, value: object) -> QbFieldFilters:  # type: ignore[override]
        return QbFieldFilters(((self, "==", value),))

    def __ne__(self, value: object) -> QbFieldFilters:  # type: ignore[override]
        return QbFieldFilters(((self, "!==", value),))


class QbNumericField(QbField):
    """A field of numbers or times: ``<``, ``<=``, ``>``, ``>=``."""

    __slots__ = ()

    def __lt__(self, value: t.Any) -> QbFieldFilters:
        return QbFieldFilters(((self, "<", value),))

    def __le__(self, value: t.Any) -> QbFieldFilters:
        return QbFieldFilters(((self, "<=", value),))

    def __gt__(self, value: t.Any) -> QbFieldFilters:
        return QbFieldFilters(((self, ">", value),))

    def __ge__(self, value: t.Any) -> QbFieldFilters:
        return QbFieldFilters(((self, ">=", value),))


class QbArrayField(QbField):
    """A field of lists: containment and length."""

    __slots__ = ()

    def contains(self, value: t.Any) -> QbFieldFilters:
        return QbFieldFilters(((self, "contains", value),))

    def of_length(self, value: int) -> QbFieldFilters:
        return QbFieldFilters(((self, "of_length", _length(value, "of_length")),))

    def longer(self, value: int) -> QbFieldFilters:
        return QbFieldFilters(((self, "longer", _length(value, "longer")),))

    def shorter(self, value: int) -> QbFieldFilters:
        return QbFieldFilters(((self, "shorter", _length(value, "shorter")),))


def _length(value: t.Any, operator: str) -> int:
    if not isinstance(value, int):
        raise TypeError(f"{operator} takes an integer, got {type(value).__name__}")
    return value


class QbStrField(QbField):
    """A field of strings: SQL ``LIKE`` patterns (``%`` any run of characters, ``_`` one)."""

    __slots__ = ()

    def like(self, value: str) -> QbFieldFilters:
        return QbFieldFilters(((self, "like", _pattern(value, "like")),))

    def ilike(self, value: str) -> QbFieldFilters:
        """Case-insensitive ``like``."""
        return QbFieldFilters(((self, "ilike", _pattern(value, "ilike")),))


def _pattern(value: t.Any, operator: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{operator} takes a string, got {type(value).__name__}")
    return value


class QbDictField(QbField):
    """A field of dicts: ``has_key``, and ``field["key"]`` for one entry."""

    __slots__ = ()

    def has_key(self, value: t.Any) -> QbFieldFilters:
        return QbFieldFilters(((self, "has_key", value),))

    def __getitem__(self, key: str) -> QbAnyField:
        return QbAnyField(
            f"{self._key}.{key}",
            f"{self._backend_key}.{key}" if self._is_attribute else None,
            dtype=t.Any,
            is_attribute=self._is_attribute,
        )

    def __str__(self) -> str:
        return f"{type(self).__name__}({self.backend_key}[...]) -> {self._dtype}"


class QbAttributesField(QbDictField):
    """A node's ``attributes`` field; its typed entries are attributes of it
    (``Int.fields.attributes.value``), from the class's ``AttributesModel``."""

    __slots__ = ("_typed_children",)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._typed_children: dict[str, QbField] = {}

    def __getattr__(self, key: str) -> QbField:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._typed_children[key]
        except KeyError:
            raise AttributeError(key) from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._typed_children))

    def __deepcopy__(self, memo: dict[int, t.Any]) -> QbAttributesField:
        clone = QbAttributesField(
            self._key, None, dtype=self._dtype, doc=self._doc, is_attribute=self._is_attribute
        )
        clone._backend_key = self._backend_key
        clone._typed_children = dict(self._typed_children)
        return clone


class QbAnyField(QbNumericField, QbArrayField, QbStrField, QbDictField):
    """A field of any type: every operator, and ``of_type``."""

    __slots__ = ()

    def of_type(self, value: t.Any) -> QbFieldFilters:
        return QbFieldFilters(((self, "of_type", value),))


class QbFieldFilters:
    """Filters made from fields, combined with ``&``, ``|`` and ``~``; the QueryBuilder takes them
    wherever it takes a filter dict (``as_dict()`` is that dict)."""

    __slots__ = ("filters",)

    def __init__(self, filters: Sequence[tuple[QbField, str, t.Any]] | dict[str, t.Any]) -> None:
        self.filters: dict[str, t.Any] = {}
        if isinstance(filters, dict):
            self.filters.update(filters)
            return
        for field, operator, value in filters:
            key = field.backend_key
            if key in self.filters:
                self.filters["and"] = [{key: self.filters.pop(key)}, {key: {operator: value}}]
            else:
                self.filters[key] = {operator: value}

    def as_dict(self) -> dict[str, t.Any]:
        return self.filters

    def items(self) -> t.ItemsView[str, t.Any]:
        return self.filters.items()

    def __repr__(self) -> str:
        return f"QbFieldFilters({self.filters})"

    def __getitem__(self, key: str) -> t.Any:
        return self.filters[key]

    def __contains__(self, key: str) -> bool:
        return key in self.filters

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QbFieldFilters):
            raise TypeError(f"cannot compare QbFieldFilters to {type(other).__name__}")
        return self.filters == other.filters

    __hash__ = None  # type: ignore[assignment]

    def __and__(self, other: QbFieldFilters) -> QbFieldFilters:
        return self._merged(other, "and") or QbFieldFilters({"and": [self.filters, other.filters]})

    def __or__(self, other: QbFieldFilters) -> QbFieldFilters:
        return self._merged(other, "or") or QbFieldFilters({"or": [self.filters, other.filters]})

    def __invert__(self) -> QbFieldFilters:
        """The negation: ``and`` <-> ``!and``, ``or`` <-> ``!or``, ``op`` <-> ``!op``."""
        filters = deepcopy(self.filters)
        for plain, negated in (("and", "!and"), ("or", "!or")):
            if plain in filters:
                filters[negated] = filters.pop(plain)
                return QbFieldFilters(filters)
            if negated in filters:
                filters[plain] = filters.pop(negated)
                return QbFieldFilters(filters)
        key, condition = next(iter(filters.items()))
        operator, value = next(iter(condition.items()))
        operator = operator[1:] if operator.startswith("!") else f"!{operator}"
        filters[key] = {operator: value}
        return QbFieldFilters(filters)

    def _merged(self, other: QbFieldFilters, logical: str) -> QbFieldFilters | None:
        """Fold ``other`` into an existing ``logical`` group instead of nesting one more level."""
        if not isinstance(other, QbFieldFilters):
            raise TypeError(f"cannot combine QbFieldFilters and {type(other).__name__}")
        if other == self:
            return self
        if logical in self.filters:
            self.filters[logical].append(other.filters)
            return self
        if logical in other:
            other.filters[logical].insert(0, self.filters)
            return other
        return None


class QbFields:
    """The read-only mapping of a class's field names to its fields (``cls.fields``)."""

    __isabstractmethod__ = False

    def __init__(self, fields: dict[str, QbField] | None = None) -> None:
        self._fields = fields or {}

    def keys(self) -> list[str]:
        """The query keys of the fields, sorted."""
        return sorted(field.backend_key for field in self._fields.values())

    def __repr__(self) -> str:
        return pformat({key: repr(value) for key, value in self._fields.items()}, width=500)

    def __str__(self) -> str:
        return str({key: str(value) for key, value in self._fields.items()})

    def __getitem__(self, key: str) -> QbField:
        return self._fields[key]

    def __getattr__(self, key: str) -> QbField:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._fields[key]
        except KeyError:
            raise AttributeError(key) from None

    def __contains__(self, key: str) -> bool:
        return key in self._fields

    def __len__(self) -> int:
        return len(self._fields)

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __dir__(self) -> list[str]:
        return [*self._fields, "_dict"]

    @property
    def _dict(self) -> dict[str, QbField]:
        """A copy of the name -> field mapping."""
        return deepcopy(self._fields)


def add_field(
    key: str,
    alias: str | None = None,
    *,
    dtype: t.Any | None = None,
    doc: str = "",
    is_attribute: bool = False,
) -> QbField:
    """A field of the flavour its ``dtype`` calls for (numbers and times, lists, strings, dicts, any).

    ``key`` must be a Python identifier; only attribute fields may have an ``alias``.
    """
    if not isidentifier(key):
        raise ValueError(f"{key!r} is not a valid Python identifier")
    if alias and not is_attribute:
        raise ValueError("only attribute fields may have an alias")
    kwargs: dict[str, t.Any] = {"dtype": dtype, "doc": doc, "is_attribute": is_attribute}
    if key == "attributes":
        return QbAttributesField(key, alias, **kwargs)
    root = extract_root_type(dtype) if dtype else None
    if root in (int, float, datetime.datetime):
        return QbNumericField(key, alias, **kwargs)
    if root in (list, tuple):
        return QbArrayField(key, alias, **kwargs)
    if root in (str, t.Literal):
        return QbStrField(key, alias, **kwargs)
    if root is dict:
        return QbDictField(key, alias, **kwargs)
    return QbAnyField(key, alias, **kwargs)
