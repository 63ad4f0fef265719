"""The words of declared attribute indexes, shared by the storage and the command line.

Kept apart from ``provgraph.storage.indexes`` so that ``provgraph storage index --help`` can offer
the choices without importing the storage.
"""

from __future__ import annotations

__all__ = ["INDEX_KINDS", "INDEX_TYPE_ALIASES", "INDEX_VALUE_TYPES"]

INDEX_KINDS = ("btree", "gin")
"""``btree``: equality and ranges; ``gin`` (PostgreSQL only): containment (``contains``)."""

INDEX_VALUE_TYPES = ("str", "int", "float", "number", "bool")
"""What the values at the path are. SQLite indexes every type in one expression; on PostgreSQL
``str`` builds a text index in code-point order (equality, ranges and ``like`` prefixes of
strings) and the others the ``jsonb`` value itself (equality of any value, ranges of numbers)."""

INDEX_TYPE_ALIASES = {"text": "str", "string": "str", "integer": "int", "real": "float", "boolean": "bool"}
"""Other spellings of :data:`INDEX_VALUE_TYPES` that ``--type`` takes."""
