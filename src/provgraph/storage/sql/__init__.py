"""The SQL implementation shared by the SQL backends (SQLAlchemy 2 Core, AiiDA's tables).

Modules: ``tables`` (layout), ``types`` (dialect-neutral column types), ``engines`` (SQLite and
PostgreSQL engines), ``migrator`` + ``migrations/`` (alembic), ``store`` (transactions and row
operations), ``summary`` (entity counts), ``location`` + ``dos`` + ``backend`` (a database
paired with a disk-objectstore container, as one ``StorageBackend``).
"""
