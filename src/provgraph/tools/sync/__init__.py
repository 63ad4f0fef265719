"""Incremental sync between two profiles: ``provgraph sync push|pull``.

A researcher works on a laptop profile (``core.sqlite_dos``) and shares with the group's server
(``core.psql_dos``): each sync sends only what the other side lacks, by the rules of archive
import, resumable after a kill and cheap when nothing changed. See :mod:`.run` for the flow,
:mod:`.cursor` for how "what changed" is found, :mod:`.plan` and :mod:`.writer` for the steps.

>>> from provgraph.tools.sync import sync_profiles
>>> sync_profiles("laptop", "group-server").table()  # doctest: +SKIP
[('Users', 0, 1), ('Nodes', 1000, 0), ('Links', 2000, 0)]
"""

from provgraph.tools.sync.run import SyncSummary, open_profile_storage, sync_profiles, sync_storages

__all__ = ["SyncSummary", "open_profile_storage", "sync_profiles", "sync_storages"]
