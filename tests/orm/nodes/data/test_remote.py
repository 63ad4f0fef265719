"""RemoteData: a path on a computer, AiiDA's ``remote_path`` attribute."""

from __future__ import annotations

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, ModificationNotAllowed
from provgraph.orm.nodes.data.core import RemoteData
from provgraph.storage.abstract import StorageBackend


def test_remote_data(backend: StorageBackend) -> None:
    computer = orm.Computer("cluster", "cluster.example.org").store()
    node = RemoteData("/scratch/run1", computer=computer).store()
    loaded = orm.load_node(node.pk)
    assert type(loaded) is RemoteData
    assert loaded.node_type == "data.core.remote.RemoteData."
    assert loaded.base.attributes.all == {"remote_path": "/scratch/run1"}
    assert loaded.get_remote_path() == "/scratch/run1"
    assert loaded.computer.label == "cluster"
    assert loaded.is_cleaned is False
    loaded.base.extras.set(RemoteData.KEY_EXTRA_CLEANED, True)
    assert orm.load_node(node.pk).is_cleaned is True
    with pytest.raises(ModificationNotAllowed):
        loaded.set_remote_path("/elsewhere")
    with pytest.raises(InputValidationError, match="has no computer; pass computer="):
        RemoteData("/scratch").store()
    with pytest.raises(InputValidationError, match="has no remote_path"):
        RemoteData(computer=computer).store()
    with pytest.raises(TypeError, match="remote_path must be a non-empty str, got int"):
        RemoteData(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="non-empty str"):
        RemoteData("")
    assert RemoteData.collection.count() == 1
