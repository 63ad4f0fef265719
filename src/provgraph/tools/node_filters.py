"""The filter language of the listings and the explorer: ``--type``, ``--where``, ``--project``, times.

The command line (``node list``) and the explorer's search (``/search?type=...&where=...``) read
the same language through these parsers. Each parser refuses what it cannot read, and says so
in terms of the option the user typed (``--type``, ``--where``, ``--project``), so a typo is an
error and never an empty result:

>>> parse_where("attributes.value>2").as_filter()
{'attributes.value': {'>': 2}}
>>> parse_where("attributes.value >> 2")
Traceback (most recent call last):
...
provgraph.exceptions.InputValidationError: cannot read --where 'attributes.value >> 2' at position 19: ...

``--where`` reads ``FIELD OPERATOR VALUE``. FIELD is a node column or a dotted path into
``attributes`` / ``extras``; VALUE is JSON (``5``, ``2.5``, ``true``, ``null``, ``"text"``,
``[1, 2]``), ``'single-quoted text'``, or plain text; a VALUE that starts with an operator
character (``= < > !``) must be quoted, because it is almost always a mistyped operator. ``ctime``
and ``mtime`` compare with dates, date-times (local time unless an offset is given) and times ago
(``-3d``). ``--type`` takes a class name (``Int``, ``orm.Int``), an entry-point name
(``core.int``, ``aiida.data:core.int``) or a node_type string or prefix (``data.core.int.Int.``,
``process.calculation``); :func:`resolve_node_type` turns it into a class and filters for the
QueryBuilder, with subclasses included as the QueryBuilder does for classes.

Only the standard library is imported here at module level; resolving a type imports the ORM
inside the function (``provgraph X --help`` stays light).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = [
    "AIIDA_ONLY_DATA_TYPES",
    "NODE_COLUMNS",
    "PROJECT_HELP",
    "TYPE_HELP",
    "WHERE_HELP",
    "NodeTypeSelection",
    "WhereClause",
    "field_name",
    "parse_projection",
    "parse_time",
    "parse_where",
    "resolve_node_type",
]

#: The node columns a filter or projection may name, as the user spells them -> the column.
NODE_COLUMNS = {
    "pk": "id",
    "id": "id",
    "uuid": "uuid",
    "node_type": "node_type",
    "process_type": "process_type",
    "label": "label",
    "description": "description",
    "ctime": "ctime",
    "mtime": "mtime",
    "user": "user_id",
    "user_id": "user_id",
    "computer": "dbcomputer_id",
    "dbcomputer_id": "dbcomputer_id",
}
_JSON_ROOTS = ("attributes", "extras")
_INT_COLUMNS = {"id", "user_id", "dbcomputer_id"}
_TIME_COLUMNS = {"ctime", "mtime"}

#: Symbolic operators -> the QueryBuilder's, longest first so that ``>=`` is not read as ``>``.
_SYMBOLS = {"==": "==", "!=": "!==", ">=": ">=", "<=": "<=", "=": "==", ">": ">", "<": "<"}
_SYMBOL_ORDER = sorted(_SYMBOLS, key=len, reverse=True)
#: Word operators (each may be negated with a leading ``!``).
_WORDS = ("like", "ilike", "in", "has_key", "contains", "of_type", "of_length", "longer", "shorter")
_JSON_ONLY = {"has_key", "contains", "of_type", "of_length", "longer", "shorter"}
_ORDERING = {">", "<", ">=", "<="}
_JSON_TYPES = ("object", "array", "string", "number", "boolean", "null")
_OPERATOR_START = "=<>!"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PATH_KEY = re.compile(r"[^\s.=!<>]+")
_WORD = re.compile(r"!?[A-Za-z_]+")
_AGO = re.compile(r"^-\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>[smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

WHERE_HELP = """\
Filter: FIELD OPERATOR VALUE; repeat to AND several. FIELD is a column (pk, uuid, label,
description, node_type, process_type, ctime, mtime, user, computer) or attributes.PATH /
extras.PATH. OPERATOR is one of == = != < <= > >= or the words like ilike in has_key
contains of_type of_length longer shorter (prefix ! to negate). VALUE is JSON (5, 2.5, true,
null, "text", [1, 2]), 'single-quoted text' or plain text; quote a number to compare it as
text in attributes/extras, and quote text that starts with = < > or !. ctime/mtime take a
date (2020-01-01), a local date and time (2020-01-01T10:00, +02:00 or Z for another zone)
or a time ago (-3d; units s m h d w). Examples: 'attributes.value>2', 'label like calc%',
'extras.tag == "done"', 'attributes.kinds of_length 2', 'ctime>=2020-01-01', 'mtime>-3d'.
"""

TYPE_HELP = """\
Node type, subclasses included: a class name (Int, orm.Int, CalcFunctionNode, ProcessNode,
Data), an entry point (core.int, core.array.bands, aiida.data:core.int) or a node_type string
or prefix (data.core.int.Int., data.core.array, process.calculation, process.).
"""

PROJECT_HELP = (
    "Comma-separated fields to show: columns (pk, uuid, label, ctime, ...) or attributes.PATH / extras.PATH."
)


# -- fields -------------------------------------------------------------------------------------


def field_name(text: str, option: str = "--where") -> str:
    """The QueryBuilder's name of a field as the user spells it: ``pk`` -> ``id``.

    ``attributes.PATH`` and ``extras.PATH`` stay as they are. An unknown name raises
    ``InputValidationError`` naming ``option`` and the closest known names.

    >>> field_name("pk"), field_name("attributes.value")
    ('id', 'attributes.value')
    """
    root, _, path = text.partition(".")
    if root in _JSON_ROOTS:
        if not path or any(not _PATH_KEY.fullmatch(key) for key in path.split(".")):
            where = f" in {option}" if option else ""
            raise InputValidationError(
                f"field {text!r}{where} needs a key path after {root}, e.g. {root}.value or {root}.a.b"
            )
        return text
    if text in NODE_COLUMNS:
        return NODE_COLUMNS[text]
    known = [*NODE_COLUMNS, "attributes.PATH", "extras.PATH"]
    hint = _did_you_mean(text, known) or f"; use one of {', '.join(known)}"
    where = f" in {option}" if option else ""
    raise InputValidationError(f"unknown field {text!r}{where}{hint}")


def parse_projection(spec: str, option: str = "--project") -> list[str]:
    """The fields of a comma-separated ``--project`` value, each checked (errors name ``option``).

    >>> parse_projection("pk, label,attributes.value")
    ['pk', 'label', 'attributes.value']
    """
    names = [name.strip() for name in spec.split(",") if name.strip()]
    if not names:
        raise InputValidationError(f"{option} needs at least one field, e.g. {option} pk,label")
    for name in names:
        field_name(name, option)
    return names


# -- --where ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhereClause:
    """One parsed ``--where`` expression: the field as typed, the QueryBuilder operator, the value."""

    field: str
    operator: str
    value: Any

    def as_filter(self) -> dict[str, Any]:
        """The QueryBuilder filter ``{field: {operator: value}}``."""
        return {field_name(self.field): {self.operator: self.value}}


class _Unreadable(Exception):
    """A parse error at a 0-based position of the expression."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


