"""Comments, directly and through ``node.base.comments``."""

from __future__ import annotations

import time

import pytest

from provgraph.exceptions import InputValidationError, NotExistent, StoredEntityError
from provgraph.orm.comments import Comment
from provgraph.orm.nodes.comments import NodeComments
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.node import Node
from provgraph.orm.users import User
from provgraph.storage.abstract import StorageBackend


@pytest.fixture
def node(backend: StorageBackend) -> Node:
    return Data().store()


def test_store_and_load(node: Node) -> None:
    user = User.collection.get_default()
    comment = Comment(node, user, "first thoughts")
    assert not comment.is_stored
    comment.store()
    loaded = Comment.collection.get(pk=comment.pk)
    assert loaded == comment
    assert loaded.content == "first thoughts"
    assert loaded.uuid == comment.uuid
    assert loaded.node.pk == node.pk
    assert isinstance(loaded.node, Data)
    assert loaded.user == user
    assert loaded.ctime == comment.ctime
    assert loaded.mtime == comment.mtime
    assert f"for node<{node.pk}>" in str(loaded)


def test_set_content_moves_mtime_of_a_stored_comment(node: Node) -> None:
    comment = Comment(node, User.collection.get_default(), "draft").store()
    before = comment.mtime
    time.sleep(0.002)
    comment.set_content("final")
    loaded = Comment.collection.get(pk=comment.pk)
    assert loaded.content == "final"
    assert loaded.mtime > before
    assert loaded.ctime == comment.ctime


def test_set_user(node: Node) -> None:
    other = User("other@x").store()
    comment = Comment(node, User.collection.get_default(), "x").store()
    comment.set_user(other)
    assert Comment.collection.get(pk=comment.pk).user == other
    with pytest.raises(StoredEntityError, match="store user 'loose@x'"):
        comment.set_user(User("loose@x"))


def test_comment_needs_a_stored_node_and_user(backend: StorageBackend, node: Node) -> None:
    with pytest.raises(StoredEntityError, match="store the node first"):
        Comment(Data(), User.collection.get_default(), "x")
    with pytest.raises(StoredEntityError, match="store the user first"):
        Comment(node, User("nobody@x"), "x")


def test_collection_filters_by_node_and_user(node: Node) -> None:
    other_node = Data().store()
    user = User.collection.get_default()
    Comment(node, user, "a").store()
    Comment(other_node, user, "b").store()
    assert [c.content for c in Comment.collection.find({"node": node})] == ["a"]
    assert [c.content for c in Comment.collection.find({"node": other_node.pk})] == ["b"]
    assert Comment.collection.count({"user": user}) == 2


def test_delete_many_and_all(node: Node) -> None:
    user = User.collection.get_default()
    kept = Data().store()
    doomed = [Comment(node, user, str(i)).store().pk for i in range(3)]
    Comment(kept, user, "kept").store()
    assert sorted(Comment.collection.delete_many({"node": node})) == sorted(doomed)
    assert [c.content for c in Comment.collection.all()] == ["kept"]
    with pytest.raises(InputValidationError, match="delete_many needs filters"):
        Comment.collection.delete_many({})
    Comment.collection.delete_all()
    assert Comment.collection.count() == 0


def test_delete_one(node: Node) -> None:
    comment = Comment(node, User.collection.get_default(), "x").store()
    assert comment.pk is not None
    Comment.collection.delete(comment.pk)
    with pytest.raises(NotExistent, match=f"no Comment with pk {comment.pk}"):
        Comment.collection.delete(comment.pk)


# -- node.base.comments ---------------------------------------------------------------------------


def test_node_base_comments_is_node_comments(node: Node) -> None:
    assert isinstance(node.base.comments, NodeComments)


def test_add_all_get_update_remove(node: Node) -> None:
    comments = node.base.comments
    first = comments.add("one")
    second = comments.add("two", user=User("writer@x").store())
    assert first.user == User.collection.get_default()
    assert second.user.email == "writer@x"
    assert [c.content for c in comments.all()] == ["one", "two"]
    assert comments.get(first.pk).content == "one"  # type: ignore[arg-type]
    comments.update(first.pk, "one, revised")  # type: ignore[arg-type]
    assert comments.get(first.pk).content == "one, revised"  # type: ignore[arg-type]
    comments.remove(second.pk)  # type: ignore[arg-type]
    assert [c.content for c in comments.all()] == ["one, revised"]


def test_aiida_method_names(node: Node) -> None:
    comments = node.base.comments
    added = comments.add_comment("aiida style")
    assert added.pk is not None
    assert comments.get_comment(added.pk) == added
    comments.update_comment(added.pk, "changed")
    assert [c.content for c in comments.get_comments()] == ["changed"]
    comments.remove_comment(added.pk)
    assert comments.get_comments() == []


def test_all_is_in_creation_order_then_pk(node: Node) -> None:
    contents = [f"c{i}" for i in range(5)]
    for content in contents:
        node.base.comments.add(content)
    assert [c.content for c in node.base.comments.all()] == contents


def test_another_nodes_comment_is_not_reachable(node: Node) -> None:
    other = Data().store()
    foreign = other.base.comments.add("not yours")
    assert foreign.pk is not None
    for action in (
        lambda: node.base.comments.get(foreign.pk),  # type: ignore[arg-type]
        lambda: node.base.comments.update(foreign.pk, "hijacked"),  # type: ignore[arg-type]
        lambda: node.base.comments.remove(foreign.pk),  # type: ignore[arg-type]
    ):
        with pytest.raises(NotExistent, match=f"has no comment with pk {foreign.pk}"):
            action()
    assert [c.content for c in other.base.comments.all()] == ["not yours"]


def test_unstored_node(backend: StorageBackend) -> None:
    loose = Data()
    assert loose.base.comments.all() == []
    with pytest.raises(StoredEntityError):
        loose.base.comments.add("x")
    with pytest.raises(StoredEntityError):
        loose.base.comments.get(1)


def test_comments_go_with_their_node(backend: StorageBackend, node: Node) -> None:
    node.base.comments.add("bye")
    assert node.pk is not None
    with backend.transaction():
        backend.delete_nodes_and_connections([node.pk])
    assert Comment.collection.count() == 0
