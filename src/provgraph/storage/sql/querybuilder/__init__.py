"""Compile a QueryBuilder query description into one SQLAlchemy Core SELECT, per dialect."""

from provgraph.storage.sql.querybuilder.operators import (
    FilterTarget,
    compile_json_order_keys,
    compile_json_projection,
    compile_operator,
)

__all__ = ["FilterTarget", "compile_json_order_keys", "compile_json_projection", "compile_operator"]