def parse_where(expression: str, option: str = "--where") -> WhereClause:
    """Parse ``FIELD OPERATOR VALUE``, or raise ``InputValidationError`` saying where it went wrong.

    The position in the message counts characters from 1.

    >>> parse_where("label like 'calc%'").as_filter()
    {'label': {'like': 'calc%'}}
    >>> parse_where("pk != 3").as_filter()
    {'id': {'!==': 3}}
    """
    try:
        return _Parser(expression, option).clause()
    except _Unreadable as exc:
        raise InputValidationError(
            f"cannot read {option} {expression!r} at position {exc.position + 1}: {exc.message}"
        ) from None


class _Parser:
    """A left-to-right reader of one ``--where`` expression, keeping the position for messages."""

    def __init__(self, text: str, option: str) -> None:
        self.text = text
        self.option = option
        self.position = 0

    def skip_space(self) -> bool:
        start = self.position
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1
        return self.position > start

    def clause(self) -> WhereClause:
        self.skip_space()
        start = self.position
        name = self.field()
        column = self.column(name, start)
        self.skip_space()
        operator_at = self.position
        operator = self.operator()
        self.skip_space()
        value_at = self.position
        raw = self.text[value_at:].rstrip()
        if not raw:
            raise _Unreadable(value_at, "missing value after the operator (write FIELD OPERATOR VALUE)")
        base = operator.lstrip("!")
        if column is not None and base in _JSON_ONLY:
            raise _Unreadable(
                operator_at, f"{base!r} applies to attributes.PATH and extras.PATH only, not to {name!r}"
            )
        if column in _TIME_COLUMNS:
            return WhereClause(name, operator, self.time_value(name, base, raw, operator_at, value_at))
        value = self.value(raw, value_at, text_column=column is not None and column not in _INT_COLUMNS)
        self.check(WhereClause(name, operator, value), column, raw, value_at)
        if base in {"has_key", "of_type"} and not _quoted(raw):
            value = raw  # a key or a type name is text, even when it looks like a number
        return WhereClause(name, operator, value)

    def field(self) -> str:
        match = _IDENTIFIER.match(self.text, self.position)
        if match is None:
            raise _Unreadable(
                self.position,
                "expected a field name such as label or attributes.value (write FIELD OPERATOR VALUE, "
                "e.g. 'attributes.x>5'; see provgraph node list --help)",
            )
        self.position = match.end()
        while self.position < len(self.text) and self.text[self.position] == ".":
            key = _PATH_KEY.match(self.text, self.position + 1)
            if key is None:
                raise _Unreadable(self.position + 1, "expected a key after '.'")
            self.position = key.end()
        return self.text[match.start() : self.position]

    def column(self, name: str, start: int) -> str | None:
        """The column ``name`` names, None for a JSON path; unknown names are refused at ``start``."""
        try:
            resolved = field_name(name, "")
        except InputValidationError as exc:
            raise _Unreadable(start, str(exc)) from None
        return None if name.partition(".")[0] in _JSON_ROOTS else resolved

    def operator(self) -> str:
        at = self.position
        for symbol in _SYMBOL_ORDER:
            if self.text.startswith(symbol, at):
                self.position = at + len(symbol)
                return _SYMBOLS[symbol]
        match = _WORD.match(self.text, at)
        if match is None or at == 0 or not self.text[at - 1].isspace():
            found = f"found {self.text[at]!r}" if at < len(self.text) else "found the end"
            raise _Unreadable(
                at,
                f"expected an operator ({' '.join(_SYMBOLS)} or a word such as like, in, has_key), {found} "
                "(write FIELD OPERATOR VALUE, e.g. 'attributes.x>5'; see provgraph node list --help)",
            )
        word = match[0].lower()
        if word.lstrip("!") not in _WORDS:
            close = _did_you_mean(word.lstrip("!"), _WORDS)
            raise _Unreadable(
                at, f"unknown operator {match[0]!r}{close or '; use one of ' + ', '.join(_WORDS)}"
            )
        self.position = match.end()
        if self.position < len(self.text) and not self.text[self.position].isspace():
            raise _Unreadable(self.position, f"expected a space after the operator {match[0]!r}")
        return word

    def value(self, raw: str, at: int, *, text_column: bool) -> Any:
        first = raw[0]
        if first in _OPERATOR_START:
            raise _Unreadable(
                at,
                f"a value cannot start with {first!r}: is the operator mistyped? "
                f'Quote a text value that starts with {first!r}, e.g. "{raw}"',
            )
        if first == "'":
            if len(raw) < 2 or raw[-1] != "'":
                raise _Unreadable(at, "the quote ' is not closed (write 'text')")
            return raw[1:-1]
        if first in '"[{':
            try:
                value, end = json.JSONDecoder().raw_decode(raw)
            except json.JSONDecodeError as exc:
                raise _Unreadable(at + exc.pos, f"not valid JSON: {exc.msg}") from None
            rest = raw[end:]
            if rest.strip():
                extra = at + end + len(rest) - len(rest.lstrip())
                raise _Unreadable(extra, f"unexpected text after the value: {rest.strip()!r}")
            return value
        if text_column and raw != "null":
            return raw  # label == 5 means the label "5"
        try:
            parsed = json.loads(raw)
        except ValueError:
            return raw
        if isinstance(parsed, float) and not _finite(parsed):
            raise _Unreadable(at, f"{raw!r} is no number a database can compare with")
        return parsed

    def check(self, clause: WhereClause, column: str | None, raw: str, at: int) -> None:
        """Refuse a value the operator cannot take, before any query is built."""
        base = clause.operator.lstrip("!")
        problem = _value_problem(base, raw, clause.value, clause.field)
        if problem is None and column is not None:
            values = clause.value if base == "in" else [clause.value]
            items = [item for item in values if item is not None]
            if column in _INT_COLUMNS and base != "like" and not all(map(_is_int, items)):
                problem = f"{clause.field} is a whole number, e.g. {clause.field} == 12"
            elif column not in _INT_COLUMNS and not all(isinstance(item, str) for item in items):
                problem = f'{clause.field} is text: write the list as ["a", "b"]'
        if problem is not None:
            raise _Unreadable(at, problem)

    def time_value(self, name: str, base: str, raw: str, operator_at: int, at: int) -> datetime:
        if base not in _ORDERING:
            raise _Unreadable(
                operator_at, f"compare {name} with < <= > >=, e.g. '{name}>=2020-01-01' or '{name}>-3d'"
            )
        text = raw[1:-1] if _quoted(raw) else raw
        try:
            return parse_time(text)
        except InputValidationError as exc:
            raise _Unreadable(at, str(exc)) from None


