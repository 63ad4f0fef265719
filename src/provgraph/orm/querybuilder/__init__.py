"""The QueryBuilder: aiida-core's query API, building a description the storage compiles.

``builder`` holds the public class; ``type_filters`` turns classes into type filters, ``path``
knows tags and relationships, ``normalise`` puts filters, projections and orderings into the
description's form, ``results`` turns rows into ORM entities. See docs/querybuilder.md.
"""

from provgraph.orm.querybuilder.builder import QueryBuilder

__all__ = ["QueryBuilder"]
