"""Computers: the machines calculations run on (AiiDA's ``orm.Computer``).

A computer is mutable after storing (AiiDA re-stores computers when their settings change): its
setters write through. Scheduler and transport settings live in the JSON ``metadata`` column
under AiiDA's keys (``workdir``, ``shebang``, ``mpirun_command``, ...), so a database shared
with AiiDA reads the same. Per-user connection settings are :class:`~provgraph.orm.authinfos.AuthInfo`.
"""

from __future__ import annotations

import copy
import os
import re
import uuid as uuid_module
from typing import TYPE_CHECKING, Any, ClassVar

from provgraph.exceptions import (
    InputValidationError,
    InvalidOperation,
    MultipleObjectsError,
    NotExistent,
)
from provgraph.orm.entities import Collection, Entity, EntityT, _CollectionDescriptor, get_default_backend
from provgraph.storage.abstract import EntityTypes, Like, StorageBackend

if TYPE_CHECKING:
    from typing_extensions import Self

    from provgraph.orm.authinfos import AuthInfo
    from provgraph.orm.users import User

__all__ = ["Computer", "ComputerCollection", "load_computer", "load_entity"]

_MISSING = object()


class ComputerCollection(Collection["Computer"]):
    """The computers of one storage."""

    def __call__(self, backend: StorageBackend) -> ComputerCollection:
        return ComputerCollection(self._entity_class, backend)

    def get_or_create(self, label: str, **kwargs: Any) -> tuple[bool, Computer]:
        """``(False, computer)`` if one is labelled ``label``, else ``(True, new unstored computer)``."""
        try:
            return False, self.get(label=label)
        except NotExistent:
            return True, Computer(label, backend=self._backend, **kwargs)

    def list_labels(self) -> list[str]:
        rows = self._backend.get_rows(EntityTypes.COMPUTER, columns=["label"], order_by=["label"])
        return [str(row["label"]) for row in rows]


class _ComputerCollectionDescriptor(_CollectionDescriptor):
    def __get__(self, instance: object, owner: type[Entity]) -> ComputerCollection:
        return ComputerCollection(Computer, get_default_backend())


