"""An archive file explored as it is: pages served from a read-only core.sqlite_zip storage."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient
from tests.data_files import SMALL_ARCHIVE, SMALL_MANIFEST

from provgraph.web import create_app
from provgraph.web.storage import open_archive

MANIFEST: dict[str, Any] = json.loads(SMALL_MANIFEST.read_text())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_archive_is_served_without_a_write(tmp_path: Path) -> None:
    archive = tmp_path / "small.aiida"
    shutil.copyfile(SMALL_ARCHIVE, archive)
    before = _sha256(archive)
    workflow = MANIFEST["named_nodes"]["workflow"]["uuid"]
    storage = open_archive(archive)
    try:
        with TestClient(create_app(storage)) as client:
            home = client.get("/")
            assert home.status_code == 200
            assert "data.core.int.Int." in home.text
            node = client.get(f"/node/{workflow}")
            assert node.status_code == 200
            assert workflow in node.text
            assert client.get("/processes").status_code == 200
            assert client.get("/groups").status_code == 200
            assert client.get("/search?type=data.core.").status_code == 200
            graph = client.get(f"/node/{workflow}/graph?ancestors=1&descendants=1&fold=1")
            assert graph.status_code == 200
            assert "<svg" in graph.text
    finally:
        storage.close()
    assert _sha256(archive) == before
