"""A small graph on each SQL backend (the quickstart workflow, a node with files, an XSS probe)
and the explorer over it, driven by Starlette's TestClient, on the storage opened read-only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from tests.web.explorer_graph import PNG, XSS_LABEL, Explored

from provgraph import orm
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.provenance.example import record_example_workflow
from provgraph.web import create_app


@pytest.fixture
def explored(registered_profile: Profile) -> Iterator[Explored]:
    workflow = record_example_workflow()
    folder = orm.FolderData()
    folder.base.repository.put_object_from_bytes(b"hello <b>world</b>\n", "notes/readme.txt")
    folder.base.repository.put_object_from_bytes(PNG, "plot.png")
    folder.base.repository.put_object_from_bytes(b"\x00\x01binary", "data.bin")
    folder.label = "files"
    folder.store()
    xss = orm.Int(7)
    xss.label = XSS_LABEL
    xss.base.extras.set("note", XSS_LABEL)
    xss.store()
    group = orm.Group(label="results/<b>1</b>").store()
    group.add_nodes([xss, folder])
    writable = get_manager().get_profile_storage()  # the tests add nodes through it as they go
    storage = type(writable).open_read_only(writable.profile)  # as `provgraph explore` opens it
    try:
        with TestClient(create_app(storage)) as client:
            yield Explored(client, workflow.pk, folder.pk, xss.pk, group.label)
    finally:
        storage.close()
