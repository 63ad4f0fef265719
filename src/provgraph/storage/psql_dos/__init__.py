"""``core.psql_dos``: PostgreSQL + disk-objectstore."""