class Computer(Entity):
    """A machine that runs calculations, with its scheduler and transport settings."""

    PROPERTY_MINIMUM_SCHEDULER_POLL_INTERVAL = "minimum_scheduler_poll_interval"
    PROPERTY_MINIMUM_SCHEDULER_POLL_INTERVAL__DEFAULT = 10.0
    PROPERTY_WORKDIR = "workdir"
    PROPERTY_SHEBANG = "shebang"
    DEFAULT_WORKDIR = "/scratch/{username}/aiida_run/"
    DEFAULT_MPIRUN_COMMAND = ("mpirun", "-np", "{tot_num_mpiprocs}")

    _entity_type: ClassVar[EntityTypes] = EntityTypes.COMPUTER
    _collection_class: ClassVar[type[Collection[Any]]] = ComputerCollection
    collection: ClassVar[_ComputerCollectionDescriptor] = _ComputerCollectionDescriptor()

    def __init__(
        self,
        label: str,
        hostname: str = "",
        description: str = "",
        transport_type: str = "",
        scheduler_type: str = "",
        *,
        workdir: str | None = None,
        metadata: dict[str, Any] | None = None,
        backend: StorageBackend | None = None,
    ) -> None:
        super().__init__(backend)
        self._row = {
            "uuid": str(uuid_module.uuid4()),
            "label": label,
            "hostname": hostname,
            "description": description,
            "scheduler_type": scheduler_type,
            "transport_type": transport_type,
            "metadata": copy.deepcopy(metadata or {}),
        }
        if workdir is not None:
            self.set_workdir(workdir)

    def __str__(self) -> str:
        return f"{self.label} ({self.hostname}), pk: {self.pk}"

    # -- columns --------------------------------------------------------------------------------

    @property
    def uuid(self) -> str:
        return str(self._row["uuid"])

    @property
    def label(self) -> str:
        return str(self._row["label"])

    @label.setter
    def label(self, value: str) -> None:
        _check_label(value)
        self._set(label=value)

    @property
    def description(self) -> str:
        return str(self._row["description"])

    @description.setter
    def description(self, value: str) -> None:
        self._set(description=value)

    @property
    def hostname(self) -> str:
        return str(self._row["hostname"])

    @hostname.setter
    def hostname(self, value: str) -> None:
        self._set(hostname=value)

    @property
    def transport_type(self) -> str:
        return str(self._row["transport_type"])

    @transport_type.setter
    def transport_type(self, value: str) -> None:
        self._set(transport_type=value)

    @property
    def scheduler_type(self) -> str:
        return str(self._row["scheduler_type"])

    @scheduler_type.setter
    def scheduler_type(self, value: str) -> None:
        self._set(scheduler_type=value)

    @property
    def metadata(self) -> dict[str, Any]:
        """A copy of the settings; assign a whole dict (or use ``set_property``) to change them."""
        return copy.deepcopy(dict(self._row["metadata"]))

    @metadata.setter
    def metadata(self, value: dict[str, Any]) -> None:
        self._set(metadata=copy.deepcopy(dict(value)))

    # -- metadata properties (AiiDA's names and defaults) ---------------------------------------

    def get_property(self, name: str, default: Any = _MISSING) -> Any:
        """The setting ``name``; ``default`` if absent, or ``NotExistent`` without a default."""
        metadata = self._row["metadata"]
        if name in metadata:
            return copy.deepcopy(metadata[name])
        if default is _MISSING:
            raise NotExistent(f"computer {self.label!r} has no property {name!r}")
        return default

    def set_property(self, name: str, value: Any) -> None:
        self.metadata = {**self._row["metadata"], name: value}

    def delete_property(self, name: str, raise_exception: bool = True) -> None:
        metadata = self.metadata
        if name not in metadata:
            if raise_exception:
                raise NotExistent(f"computer {self.label!r} has no property {name!r}")
            return
        del metadata[name]
        self.metadata = metadata

    def get_workdir(self) -> str:
        """Where calculations run; ``{username}`` is replaced by the remote user name."""
        return str(self.get_property(self.PROPERTY_WORKDIR, self.DEFAULT_WORKDIR))

    def set_workdir(self, value: str) -> None:
        _check_workdir(value)
        self.set_property(self.PROPERTY_WORKDIR, value)

    def get_shebang(self) -> str:
        return str(self.get_property(self.PROPERTY_SHEBANG, "#!/bin/bash"))

    def set_shebang(self, value: str) -> None:
        if not isinstance(value, str) or not value.startswith("#!"):
            raise InputValidationError(f"invalid shebang {value!r}: it must be a string starting with '#!'")
        self.set_property(self.PROPERTY_SHEBANG, value)

    def get_mpirun_command(self) -> list[str]:
        return list(self.get_property("mpirun_command", list(self.DEFAULT_MPIRUN_COMMAND)))

    def set_mpirun_command(self, value: list[str] | tuple[str, ...]) -> None:
        if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
            raise InputValidationError(
                f"invalid mpirun command {value!r}: give a list of strings, e.g. 'mpirun -np 4'.split()"
            )
        self.set_property("mpirun_command", list(value))

    def get_default_mpiprocs_per_machine(self) -> int | None:
        value = self.get_property("default_mpiprocs_per_machine", None)
        return None if value is None else int(value)

    def set_default_mpiprocs_per_machine(self, value: int | None) -> None:
        """Set the default MPI processes per machine; None removes the default."""
        if value is None:
            self.delete_property("default_mpiprocs_per_machine", raise_exception=False)
            return
        _check_positive_int("default_mpiprocs_per_machine", value)
        self.set_property("default_mpiprocs_per_machine", value)

    def get_default_memory_per_machine(self) -> int | None:
        value = self.get_property("default_memory_per_machine", None)
        return None if value is None else int(value)

    def set_default_memory_per_machine(self, value: int | None) -> None:
        """Set the default memory per machine in kB; None removes the default."""
        if value is None:
            self.delete_property("default_memory_per_machine", raise_exception=False)
            return
        _check_positive_int("default_memory_per_machine", value)
        self.set_property("default_memory_per_machine", value)

    def get_prepend_text(self) -> str:
        return str(self.get_property("prepend_text", ""))

    def set_prepend_text(self, value: str) -> None:
        self.set_property("prepend_text", str(value))

    def get_append_text(self) -> str:
        return str(self.get_property("append_text", ""))

    def set_append_text(self, value: str) -> None:
        self.set_property("append_text", str(value))

    def get_minimum_job_poll_interval(self) -> float:
        default = self.PROPERTY_MINIMUM_SCHEDULER_POLL_INTERVAL__DEFAULT
        return float(self.get_property(self.PROPERTY_MINIMUM_SCHEDULER_POLL_INTERVAL, default))

    def set_minimum_job_poll_interval(self, interval: float) -> None:
        self.set_property(self.PROPERTY_MINIMUM_SCHEDULER_POLL_INTERVAL, interval)

    # -- per-user configuration -----------------------------------------------------------------

    def get_authinfo(self, user: User) -> AuthInfo:
        """This computer's settings for ``user``; ``NotExistent`` if it was never configured."""
        from provgraph.orm.authinfos import find_authinfo

        return find_authinfo(self, user)

    def is_user_configured(self, user: User) -> bool:
        try:
            self.get_authinfo(user)
        except NotExistent:
            return False
        return True

    def is_user_enabled(self, user: User) -> bool:
        try:
            return self.get_authinfo(user).enabled
        except NotExistent:
            return False

    @property
    def is_configured(self) -> bool:
        """Whether the computer is configured for the default user."""
        return self.is_user_configured(self._user_or_default(None))

    def configure(self, user: User | None = None, **auth_params: Any) -> AuthInfo:
        """Store this computer's settings for ``user`` (default user); ``auth_params`` are merged in."""
        from provgraph.orm.authinfos import configure_computer

        return configure_computer(self, self._user_or_default(user), auth_params)

    def get_configuration(self, user: User | None = None) -> dict[str, Any]:
        """The connection settings for ``user`` (default user), ``{}`` if not configured."""
        try:
            return self.get_authinfo(self._user_or_default(user)).get_auth_params()
        except NotExistent:
            return {}

    def _user_or_default(self, user: User | None) -> User:
        from provgraph.orm.users import User

        return user if user is not None else User.collection(self._backend).get_default()

    # -- storing --------------------------------------------------------------------------------

    def validate(self) -> None:
        """Refuse settings that cannot work, naming the field (called by ``store``)."""
        _check_label(self.label)
        if not self.hostname.strip():
            raise InputValidationError(f"computer {self.label!r} has no hostname; set one before storing")
        _check_workdir(self.get_workdir())

    def store(self) -> Self:
        """Validate and write the computer; a stored computer already saved every change."""
        if not self.is_stored:
            self.validate()
            self._store()
        return self

    def _store(self) -> None:
        try:
            super()._store()
        except InputValidationError as exc:
            self._raise_if_label_taken(self.label, exc)
            raise

    def _set(self, **columns: Any) -> None:
        old = self._row.copy()
        try:
            self._update(**columns)
        except InputValidationError as exc:
            self._row = old
            if "label" in columns:
                self._raise_if_label_taken(columns["label"], exc)
            raise

    def _raise_if_label_taken(self, label: str, cause: Exception) -> None:
        if self._backend.count_rows(EntityTypes.COMPUTER, {"label": label}):
            raise InputValidationError(
                f"a computer labelled {label!r} exists already; choose another label"
            ) from cause

    @classmethod
    def _delete(cls, backend: StorageBackend, pk: int) -> None:
        """Delete a computer no node uses; its per-user settings go with it."""
        with backend.transaction():
            rows = backend.get_rows(EntityTypes.COMPUTER, {"id": pk}, columns=["label"])
            if not rows:
                raise NotExistent(f"no Computer with pk {pk}")
            used = backend.count_rows(EntityTypes.NODE, {"dbcomputer_id": pk})
            if used:
                raise InvalidOperation(
                    f"computer {rows[0]['label']!r} (pk {pk}) is used by {used} nodes; "
                    "delete those nodes first"
                )
            backend.delete_rows(EntityTypes.COMPUTER, [pk])