def _value_problem(base: str, raw: str, value: Any, name: str) -> str | None:
    """What is wrong with ``value`` for the operator ``base`` (not negated), or None."""
    wrong: dict[str, tuple[bool, str]] = {
        "in": (
            not isinstance(value, list) or not value or any(isinstance(item, (list, dict)) for item in value),
            '\'in\' needs a non-empty JSON list of plain values, e.g. [1, 2] or ["a", "b"]',
        ),
        "like": (
            not isinstance(value, str),
            "'like' takes a text pattern (% any run, _ one character); quote it",
        ),
        "ilike": (
            not isinstance(value, str),
            "'ilike' takes a text pattern (% any run, _ one character); quote it",
        ),
        "contains": (
            not isinstance(value, (list, dict)),
            "'contains' takes a JSON list or object, e.g. [1, 2] or {\"a\": 1}",
        ),
        "of_type": (
            (value if _quoted(raw) else raw) not in _JSON_TYPES,
            f"'of_type' takes one of {', '.join(_JSON_TYPES)}",
        ),
    }
    for length in ("of_length", "longer", "shorter"):
        wrong[length] = (
            not _is_int(value) or value < 0,
            f"{length!r} takes a whole number, e.g. '{name} {length} 2'",
        )
    for ordering in _ORDERING:
        wrong[ordering] = (
            value is None or isinstance(value, (bool, list, dict)),
            f"{ordering!r} compares numbers or text, not {raw}",
        )
    failed, message = wrong.get(base, (False, ""))
    return message if failed else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _quoted(raw: str) -> bool:
    return len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\""


