"""Computers: the machines calculations run on (AiiDA's ``orm.Computer``).

A computer is mutable after storing (AiiDA re-stores computers when their settings change): its
setters write through. Scheduler and transport settings live in the JSON ``metadata`` column
under AiiDA's keys (``workdir``, ``shebang``, ``mpirun_command``, ...), so a database shared
with AiiDA reads the same. Per-user connection settings are :class:`~provgraph.orm.authinfos.AuthInfo`.
"""

from __future__ import annotations

import copy
import os
import uuid as uuid_module
from typing import TYPE_CHECKING, Any, ClassVar, cast

from provgraph.exceptions import InputValidationError, InvalidOperation, NotExistent
from provgraph.orm.authinfos import AuthInfo, configure_computer, find_authinfo
from provgraph.orm.entities import Collection, CollectionDescriptor, collection_of
from provgraph.orm.labelled import LabelledEntity
from provgraph.orm.loaders import load_entity
from provgraph.storage.abstract import EntityTypes, StorageBackend

if TYPE_CHECKING:
    from typing_extensions import Self

    from provgraph.orm.users import User, UserCollection

__all__ = ["Computer", "ComputerCollection", "load_computer"]

_MISSING = object()


class ComputerCollection(Collection["Computer"]):
    """The computers of one storage."""

    def get_or_create(self, label: str, **kwargs: Any) -> tuple[bool, Computer]:
        """``(False, computer)`` if one is labelled ``label``, else ``(True, new unstored computer)``."""
        try:
            return False, self.get(label=label)
        except NotExistent:
            return True, Computer(label, backend=self._backend, **kwargs)

    def list_labels(self) -> list[str]:
        rows = self._backend.get_rows(EntityTypes.COMPUTER, columns=["label"], order_by=["label"])
        return [str(row["label"]) for row in rows]


class Computer(LabelledEntity):
    """A machine that runs calculations, with its scheduler and transport settings."""

    PROPERTY_MINIMUM_SCHEDULER_POLL_INTERVAL = "minimum_scheduler_poll_interval"
    PROPERTY_MINIMUM_SCHEDULER_POLL_INTERVAL__DEFAULT = 10.0
    PROPERTY_WORKDIR = "workdir"
    PROPERTY_SHEBANG = "shebang"
    DEFAULT_WORKDIR = "/scratch/{username}/aiida_run/"
    DEFAULT_MPIRUN_COMMAND = ("mpirun", "-np", "{tot_num_mpiprocs}")

    _entity_type: ClassVar[EntityTypes] = EntityTypes.COMPUTER
    collection = CollectionDescriptor(ComputerCollection)

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
    def hostname(self) -> str:
        return str(self._row["hostname"])

    @hostname.setter
    def hostname(self, value: str) -> None:
        self._update(hostname=value)

    @property
    def transport_type(self) -> str:
        return str(self._row["transport_type"])

    @transport_type.setter
    def transport_type(self, value: str) -> None:
        self._update(transport_type=value)

    @property
    def scheduler_type(self) -> str:
        return str(self._row["scheduler_type"])

    @scheduler_type.setter
    def scheduler_type(self, value: str) -> None:
        self._update(scheduler_type=value)

    @property
    def metadata(self) -> dict[str, Any]:
        """A copy of the settings; assign a whole dict (or use ``set_property``) to change them."""
        return copy.deepcopy(dict(self._row["metadata"]))

    @metadata.setter
    def metadata(self, value: dict[str, Any]) -> None:
        self._update(metadata=copy.deepcopy(dict(value)))

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
        return configure_computer(self, self._user_or_default(user), auth_params)

    def get_configuration(self, user: User | None = None) -> dict[str, Any]:
        """The connection settings for ``user`` (default user), ``{}`` if not configured."""
        try:
            return self.get_authinfo(self._user_or_default(user)).get_auth_params()
        except NotExistent:
            return {}

    def _user_or_default(self, user: User | None) -> User:
        if user is not None:
            return user
        return cast("UserCollection", collection_of(EntityTypes.USER, self._backend)).get_default()

    # -- storing --------------------------------------------------------------------------------

    def validate(self) -> None:
        """Refuse settings that cannot work, naming the field (called by ``store``)."""
        self._check_label(self.label)
        if not self.hostname.strip():
            raise InputValidationError(f"computer {self.label!r} has no hostname; set one before storing")
        _check_workdir(self.get_workdir())

    def store(self) -> Self:
        """Validate and write the computer; a stored computer already saved every change."""
        if not self.is_stored:
            self.validate()
            self._store()
        return self

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
    trailing ``!`` forces a label (see :func:`provgraph.orm.loaders.load_entity`).
    """
    return load_entity(Computer, identifier, pk=pk, uuid=uuid, label=label, backend=backend)


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
