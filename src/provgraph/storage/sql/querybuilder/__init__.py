"""Compile a QueryBuilder query description into one SQLAlchemy Core SELECT, per dialect.

The package itself imports nothing: the dialect objects (``storage/sql/dialects``) build on
``json_paths`` here while the compiler modules build on them, and a package ``__init__`` that
imported the compiler would run whenever a dialect reached for ``json_paths``. Import the
modules: ``compiler.QueryCompiler``, ``operators.compile_operator``, ...
"""
