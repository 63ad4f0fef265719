"""AuthInfo: how one user reaches one computer (AiiDA's ``orm.AuthInfo``).

There is at most one per (computer, user). ``auth_params`` holds the transport's connection
settings (user name, key file, ...), ``metadata`` per-user overrides such as ``workdir``.
Computer's ``configure``/``get_authinfo`` are the usual way in; they call the functions here.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

from provgraph.exceptions import InputValidationError, NotExistent, StoredEntityError
from provgraph.orm.entities import Entity, collection_of
from provgraph.storage.abstract import EntityTypes, StorageBackend

if TYPE_CHECKING:
    from provgraph.orm.computers import Computer
    from provgraph.orm.users import User

__all__ = ["AuthInfo", "configure_computer", "find_authinfo"]


class AuthInfo(Entity):
    """One user's settings for one computer: whether it is enabled and how to connect."""

    PROPERTY_WORKDIR = "workdir"

    _entity_type: ClassVar[EntityTypes] = EntityTypes.AUTHINFO

    def __init__(  # noqa: PLR0917 (aiida-core's positional signature)
        self,
        computer: Computer,
        user: User,
        enabled: bool = True,
        auth_params: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        backend: StorageBackend | None = None,
    ) -> None:
        super().__init__(backend if backend is not None else computer.backend)
        self._row = {
            "aiidauser_id": user.pk,
            "dbcomputer_id": computer.pk,
            "metadata": copy.deepcopy(dict(metadata or {})),
            "auth_params": copy.deepcopy(dict(auth_params or {})),
            "enabled": bool(enabled),
        }
        # Kept until store: the computer or user may be stored after this object is built.
        self._computer: Computer | None = computer
        self._user: User | None = user

    def _init_from_row(self) -> None:
        self._computer = None
        self._user = None

    def __str__(self) -> str:
        state = "enabled" if self.enabled else "disabled"
        return f"AuthInfo for {self.user.email} on {self.computer.label} [{state}]"

    @property
    def enabled(self) -> bool:
        return bool(self._row["enabled"])

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._update(enabled=bool(value))

    @property
    def computer(self) -> Computer:
        if self._computer is None:
            computers = collection_of(EntityTypes.COMPUTER, self._backend)
            self._computer = cast("Computer", computers.get(pk=self._row["dbcomputer_id"]))
        return self._computer

    @property
    def user(self) -> User:
        if self._user is None:
            users = collection_of(EntityTypes.USER, self._backend)
            self._user = cast("User", users.get(pk=self._row["aiidauser_id"]))
        return self._user

    @property
    def auth_params(self) -> dict[str, Any]:
        """How to connect (a copy; change it with ``set_auth_params``)."""
        return self.get_auth_params()

    @property
    def metadata(self) -> dict[str, Any]:
        """A copy of the metadata (change it with ``set_metadata``)."""
        return self.get_metadata()

    def get_auth_params(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self._row["auth_params"]))

    def set_auth_params(self, auth_params: dict[str, Any]) -> None:
        self._update(auth_params=copy.deepcopy(dict(auth_params)))

    def get_metadata(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self._row["metadata"]))

    def set_metadata(self, metadata: dict[str, Any]) -> None:
        self._update(metadata=copy.deepcopy(dict(metadata)))

    def get_workdir(self) -> str:
        """The user's own workdir on the computer, else the computer's."""
        workdir = self._row["metadata"].get(self.PROPERTY_WORKDIR)
        return str(workdir) if workdir is not None else self.computer.get_workdir()

    def _store(self) -> None:
        """Insert the row; computer and user must be stored, and not configured together yet."""
        computer, user = self.computer, self.user
        for entity, what in ((computer, f"computer {computer.label!r}"), (user, f"user {user.email!r}")):
            if not entity.is_stored:
                raise StoredEntityError(f"store {what} before storing its AuthInfo")
        self._row.update(dbcomputer_id=computer.pk, aiidauser_id=user.pk)
        super()._store()

    def _explain_conflict(self, columns: Mapping[str, Any], cause: InputValidationError) -> None:
        computer, user = self.computer, self.user
        if not self.is_stored and computer.is_user_configured(user):
            raise InputValidationError(
                f"computer {computer.label!r} is already configured for user {user.email!r}; "
                "change that AuthInfo (computer.get_authinfo(user)) instead of storing another"
            ) from cause


def find_authinfo(computer: Computer, user: User) -> AuthInfo:
    """The AuthInfo of ``user`` on ``computer``; ``NotExistent`` if it was never configured."""
    rows = []
    if computer.is_stored and user.is_stored:
        filters = {"dbcomputer_id": computer.pk, "aiidauser_id": user.pk}
        rows = computer.backend.get_rows(EntityTypes.AUTHINFO, filters)
    if not rows:
        raise NotExistent(
            f"computer {computer.label!r} is not configured for user {user.email!r}; "
            "configure it with computer.configure(user)"
        )
    authinfo = AuthInfo._from_row(computer.backend, rows[0])
    authinfo._computer, authinfo._user = computer, user
    return authinfo


def configure_computer(computer: Computer, user: User, auth_params: dict[str, Any]) -> AuthInfo:
    """Store ``user``'s settings for ``computer``, merging ``auth_params`` into existing ones."""
    if not computer.is_stored:
        raise StoredEntityError(f"store computer {computer.label!r} before configuring it")
    try:
        authinfo = find_authinfo(computer, user)
    except NotExistent:
        authinfo = AuthInfo(computer, user, backend=computer.backend)
    authinfo.set_auth_params({**authinfo.get_auth_params(), **auth_params})
    authinfo.store()
    return authinfo
