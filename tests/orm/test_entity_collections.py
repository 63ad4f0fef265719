"""Collections take QueryBuilder-style filters for ==, in and like; delete_many with them."""

from __future__ import annotations

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, NotExistent
from provgraph.storage.abstract import StorageBackend


def test_find_and_count_take_querybuilder_filters(backend: StorageBackend) -> None:
    groups = [orm.Group(label).store() for label in ("alpha", "beta", "gamma")]
    pks = [group.pk for group in groups]
    collection = orm.Group.collection
    assert [group.label for group in collection.find({"id": {"in": pks[:2]}})] == ["alpha", "beta"]
    assert collection.count({"label": {"like": "%a"}}) == 3
    assert collection.get(label={"==": "beta"}) == groups[1]
    with pytest.raises(InputValidationError, match="use the QueryBuilder"):
        collection.find({"id": {">": 1}})


def test_delete_many_with_querybuilder_filters(backend: StorageBackend) -> None:
    node = orm.Data().store()
    user = orm.User.collection.get_default()
    comments = [orm.Comment(node, user, text).store() for text in ("one", "two", "three")]
    deleted = orm.Comment.collection.delete_many({"id": {"in": [c.pk for c in comments[:2]]}})
    assert sorted(deleted) == sorted(c.pk for c in comments[:2])
    assert [c.content for c in orm.Comment.collection.all()] == ["three"]
    with pytest.raises(NotExistent):
        orm.Comment.collection.get(id=comments[0].pk)


def test_collections_do_not_keep_a_closed_storage_alive(tmp_path: object) -> None:
    """``User.collection`` is one object per storage, and goes when the storage goes."""
    import gc
    import weakref
    from pathlib import Path

    from provgraph.manager import get_manager
    from provgraph.profiles import create_profile

    assert isinstance(tmp_path, Path)
    manager = get_manager()
    refs = []
    for index in range(3):
        create_profile(f"leak-{index}", "core.sqlite_dos", {"filepath": str(tmp_path / f"s{index}")})
        manager.load_profile(f"leak-{index}", allow_switch=True)
        storage = manager.get_profile_storage()
        assert orm.User.collection is orm.User.collection
        orm.Node.collection.count()
        refs.append(weakref.ref(storage))
        del storage
        manager.reset()
    gc.collect()
    assert [ref() for ref in refs] == [None, None, None]