def _finite(value: float) -> bool:
    return value - value == 0.0


# -- times --------------------------------------------------------------------------------------


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """A time-zone-aware moment for a date, a date and time, or a time ago.

    ``2020-01-01`` is local midnight, ``2020-01-01T10:00`` local time unless it carries an offset
    (``+02:00``, ``Z``); ``-3d`` is three days before ``now`` (units s, m, h, d, w); ``now``,
    ``today`` and ``yesterday`` are understood too.

    >>> parse_time("2020-01-01T10:00Z").isoformat()
    '2020-01-01T10:00:00+00:00'
    >>> start = datetime(2020, 1, 10, tzinfo=timezone.utc)
    >>> parse_time("-3d", now=start).isoformat()
    '2020-01-07T00:00:00+00:00'
    """
    moment_now = now or datetime.now(timezone.utc)
    cleaned = text.strip()
    ago = _AGO.match(cleaned)
    if ago is not None:
        return moment_now - timedelta(**{_UNITS[ago["unit"]]: float(ago["amount"])})
    word = cleaned.lower()
    if word == "now":
        return moment_now
    if word in {"today", "yesterday"}:
        midnight = moment_now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - timedelta(days=1 if word == "yesterday" else 0)
    iso = cleaned[:-1] + "+00:00" if cleaned[-1:] in {"Z", "z"} else cleaned
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise InputValidationError(
            f"{text!r} is not a time: give a date (2020-01-01), a date and time "
            "(2020-01-01T10:00, local unless +02:00 or Z is added) or a time ago (-3d; units s, m, h, d, w)"
        ) from None
    return moment if moment.tzinfo is not None else moment.astimezone()


