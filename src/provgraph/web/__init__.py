"""The read-only web explorer: a Starlette app that shows one storage's nodes, groups and processes.

``provgraph explore`` serves :func:`create_app`; every page is plain server-rendered HTML, and
nothing here ever writes to the storage it is given.
"""

from __future__ import annotations

from provgraph.web.app import create_app

__all__ = ["create_app"]
