"""The QueryBuilder: aiida-core's query API, building a description the storage compiles.

``builder`` holds the public class; ``type_filters`` turns classes into type filters, ``path``
knows tags and relationships, ``normalise`` puts filters, projections and orderings into the
description's form, ``results`` turns rows into ORM entities; ``classifiers`` gives aiida's
classifier helpers (``Classifier``, ``_get_ormclass``, ...). See docs/querybuilder.md.
"""

from provgraph.orm.querybuilder.builder import QueryBuilder
from provgraph.orm.querybuilder.classifiers import (
    Classifier,
    _get_group_type_filter,
    _get_node_type_filter,
    _get_ormclass,
)

__all__ = ["Classifier", "QueryBuilder", "_get_group_type_filter", "_get_node_type_filter", "_get_ormclass"]
