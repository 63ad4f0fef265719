"""Users: who created nodes, groups and comments (AiiDA's ``orm.User``).

A user is identified by its email; there is no uuid. The profile names one user as its default
(``default_user_email``): entities created without an explicit user belong to it, so
:meth:`UserCollection.get_default` is called on every node creation and is cached per storage.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any, ClassVar

from provgraph.exceptions import InputValidationError, InvalidOperation, NotExistent
from provgraph.orm.entities import Collection, CollectionDescriptor, Entity
from provgraph.storage.abstract import EntityTypes, StorageBackend

__all__ = ["User", "UserCollection"]

# Storage -> the default user's row. Rows, not entities: an entity would hold its storage and
# keep the weak key alive forever.
_DEFAULT_ROWS: weakref.WeakKeyDictionary[StorageBackend, dict[str, Any]] = weakref.WeakKeyDictionary()

# What may still point at a user, as (entity type, column, plural noun) for deletion checks.
_REFERENCES = (
    (EntityTypes.NODE, "user_id", "nodes"),
    (EntityTypes.GROUP, "user_id", "groups"),
    (EntityTypes.COMMENT, "user_id", "comments"),
    (EntityTypes.AUTHINFO, "aiidauser_id", "computer configurations (authinfos)"),
)


class UserCollection(Collection["User"]):
    """The users of one storage, plus the profile's default user."""

    def get_or_create(self, email: str, **kwargs: str) -> tuple[bool, User]:
        """``(False, user)`` for the stored user with ``email``, else ``(True, new unstored user)``."""
        email = User.normalize_email(email)
        try:
            return False, self.get(email=email)
        except NotExistent:
            return True, User(email, backend=self._backend, **kwargs)

    def get_default(self) -> User:
        """The user named by the profile's ``default_user_email`` (looked up once per storage).

        A read-only storage (an archive) was never given a user of the profile's: if it lacks
        the named one, its first user stands in, so that reading code that asks for the default
        user (creating an unstored node, say) works, and only a write is refused.
        """
        row = _DEFAULT_ROWS.get(self._backend)
        if row is None:
            profile = self._backend.profile
            email = profile.default_user_email
            rows = self._backend.get_rows(EntityTypes.USER, {"email": email}, limit=1)
            if not rows and self._backend.read_only:
                rows = self._backend.get_rows(EntityTypes.USER, limit=1)
            if not rows:
                raise NotExistent(
                    f"profile {profile.name!r} names {email!r} as its default user but no such user is "
                    f"stored; store it with User({email!r}).store()"
                )
            row = _DEFAULT_ROWS[self._backend] = rows[0]
        return User._from_row(self._backend, dict(row))  # the cached row stays unshared

    def reset_default(self) -> None:
        """Forget the cached default user (after the storage was cleared or the profile changed)."""
        _DEFAULT_ROWS.pop(self._backend, None)


class User(Entity):
    """A person, identified by email, who owns nodes, groups, comments and computer settings."""

    _entity_type: ClassVar[EntityTypes] = EntityTypes.USER
    collection = CollectionDescriptor(UserCollection)

    def __init__(
        self,
        email: str,
        first_name: str = "",
        last_name: str = "",
        institution: str = "",
        backend: StorageBackend | None = None,
    ) -> None:
        super().__init__(backend)
        email = self.normalize_email(email)
        if not email:
            raise InputValidationError("a user needs a non-empty email address")
        self._row = {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "institution": institution,
        }

    @staticmethod
    def normalize_email(email: str) -> str:
        """Strip blanks and lowercase the domain, as AiiDA does, so one address has one spelling."""
        email = (email or "").strip()
        name, at, domain = email.rpartition("@")
        return f"{name}@{domain.lower()}" if at else email

    def __str__(self) -> str:
        return self.email

    # -- fields ---------------------------------------------------------------------------------

    @property
    def uuid(self) -> None:
        """Users have no uuid (as in AiiDA); kept so that code can ask every entity for one."""
        return None

    @property
    def email(self) -> str:
        return str(self._row["email"])

    @email.setter
    def email(self, value: str) -> None:
        email = self.normalize_email(value)
        if not email:
            raise InputValidationError("a user needs a non-empty email address")
        self._set(email=email)

    @property
    def first_name(self) -> str:
        return str(self._row["first_name"])

    @first_name.setter
    def first_name(self, value: str) -> None:
        self._set(first_name=value)

    @property
    def last_name(self) -> str:
        return str(self._row["last_name"])

    @last_name.setter
    def last_name(self, value: str) -> None:
        self._set(last_name=value)

    @property
    def institution(self) -> str:
        return str(self._row["institution"])

    @institution.setter
    def institution(self, value: str) -> None:
        self._set(institution=value)

    @property
    def is_default(self) -> bool:
        """Whether this is the default user of the profile its storage belongs to."""
        return self.email == self._backend.profile.default_user_email

    def get_full_name(self) -> str:
        """``First Last (email)``, leaving out the names that are empty."""
        names = " ".join(name for name in (self.first_name, self.last_name) if name)
        return f"{names} ({self.email})" if names else self.email

    def get_short_name(self) -> str:
        return self.email

    # -- storing --------------------------------------------------------------------------------

    def _set(self, **columns: str) -> None:
        """Change fields; a stored user's row and the cached default user follow."""
        self._update(**columns)
        cached = _DEFAULT_ROWS.get(self._backend)
        if self.is_stored and cached is not None and cached.get("id") == self.pk:
            cached.update(columns)

    def _explain_conflict(self, columns: Mapping[str, Any], cause: InputValidationError) -> None:
        email = columns.get("email")
        if email is not None and self._backend.count_rows(EntityTypes.USER, {"email": email}):
            raise InputValidationError(
                f"a user with email {email!r} exists already; load it with "
                f"User.collection.get(email={email!r})"
            ) from cause

    @classmethod
    def _delete(cls, backend: StorageBackend, pk: int) -> None:
        """Delete an unreferenced user; refuse the default user and users that still own data."""
        with backend.transaction():
            rows = backend.get_rows(EntityTypes.USER, {"id": pk})
            if not rows:
                raise NotExistent(f"no User with pk {pk}")
            email = rows[0]["email"]
            if email == backend.profile.default_user_email:
                raise InvalidOperation(
                    f"user {email!r} is the default user of profile {backend.profile.name!r} "
                    "and cannot be deleted"
                )
            used = [
                f"{count} {noun}"
                for entity_type, column, noun in _REFERENCES
                if (count := backend.count_rows(entity_type, {column: pk}))
            ]
            if used:
                raise InvalidOperation(
                    f"user {email!r} (pk {pk}) is still referenced by {', '.join(used)}; delete those first"
                )
            backend.delete_rows(EntityTypes.USER, [pk])
