"""One JSON value of a row (a JSON column, or a path of keys into one) as SQL, per dialect.

Both classes express the same JSON semantics (``docs/querybuilder.md``, "Filter semantics"):
PostgreSQL through ``jsonb`` operators, SQLite through its JSON functions plus the user
functions of :mod:`.sqlite_functions`. A path only descends into objects: a key below an array,
a scalar or a missing key is *absent*, which the SQL sees as NULL. Conditions built here may be
NULL where the value is absent; :func:`.operators.compile_operator` makes them two-valued.
Keys are bound parameters, except on a path with a declared index (``storage/indexes.py``):
the planner matches an index by its expression, constants included, so there the keys are
written into the SQL as quoted literals (:func:`sql_string_literal`; declared keys are printable
ASCII without quotes or backslashes, and a quote would be doubled anyway).
"""

from __future__ import annotations

import abc
import json
import operator as python_operator
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any, Protocol

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Numeric,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import NullType

from provgraph.exceptions import InputValidationError
from provgraph.storage.sql.json_text import json_dumps
from provgraph.storage.sql.lazy_rows import decode_json

__all__ = [
    "JSON_TYPES",
    "ColumnConverter",
    "IndexedPostgresJson",
    "IndexedSqliteJson",
    "JsonValue",
    "PostgresJson",
    "SqliteJson",
    "ascii_lower",
    "check_json_path",
    "is_number",
    "json_value",
    "sql_string_literal",
    "sqlite_json_path",
]

JSON_TYPES = ("object", "array", "string", "number", "boolean", "null")
"""The JSON types ``of_type`` knows, in the order JSON values sort without a cast (but null)."""

Comparison = Callable[[Any, Any], ColumnElement[bool]]
ColumnConverter = Callable[[Sequence[Sequence[Any]]], Sequence[Any]]
"""Raw values of a projection's columns (one sequence per column, over a batch of rows) -> values."""


