"""Comments: notes users attach to stored nodes (AiiDA's ``orm.Comment``).

Unlike nodes, comments can be edited after storing: ``set_content`` rewrites the text and
moves ``mtime``. A comment disappears with its node (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, ClassVar, cast

from provgraph.exceptions import NotExistent, StoredEntityError
from provgraph.orm.entities import BulkDeleteCollection, CollectionDescriptor, Entity, collection_of
from provgraph.orm.nodes.types import node_from_row
from provgraph.storage.abstract import EntityTypes, StorageBackend

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node
    from provgraph.orm.users import User

__all__ = ["Comment", "CommentCollection"]


class CommentCollection(BulkDeleteCollection["Comment"]):
    """The comments of one storage."""


class Comment(Entity):
    """A user's note on a stored node."""

    _entity_type: ClassVar[EntityTypes] = EntityTypes.COMMENT
    collection = CollectionDescriptor(CommentCollection)
    _relation_columns: ClassVar[Mapping[str, str]] = {"node": "dbnode_id", "user": "user_id"}

    def __init__(
        self, node: Node, user: User, content: str = "", backend: StorageBackend | None = None
    ) -> None:
        super().__init__(backend if backend is not None else node.backend)
        if not node.is_stored:
            raise StoredEntityError(f"cannot comment on {node!r}: store the node first")
        if not user.is_stored:
            raise StoredEntityError(f"cannot comment as user {user.email!r}: store the user first")
        now = datetime.now(timezone.utc)
        self._row = {
            "uuid": str(uuid_module.uuid4()),
            "dbnode_id": node.pk,
            "ctime": now,
            "mtime": now,
            "user_id": user.pk,
            "content": content or "",
        }

    def __str__(self) -> str:
        return f"Comment<{self.pk}> for node<{self._row['dbnode_id']}> on {self.ctime:%Y-%m-%d %H:%M:%S}"

    @property
    def uuid(self) -> str:
        return str(self._row["uuid"])

    @property
    def ctime(self) -> datetime:
        moment: datetime = self._row["ctime"]
        return moment

    @property
    def mtime(self) -> datetime:
        moment: datetime = self._row["mtime"]
        return moment

    def set_mtime(self, value: datetime) -> None:
        self._update(mtime=value)

    @property
    def content(self) -> str:
        return str(self._row["content"])

    def set_content(self, value: str) -> None:
        """Replace the text; a stored comment's ``mtime`` moves to now."""
        if self.is_stored:
            self._update(content=value, mtime=datetime.now(timezone.utc))
        else:
            self._update(content=value)

    @property
    def node(self) -> Node:
        rows = self._backend.get_rows(EntityTypes.NODE, {"id": self._row["dbnode_id"]})
        if not rows:
            raise NotExistent(f"the node with pk {self._row['dbnode_id']} of comment {self.uuid} is gone")
        return node_from_row(self._backend, rows[0])

    @property
    def user(self) -> User:
        return cast("User", collection_of(EntityTypes.USER, self._backend).get(pk=self._row["user_id"]))

    def set_user(self, user: User) -> None:
        if not user.is_stored:
            raise StoredEntityError(f"store user {user.email!r} before making it own a comment")
        self._update(user_id=user.pk)
