"""Alembic migrations of the SQL schema, shared by both SQL backends (revision ids are AiiDA's)."""