# -- --type -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeTypeSelection:
    """What a ``--type`` value selects: the class to append to a QueryBuilder, and extra filters.

    A class (``Int``) selects itself and its subclasses through the QueryBuilder; a prefix no
    class owns (``data.core``) selects ``Node`` with a ``node_type LIKE 'data.core.%'`` filter;
    a process entry point (``aiida.calculations:core.arithmetic.add``) selects ``ProcessNode``
    with its ``process_type``.
    """

    text: str
    node_class: type[Node]
    filters: Mapping[str, Any] = field(default_factory=dict)
    #: The node_type prefix (ending with '.') of a selection by prefix alone, else None.
    prefix: str | None = None


@dataclass(frozen=True)
class _Target:
    node_type: str | None = None  # a registered class's node_type
    prefix: str | None = None  # a node_type prefix ending with '.'
    process_type: str | None = None


def resolve_node_type(
    text: str, option: str = "--type", present: Callable[[], Iterable[str]] | None = None
) -> NodeTypeSelection:
    """The selection a ``--type`` value names; ``InputValidationError`` with close spellings if none.

    ``present`` (optional) gives the node_type strings stored in the profile, consulted only
    when the name is not known to the installed classes and entry points (a plugin that is not
    installed): its node types and their prefixes are then accepted too.

    >>> resolve_node_type("core.int").node_class.__name__
    'Int'
    >>> resolve_node_type("data.core").filters
    {'node_type': {'like': 'data.core.%'}}
    """
    from provgraph.orm.nodes.types import registered_node_types

    wanted = text.strip()
    registry = registered_node_types()
    table = _registry_spellings(registry)
    table.update({key: value for key, value in _aiida_only_spellings().items() if key not in table})
    target = _lookup(table, wanted)
    if target is None:
        table.update({key: value for key, value in _entry_point_spellings().items() if key not in table})
        target = _lookup(table, wanted)
    if target is None and present is not None:
        table.update({key: value for key, value in _stored_spellings(present()).items() if key not in table})
        target = _lookup(table, wanted)
    if target is None:
        spellings = {spelling for spelling, _ in table.values()}
        hint = _did_you_mean(wanted, spellings) or (
            "; give a class name (Int, Dict, CalcFunctionNode), an entry point (core.int) "
            "or a node_type prefix (data.core.array, process.calculation)"
        )
        raise InputValidationError(f"unknown type {wanted!r} in {option}{hint}")
    return _selection(wanted, target, registry)


def _lookup(table: Mapping[str, tuple[str, _Target]], wanted: str) -> _Target | None:
    """The target of ``wanted``, with or without a trailing dot (``process`` is ``process.``)."""
    lowered = wanted.lower()
    for candidate in (lowered, lowered.rstrip(".") + ".", lowered.rstrip(".")):
        entry = table.get(candidate)
        if entry is not None and candidate not in {"", "."}:
            return entry[1]
    return None


def _selection(text: str, target: _Target, registry: Mapping[str, type[Node]]) -> NodeTypeSelection:
    from provgraph.orm.querybuilder.type_filters import escape_like

    base = registry[""]
    if target.node_type is not None:
        return NodeTypeSelection(text, registry[target.node_type])
    if target.process_type is not None:
        process = next(cls for node_type, cls in registry.items() if node_type == "process.ProcessNode.")
        return NodeTypeSelection(text, process, {"process_type": {"==": target.process_type}})
    assert target.prefix is not None
    return NodeTypeSelection(
        text, base, {"node_type": {"like": escape_like(target.prefix) + "%"}}, prefix=target.prefix
    )


Spellings = dict[str, tuple[str, _Target]]
"""Lower-cased spelling -> (the spelling as shown in suggestions, what it selects)."""


def _add(table: Spellings, spelling: str, target: _Target) -> None:
    table.setdefault(spelling.lower(), (spelling, target))


def _prefixes(node_type: str) -> list[str]:
    """``data.core.int.Int.`` -> ``data.``, ``data.core.``, ``data.core.int.``."""
    parts = node_type.rstrip(".").split(".")
    return [".".join(parts[:count]) + "." for count in range(1, len(parts))]


