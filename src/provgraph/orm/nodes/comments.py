"""``node.base.comments``: the comments of one node (AiiDA's ``NodeComments``).

Every lookup is restricted to the node, so a pk of another node's comment is not found here
rather than silently changed. AiiDA's method names (``add_comment``, ``get_comments``, ...)
are kept beside the short ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from provgraph.exceptions import NotExistent, StoredEntityError
from provgraph.orm.comments import Comment, CommentCollection
from provgraph.orm.entities import collection_of
from provgraph.storage.abstract import EntityTypes

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node
    from provgraph.orm.users import User, UserCollection

__all__ = ["NodeComments"]


class NodeComments:
    """Add, read, change and remove the comments attached to one stored node."""

    def __init__(self, node: Node) -> None:
        self._node = node

    def add(self, content: str, user: User | None = None) -> Comment:
        """Store a new comment on the node, by ``user`` (default: the profile's default user)."""
        if user is None:
            users = cast("UserCollection", collection_of(EntityTypes.USER, self._node.backend))
            user = users.get_default()
        return Comment(self._node, user, content, backend=self._node.backend).store()

    def all(self) -> list[Comment]:
        """The node's comments, oldest first (ties in pk order)."""
        if not self._node.is_stored:
            return []
        return self._collection().find({"dbnode_id": self._node.pk}, order_by=["ctime", "id"])

    def get(self, pk: int) -> Comment:
        """The node's comment with this pk; ``NotExistent`` if the node has none such."""
        if not self._node.is_stored:
            raise StoredEntityError(f"{self._node!r} is not stored, so it has no comments")
        found = self._collection().find({"id": pk, "dbnode_id": self._node.pk})
        if not found:
            raise NotExistent(f"node with pk {self._node.pk} has no comment with pk {pk}")
        return found[0]

    def update(self, pk: int, content: str) -> Comment:
        """Replace the text of the node's comment ``pk`` (its mtime moves to now)."""
        comment = self.get(pk)
        comment.set_content(content)
        return comment

    def remove(self, pk: int) -> None:
        """Delete the node's comment ``pk``."""
        self.get(pk)
        self._collection().delete(pk)

    # AiiDA's names for the same operations.
    def add_comment(self, content: str, user: User | None = None) -> Comment:
        return self.add(content, user)

    def get_comment(self, identifier: int) -> Comment:
        return self.get(identifier)

    def get_comments(self) -> list[Comment]:
        return self.all()

    def update_comment(self, identifier: int, content: str) -> None:
        self.update(identifier, content)

    def remove_comment(self, identifier: int) -> None:
        self.remove(identifier)

    def _collection(self) -> CommentCollection:
        return cast(CommentCollection, Comment.get_collection(self._node.backend))