def is_number(value: Any) -> bool:
    """An int or float, but not a bool (JSON keeps the two apart)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class JsonValue(abc.ABC):
    """A JSON value inside each row; SQL NULL where the row's path does not exist."""

    @abc.abstractmethod
    def child(self, key: str) -> JsonValue:
        """The value under ``key`` if this one is an object holding it, else absent."""

    @abc.abstractmethod
    def has_type(self, json_type: str) -> ColumnElement[bool]:
        """Present and of ``json_type`` (one of :data:`JSON_TYPES`); NULL or false otherwise."""

    @abc.abstractmethod
    def is_null(self) -> ColumnElement[bool]:
        """JSON null or absent; never NULL."""

    @abc.abstractmethod
    def exists(self) -> ColumnElement[bool]:
        """Present (of any type, null included); never NULL."""

    @abc.abstractmethod
    def string(self) -> ColumnElement[Any]:
        """The SQL text of a JSON string; NULL for every other value."""

    @abc.abstractmethod
    def number(self) -> ColumnElement[Any]:
        """The SQL number of a JSON number (PostgreSQL: exact ``numeric``); NULL otherwise."""

    @abc.abstractmethod
    def boolean(self) -> ColumnElement[Any]:
        """1 for true, 0 for false (PostgreSQL: ``boolean``); NULL otherwise."""

    @abc.abstractmethod
    def json(self) -> ColumnElement[Any]:
        """The value itself as the driver returns JSON (``jsonb`` / JSON text); NULL if absent."""

    @abc.abstractmethod
    def equals(self, value: Any) -> ColumnElement[bool]:
        """Of ``value``'s JSON type and equal to it; ``value`` is not None."""

    @abc.abstractmethod
    def compare(self, operator: Comparison, value: int | float | str) -> ColumnElement[bool]:
        """A number (string) ordered against ``value`` numerically (by code point)."""

    @abc.abstractmethod
    def one_of(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """``equals`` one of the scalars ``values`` (None: null or absent)."""

    @abc.abstractmethod
    def contains(self, value: list[Any] | dict[str, Any]) -> ColumnElement[bool]:
        """PostgreSQL's ``@>`` with a list (dict), which only an array (object) can satisfy."""

    @abc.abstractmethod
    def array_length(self) -> ColumnElement[Any]:
        """The length of an array; NULL for every other value."""

    @abc.abstractmethod
    def like(self, pattern: str, fold_case: bool) -> ColumnElement[bool]:
        """A string matching the LIKE ``pattern`` (escape ``\\``); ``fold_case`` folds A-Z only."""

    @abc.abstractmethod
    def projected(self) -> tuple[tuple[ColumnElement[Any], ...], ColumnConverter]:
        """Columns that bring the value to Python cheaply, and how a batch of them becomes the values.

        The converter takes the columns' raw values (one sequence per column, over the rows of a
        batch) and returns the JSON values as Python (absent: None), deciding per batch where it
        can, so that a column of plain strings and numbers costs no Python call per value.
        """

    def has_key(self, key: str) -> ColumnElement[bool]:
        return self.child(key).exists()

    def of_type(self, json_type: str) -> ColumnElement[bool]:
        return self.is_null() if json_type == "null" else self.has_type(json_type)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """``text`` with A-Z folded to a-z and nothing else: what ``ilike`` means on every backend."""
    return text.translate(_ASCII_LOWER)


def _json_bind(value: Any) -> ColumnElement[Any]:
    return bindparam(None, value, type_=JSONB)


class PostgresJson(JsonValue):
    """A ``jsonb`` expression; keys are followed with ``->`` (text keys never index arrays)."""

    def __init__(
        self, expression: ColumnElement[Any], parent: PostgresJson | None = None, key: str = ""
    ) -> None:
        self._expression = expression
        self._parent = parent  # the object this value was looked up in (for ``->>``)
        self._key = key

    @classmethod
    def at(cls, column: ColumnElement[Any], path: Sequence[str]) -> PostgresJson:
        value = cls(type_coerce(column, JSONB))
        for key in path:
            value = value.child(key)
        return value

    def child(self, key: str) -> PostgresJson:
        return PostgresJson(self._expression.op("->", return_type=JSONB)(literal(key, Text)), self, key)

    def _typeof(self) -> ColumnElement[str]:
        return func.jsonb_typeof(self._expression, type_=Text)

    def _text(self) -> ColumnElement[str]:
        """The value as text: a string unquoted, other values in their JSON form; NULL for null."""
        if self._parent is not None:
            return self._parent._expression.op("->>", return_type=Text)(literal(self._key, Text))
        return self._expression.op("#>>", return_type=Text)(literal_column("'{}'"))

    def has_type(self, json_type: str) -> ColumnElement[bool]:
        return self._typeof() == json_type

    def is_null(self) -> ColumnElement[bool]:
        return func.coalesce(self._typeof(), "null") == "null"

    def exists(self) -> ColumnElement[bool]:
        return self._expression.is_not(None)

    def _only(self, json_type: str, expression: ColumnElement[Any]) -> ColumnElement[Any]:
        # CASE, not AND: PostgreSQL may evaluate both sides of an AND, and a cast would fail
        return case((self.has_type(json_type), expression))

    def string(self) -> ColumnElement[Any]:
        return self._only("string", self._text())

    def number(self) -> ColumnElement[Any]:
        return self._only("number", cast(self._expression, Numeric))

    def boolean(self) -> ColumnElement[Any]:
        return self._only("boolean", cast(self._expression, Boolean))

    def json(self) -> ColumnElement[Any]:
        return self._expression

    def equals(self, value: Any) -> ColumnElement[bool]:
        if isinstance(value, str) and _text_is_unambiguous(value):
            return self._text() == literal(value, Text)  # no need to build a jsonb per row
        return self._expression == _json_bind(value)  # jsonb equality: typed, numbers by value

    def compare(self, operator: Comparison, value: int | float | str) -> ColumnElement[bool]:
        if isinstance(value, str):
            return operator(self.string().collate("C"), literal(value, Text))
        # jsonb orders two numbers as exact decimals: Python's order for values from JSON text
        return and_(operator(self._expression, _json_bind(value)), self.has_type("number"))

    def one_of(self, values: Sequence[Any]) -> ColumnElement[bool]:
        # [x] (or [null] if absent) held by the list: typed scalar equality, one parameter
        wrapped = func.jsonb_build_array(self._expression, type_=JSONB)
        return _json_bind(list(values)).op("@>", is_comparison=True)(wrapped)

    def contains(self, value: list[Any] | dict[str, Any]) -> ColumnElement[bool]:
        return self._expression.op("@>", is_comparison=True)(_json_bind(value))

    def array_length(self) -> ColumnElement[Any]:
        return self._only("array", func.jsonb_array_length(self._expression))

    def like(self, pattern: str, fold_case: bool) -> ColumnElement[bool]:
        text = self.string()
        if fold_case:  # lower() under the "C" collation folds A-Z only, whatever the locale
            text, pattern = func.lower(text.collate("C")), ascii_lower(pattern)
        return text.like(pattern)  # PostgreSQL's default escape is "\"

    def projected(self) -> tuple[tuple[ColumnElement[Any], ...], ColumnConverter]:
        return (self._typeof(), self._text()), _postgres_values


def sql_string_literal(text: str) -> ColumnElement[str]:
    """``text`` as a quoted SQL string constant (for index matching: see the module docstring)."""
    if "\x00" in text:
        raise InputValidationError(f"key {text!r} holds NUL")
    return literal_column("'" + text.replace("'", "''") + "'", Text)


class IndexedPostgresJson(PostgresJson):
    """A ``jsonb`` value on a path with declared indexes: keys written as constants, and each
    filter in the form the index was built on (``storage/sql/indexes.py`` builds the same).

    ``text_index``: a ``--type str`` index on ``(col ->> 'key') COLLATE "C"`` exists, which serves
    string equality, ranges and prefixes; otherwise the ``jsonb`` index on ``(col -> 'key')``
    serves equality of any value and ranges of numbers.
    """

    def __init__(
        self,
        expression: ColumnElement[Any],
        parent: PostgresJson | None = None,
        key: str = "",
        *,
        text_index: bool = False,
    ) -> None:
        super().__init__(expression, parent, key)
        self._text_index = text_index

    @classmethod
    def indexed_at(
        cls, column: ColumnElement[Any], path: Sequence[str], text_index: bool
    ) -> IndexedPostgresJson:
        value = cls(type_coerce(column, JSONB), text_index=text_index)
        for key in path:
            value = value.child(key)
        return value

    def child(self, key: str) -> IndexedPostgresJson:
        expression = self._expression.op("->", return_type=JSONB)(sql_string_literal(key))
        return IndexedPostgresJson(expression, self, key, text_index=self._text_index)

    def _text(self) -> ColumnElement[str]:
        if self._parent is not None:
            return self._parent._expression.op("->>", return_type=Text)(sql_string_literal(self._key))
        return super()._text()

    def _ordered_text(self) -> ColumnElement[str]:
        return self._text().collate("C")

    def equals(self, value: Any) -> ColumnElement[bool]:
        if isinstance(value, str) and self._text_index:
            same_text = self._ordered_text() == literal(value, Text)
            return same_text if _text_is_unambiguous(value) else and_(same_text, self.has_type("string"))
        return self._expression == _json_bind(value)  # the jsonb index's own expression

    def compare(self, operator: Comparison, value: int | float | str) -> ColumnElement[bool]:
        if isinstance(value, str) and self._text_index:
            return and_(operator(self._ordered_text(), literal(value, Text)), self.has_type("string"))
        return super().compare(operator, value)

    def like(self, pattern: str, fold_case: bool) -> ColumnElement[bool]:
        if fold_case or not self._text_index:
            return super().like(pattern, fold_case)
        return and_(self._ordered_text().like(pattern), self.has_type("string"))


def _text_is_unambiguous(value: str) -> bool:
    """Whether only a JSON string has ``value`` as its ``->>`` text.

    Numbers read as digits (with ``-`` and ``.``), booleans as ``true`` / ``false``, arrays and
    objects as their JSON text; JSON null reads as SQL NULL.
    """
    return value not in ("true", "false") and not value.startswith(("{", "[", "-", *"0123456789"))


def _postgres_number(text: str) -> int | float:
    """A jsonb number from its text (never an exponent): what ``json.loads`` makes of it."""
    return float(text) if "." in text else int(text)


def _postgres_value(json_type: str | None, text: str | None) -> Any:
    if text is None or json_type == "string":
        return text
    if json_type == "number":
        return _postgres_number(text)
    if json_type == "boolean":
        return text == "true"
    return json.loads(text)  # object or array


def _postgres_numbers(texts: Sequence[Any]) -> Sequence[Any]:
    if None in texts:
        return [None if text is None else _postgres_number(text) for text in texts]
    dotted = list(map(python_operator.contains, texts, repeat(".")))
    if all(dotted):
        return list(map(float, texts))
    if not any(dotted):
        return list(map(int, texts))
    return [float(text) if dot else int(text) for text, dot in zip(texts, dotted, strict=True)]


def _postgres_values(columns: Sequence[Sequence[Any]]) -> Sequence[Any]:
    """(jsonb_typeof, text) columns -> values; a column of one JSON type converts in one go."""
    types, texts = columns
    kinds = set(types) - {None, "null"}
    if kinds <= {"string"}:
        return texts
    if kinds == {"number"}:
        return _postgres_numbers(texts)
    return [_postgres_value(json_type, text) for json_type, text in zip(types, texts, strict=True)]


# How SQLite's json_type() names each JSON type (booleans are 'true' / 'false').
_SQLITE_TYPES: dict[str, tuple[str, ...]] = {
    "object": ("object",),
    "array": ("array",),
    "string": ("text",),
    "number": ("integer", "real"),
    "boolean": ("true", "false"),
    "null": ("null",),
}


def _is_plain_key(key: str) -> bool:
    """A key SQLite 3.40 finds through a quoted path step (it compares the raw JSON text)."""
    return all(" " <= char <= "~" and char not in '"\\' for char in key)


class SqliteJson(JsonValue):
    """A JSON text document plus a path of plain keys, read with SQLite's JSON functions.

    A key that SQLite cannot look up by path (non-ASCII, quotes, backslashes, control
    characters) is stepped into by ``provgraph_json_child``, which decodes keys properly.
    """

    def __init__(self, document: ColumnElement[Any], keys: tuple[str, ...] = ()) -> None:
        self._document = document
        self._keys = keys

    @classmethod
    def at(cls, column: ColumnElement[Any], path: Sequence[str]) -> SqliteJson:
        value = cls(column)
        for key in path:
            value = value.child(key)
        return value

    def child(self, key: str) -> SqliteJson:
        if _is_plain_key(key):
            return SqliteJson(self._document, (*self._keys, key))
        return SqliteJson(func.provgraph_json_child(self.json(), literal(key, Text), type_=Text))

    def _path(self) -> ColumnElement[str]:
        return literal(sqlite_json_path(self._keys), Text)

    def _type(self) -> ColumnElement[str]:
        return func.json_type(self._document, self._path(), type_=Text)

    def _extract(self) -> ColumnElement[Any]:
        return func.json_extract(self._document, self._path())

    def _selective(self, comparison: ColumnElement[bool]) -> ColumnElement[bool]:
        """The comparison of the extracted value (a declared index's class adds a planner hint)."""
        return comparison

    def has_type(self, json_type: str) -> ColumnElement[bool]:
        names = _SQLITE_TYPES[json_type]
        return self._type() == names[0] if len(names) == 1 else self._type().in_(names)

    def is_null(self) -> ColumnElement[bool]:
        return func.coalesce(self._type(), "null") == "null"

    def exists(self) -> ColumnElement[bool]:
        return self._type().is_not(None)

    def _only(self, json_type: str, expression: ColumnElement[Any]) -> ColumnElement[Any]:
        return case((self.has_type(json_type), expression))

    def string(self) -> ColumnElement[Any]:
        return self._only("string", self._extract())

    def number(self) -> ColumnElement[Any]:
        return self._only("number", self._extract())

    def boolean(self) -> ColumnElement[Any]:
        return self._only("boolean", self._extract())  # json_extract gives 1 / 0

    def json(self) -> ColumnElement[Any]:
        if not self._keys:
            return self._document
        return self._document.op("->", return_type=Text)(self._path())  # JSON text, 3.38+

    # json_extract gives a string as text, a number as integer or real, a boolean as 1 or 0, an
    # array or object as its JSON text; SQLite orders every number before every text and never
    # finds a text equal to a number. So a comparison of the extracted value needs the type
    # check (a second, cached look-up) only where a value of another type could pass it. The
    # check comes last: SQLite then looks up the type only for rows the comparison let through.

    def equals(self, value: Any) -> ColumnElement[bool]:
        if isinstance(value, bool):
            return self._type() == ("true" if value else "false")
        if is_number(value):
            same_number = self._selective(self._extract() == literal(value))
            return same_number if value not in (0, 1) else and_(same_number, self.has_type("number"))
        if isinstance(value, str):
            same_text = self._selective(self._extract() == literal(value, Text))
            # only an array or object has extracted text starting with [ or {
            return and_(same_text, self.has_type("string")) if value.startswith(("[", "{")) else same_text
        kind = "array" if isinstance(value, list) else "object"
        same = func.provgraph_json_equal(self.json(), literal(json_dumps(value), Text))
        return and_(self.has_type(kind), same == 1)

    def compare(self, operator: Comparison, value: int | float | str) -> ColumnElement[bool]:
        # BINARY collation on UTF-8 is code-point order; SQLite compares integer and real exactly
        if isinstance(value, str):
            return and_(
                self._selective(operator(self._extract(), literal(value, Text))), self.has_type("string")
            )
        compared = self._selective(operator(self._extract(), literal(value)))
        below_every_text = operator in (python_operator.lt, python_operator.le)
        passes_a_boolean = operator(0, value) or operator(1, value)
        if below_every_text and not passes_a_boolean:
            return compared
        return and_(compared, self.has_type("number"))

    def one_of(self, values: Sequence[Any]) -> ColumnElement[bool]:
        numbers = [value for value in values if is_number(value)]
        strings = [value for value in values if isinstance(value, str)]
        conditions: list[ColumnElement[bool]] = []
        for kind, members in (("number", numbers), ("string", strings)):
            if members:
                each = func.json_each(literal(json_dumps(members), Text)).table_valued("value")
                conditions.append(and_(self.has_type(kind), self._extract().in_(select(each.c.value))))
        for flag in (True, False):
            if any(value is flag for value in values):
                conditions.append(self.equals(flag))
        if any(value is None for value in values):
            conditions.append(self.is_null())
        return or_(*conditions)

    def contains(self, value: list[Any] | dict[str, Any]) -> ColumnElement[bool]:
        kind = "array" if isinstance(value, list) else "object"
        held = func.provgraph_json_contains(self.json(), literal(json_dumps(value), Text))
        return and_(self.has_type(kind), held == 1)

    def array_length(self) -> ColumnElement[Any]:
        return self._only("array", func.json_array_length(self._document, self._path()))

    def like(self, pattern: str, fold_case: bool) -> ColumnElement[bool]:
        text = self.string()
        if fold_case:  # SQLite's own lower() folds A-Z only
            text, pattern = func.lower(text), ascii_lower(pattern)
        return text.like(pattern, escape="\\")

    def projected(self) -> tuple[tuple[ColumnElement[Any], ...], ColumnConverter]:
        if not self._keys:  # the document itself: a column, or a key only provgraph_json_child finds
            return (type_coerce(self._document, Text),), _json_documents
        # json_extract gives strings and numbers as they are; the code column is NULL for them
        # and says what the others are: t / f (booleans, extracted as 1 / 0), j (arrays and
        # objects, extracted as JSON text), or an integer's JSON text where it overflows 64 bits
        # (extracted as a real)
        overflow = case((func.typeof(self._extract()) == "real", self.json()))
        code = case(
            {"true": literal_column("'t'"), "false": literal_column("'f'"), "object": literal_column("'j'"),
             "array": literal_column("'j'"), "integer": overflow},
            value=self._type(),
        )  # fmt: skip
        return (type_coerce(self._extract(), NullType()), type_coerce(code, Text)), _sqlite_values


class IndexedSqliteJson(SqliteJson):
    """A JSON value on a path with a declared index: the path written as a constant, so that
    ``json_extract(attributes, '$."energy"')`` is the very expression the index was built on."""

    @classmethod
    def indexed_at(cls, column: ColumnElement[Any], path: Sequence[str]) -> IndexedSqliteJson:
        return cls(column, tuple(path))

    def child(self, key: str) -> SqliteJson:
        if _is_plain_key(key):
            return IndexedSqliteJson(self._document, (*self._keys, key))
        return super().child(key)

    def _path(self) -> ColumnElement[str]:
        return sql_string_literal(sqlite_json_path(self._keys))

    def _selective(self, comparison: ColumnElement[bool]) -> ColumnElement[bool]:
        """``likelihood(comparison, 0.01)``: SQLite has no histograms (Python's build lacks STAT4)
        and guesses a range keeps a quarter of the rows per bound; it would then rather scan
        the table in id order for a ``LIMIT`` than look the values up. A path someone declared
        an index on is one they filter on selectively: the hint says so. SQLite still uses the
        index (it looks through ``likelihood``), and the result is the comparison's."""
        # typeless: a Boolean would be written ``likelihood(...) = 1``, which SQLite no longer sees through
        return func.likelihood(comparison, literal_column("0.01"), type_=NullType())


def sqlite_json_path(keys: Sequence[str]) -> str:
    """SQLite's JSON path of plain ``keys``: ``$."a"."b"``."""
    return "$" + "".join(f'."{key}"' for key in keys)


def _json_documents(columns: Sequence[Sequence[Any]]) -> Sequence[Any]:
    return list(map(decode_json, columns[0]))


def _sqlite_value(value: Any, code: str) -> Any:
    if code == "t":
        return True
    if code == "f":
        return False
    return json.loads(value if code == "j" else code)


def _sqlite_values(columns: Sequence[Sequence[Any]]) -> Sequence[Any]:
    """(json_extract, code) columns -> values; without codes the extracted values are the values."""
    values, codes = columns
    if not any(codes):
        return values
    return [
        value if code is None else _sqlite_value(value, code)
        for value, code in zip(values, codes, strict=True)
    ]


def check_json_path(path: Sequence[str]) -> None:
    """Refuse keys no database can look up (not strings, or holding NUL), before any SQL."""
    for key in path:
        if not isinstance(key, str) or "\x00" in key:
            raise InputValidationError(f"JSON path {list(path)!r}: key {key!r} must be a string without NUL")


class JsonDialect(Protocol):
    """What :func:`json_value` needs of a dialect object (``storage/sql/dialects`` builds on this
    module, so it is named by what it does, not imported)."""

    def json_value(self, column: ColumnElement[Any], path: Sequence[str]) -> JsonValue: ...


def json_value(column: ColumnElement[Any], path: Sequence[str], dialect: JsonDialect) -> JsonValue:
    """The value at ``path`` (keys) inside JSON ``column``, as ``dialect`` reads it."""
    check_json_path(path)
    return dialect.json_value(column, path)