def load_computer(
    identifier: int | str | None = None,
    *,
    pk: int | None = None,
    uuid: str | None = None,
    label: str | None = None,
    backend: StorageBackend | None = None,
) -> Computer:
    """The computer with this pk, uuid (or unique uuid prefix) or label.

    A bare ``identifier`` is tried as pk (digits), full uuid, label, then uuid prefix; a
    trailing ``!`` forces a label.
    """
    collection = Computer.collection(backend if backend is not None else get_default_backend())
    return load_entity(collection, identifier, pk=pk, uuid=uuid, label=label)


def _check_label(label: str) -> None:
    if not isinstance(label, str) or not label.strip():
        raise InputValidationError(f"invalid computer label {label!r}: give a non-empty string")


def _check_workdir(workdir: str) -> None:
    """A workdir must be absolute once ``{username}`` is filled in, and use no other field."""
    try:
        expanded = workdir.format(username="user")
    except (KeyError, IndexError, ValueError) as exc:
        raise InputValidationError(
            f"invalid workdir {workdir!r}: only the '{{username}}' placeholder is allowed ({exc})"
        ) from exc
    if not os.path.isabs(expanded):
        raise InputValidationError(f"invalid workdir {workdir!r}: it must be an absolute path")


def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InputValidationError(f"invalid {name} {value!r}: give a positive integer or None")