def _registry_spellings(registry: Mapping[str, type[Node]]) -> Spellings:
    """Every spelling of the registered node classes: names, entry points, node_types, prefixes."""
    from provgraph.orm.nodes.types import class_for_query_prefix, query_prefix

    table: Spellings = {}
    for node_type, cls in registry.items():
        target = _Target(node_type=node_type)
        name = cls.__name__
        for spelling in (name, f"orm.{name}", f"aiida.orm.{name}", f"provgraph.orm.{name}"):
            _add(table, spelling, target)
        _add(table, f"{cls.__module__}.{cls.__qualname__}", target)
        if not node_type:
            continue
        _add(table, node_type, target)
        parts = node_type.rstrip(".").split(".")
        if parts[0] == "data" and len(parts) > 2:
            entry_point = ".".join(parts[1:-1])
            for spelling in (entry_point, f"aiida.data:{entry_point}", f"provgraph.data:{entry_point}"):
                _add(table, spelling, target)
        node_entry_point = ".".join(parts[:-1])
        for group in ("aiida.node", "provgraph.node"):
            _add(table, f"{group}:{node_entry_point}", target)
    for node_type in registry:
        for prefix in _prefixes(node_type):
            owner = class_for_query_prefix(prefix)
            if owner is not None and query_prefix(owner.class_node_type) == prefix:
                _add(table, prefix, _Target(node_type=owner.class_node_type))
            else:
                _add(table, prefix, _Target(prefix=prefix))
    return table


#: aiida-core's data types that provgraph has no class for (entry point -> class name): nodes of
#: these types load as their closest ancestor, and ``--type`` finds them by name all the same.
AIIDA_ONLY_DATA_TYPES = {
    "core.array.bands": "BandsData",
    "core.array.kpoints": "KpointsData",
    "core.array.projection": "ProjectionData",
    "core.array.trajectory": "TrajectoryData",
    "core.code": "Code",
    "core.orbital": "OrbitalData",
    "core.upf": "UpfData",
}


def _aiida_only_spellings() -> Spellings:
    from provgraph.orm.nodes.types import query_prefix

    table: Spellings = {}
    for entry_point, name in AIIDA_ONLY_DATA_TYPES.items():
        node_type = f"data.{entry_point}.{name}."
        target = _Target(prefix=query_prefix(node_type))
        for spelling in (entry_point, f"aiida.data:{entry_point}", f"provgraph.data:{entry_point}"):
            _add(table, spelling, target)
        for spelling in (name, f"orm.{name}", f"aiida.orm.{name}", node_type):
            _add(table, spelling, target)
    return table


def _entry_point_spellings() -> Spellings:
    """Plugins' entry points (read from package metadata, nothing imported)."""
    from provgraph.orm.entry_points import get_entry_points

    table: Spellings = {}
    for entry in get_entry_points("provgraph.data"):
        target = _Target(prefix=f"data.{entry.name}.")
        for spelling in (entry.name, f"aiida.data:{entry.name}", f"provgraph.data:{entry.name}"):
            _add(table, spelling, target)
    for kind in ("calculations", "workflows"):
        for entry in get_entry_points(f"provgraph.{kind}"):
            target = _Target(process_type=f"aiida.{kind}:{entry.name}")
            for spelling in (entry.name, f"aiida.{kind}:{entry.name}", f"provgraph.{kind}:{entry.name}"):
                _add(table, spelling, target)
    return table


def _stored_spellings(node_types: Iterable[str]) -> Spellings:
    """Spellings for node_types found in the storage: each string, its prefixes, its class name."""
    from provgraph.orm.nodes.types import query_prefix

    table: Spellings = {}
    for node_type in node_types:
        if not node_type or not node_type.endswith("."):
            continue
        own = _Target(prefix=query_prefix(node_type))
        _add(table, node_type, own)
        _add(table, node_type.rstrip(".").rsplit(".", 1)[-1], own)
        for prefix in _prefixes(node_type):
            _add(table, prefix, _Target(prefix=prefix))
    return table


def _did_you_mean(wanted: str, spellings: Iterable[str]) -> str:
    """``"; did you mean 'A', 'B'?"`` for the spellings closest to ``wanted``, or ``""``."""
    by_lower: dict[str, str] = {}
    for spelling in sorted(spellings):
        by_lower.setdefault(spelling.lower(), spelling)
    close = difflib.get_close_matches(wanted.lower(), list(by_lower), n=3, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + ", ".join(repr(by_lower[item]) for item in close) + "?"
