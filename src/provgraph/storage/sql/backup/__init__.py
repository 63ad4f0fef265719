"""Online backups of the ``*_dos`` storages and their restore (see ``run.py`` for the why).

``run`` orchestrates; ``database`` is the part each backend supplies (``sqlite_dos/backup.py``,
``psql_dos/backup.py``); ``container`` copies a disk-objectstore container that is being written;
``files`` copies and hard-links with sha256; ``folders`` keeps the destination's folders;
``checks`` vets a restored storage before it is moved into place.
"""