# -- loading by identifier (shared with groups) -------------------------------------------------

_HEX_AND_DASHES = re.compile(r"^[0-9a-f-]+$")
_UUID_GROUP_ENDS = (8, 12, 16, 20, 32)


def load_entity(
    collection: Collection[EntityT],
    identifier: int | str | None = None,
    *,
    pk: int | None = None,
    uuid: str | None = None,
    label: str | None = None,
) -> EntityT:
    """The one entity of ``collection`` named by exactly one of identifier, pk, uuid or label.

    A bare string is tried, in turn, as pk (digits only), full uuid, exact label and uuid
    prefix, and the first kind that matches decides; ``label!`` is only ever a label. The
    exact label comes before the prefix so that a label made of hex letters still loads.
    """
    given = {
        name: value
        for name, value in (("identifier", identifier), ("pk", pk), ("uuid", uuid), ("label", label))
        if value is not None
    }
    name = collection.entity_type.__name__
    if len(given) != 1:
        raise InputValidationError(
            f"load a {name} by exactly one of identifier, pk, uuid or label; got {sorted(given) or 'none'}"
        )
    ((kind, value),) = given.items()
    candidates = _candidates(kind, value, name)
    for what, filters in candidates:
        found = collection.find(filters, limit=2)
        if len(found) == 1:
            return found[0]
        if found:
            raise MultipleObjectsError(
                f"several {name}s match {what} {value!r}; use the pk or the full uuid instead"
            )
    *others, last = dict.fromkeys(what for what, _ in candidates)
    kinds = f"{', '.join(others)} or {last}" if others else last
    raise NotExistent(f"no {name} with {kinds} {value!r}")


def _candidates(kind: str, value: Any, name: str) -> list[tuple[str, dict[str, Any]]]:
    """The (description, filters) lookups to try, most specific first."""
    if kind == "pk" or (kind == "identifier" and isinstance(value, int)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputValidationError(f"a {name} pk is an integer, got {value!r}")
        return [("pk", {"id": value})]
    if not isinstance(value, str):
        raise InputValidationError(f"a {name} identifier is an int or a string, got {value!r}")
    text = value.strip()
    if kind == "label" or (kind == "identifier" and text.endswith("!")):
        return [("label", {"label": text.removesuffix("!") if kind == "identifier" else value})]
    uuid_lookups = _uuid_candidates(text)
    if kind == "uuid":
        if not uuid_lookups:
            raise InputValidationError(f"{value!r} is not a uuid or uuid prefix (hex digits and dashes)")
        return uuid_lookups
    candidates = [("pk", {"id": int(text)})] if text.isdigit() else []
    full = [lookup for lookup in uuid_lookups if lookup[0] == "uuid"]
    prefix = [lookup for lookup in uuid_lookups if lookup[0] == "uuid prefix"]
    return [*candidates, *full, ("label", {"label": text}), *prefix]


def _uuid_candidates(text: str) -> list[tuple[str, dict[str, Any]]]:
    """An exact uuid lookup for a full uuid, a LIKE lookup for a prefix, nothing for other text."""
    lowered = text.lower()
    if not lowered or not _HEX_AND_DASHES.match(lowered):
        return []
    try:
        return [("uuid", {"uuid": str(uuid_module.UUID(lowered))})]
    except ValueError:
        pass
    if "-" not in lowered:  # a prefix typed without dashes: put them where a uuid has them
        start, parts = 0, []
        for end in _UUID_GROUP_ENDS:
            if start < len(lowered):
                parts.append(lowered[start:end])
            start = end
        lowered = "-".join(parts)
    return [("uuid prefix", {"uuid": Like(f"{lowered}%")})]
