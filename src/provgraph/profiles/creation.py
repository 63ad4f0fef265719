"""Creating a profile: its storage, its default user, then its entry in ``config.json``.

Atomic as seen from the outside: either ``config.json`` names a complete profile, or nothing
of the setup is left. The steps:

1. Under the config lock: the name is free, no other setup of it runs, and no other setup
   claims the same database or container. Leftovers of an interrupted setup of the same name
   are removed first (they are known from its record, see ``records.py``). Then the setup
   record is written, naming the storage parts that do not exist yet: only those are ever
   removed again.
2. The storage is initialised and its default user created.
3. ``config.json`` gets the profile (the commit point), then the record is removed.

Any error or Ctrl-C before step 3 removes the parts the record names, and then the record. A
SIGKILL leaves the record behind with whatever was made; the next ``profile setup`` or
``profile delete`` of the name removes it. A removal never touches a part that existed before
the setup, nor a part that holds data (which the setup never writes), so an unlucky race can
leave leftovers but never cost anyone data.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from provgraph.common.pause import pause_point
from provgraph.config import Config, ensure_config_dir, get_config_dir
from provgraph.config.paths import ensure_private_dir
from provgraph.config.profile import DEFAULT_USER_EMAIL, Profile, validate_profile_name
from provgraph.exceptions import InvalidOperation, ProfileExistsError, ProvgraphError, StorageDeletionError
from provgraph.profiles.archive import first_user_email
from provgraph.profiles.records import (
    SetupRecord,
    config_lock,
    new_record,
    read_record,
    remove_record,
    setup_records,
    write_record,
)
from provgraph.storage import EntityTypes, StorageBackend, get_storage_class

__all__ = ["Notify", "create_profile", "default_storage_location", "remove_leftovers"]

LOGGER = logging.getLogger(__name__)

Notify = Callable[[str], None]
"""Receives notes meant for the user (e.g. leftovers that were removed); one sentence each."""

# The parts that say where a storage's data is: two setups sharing one of them would collide.
_IDENTIFYING_PARTS = ("database", "container")


def default_storage_location(backend: str, profile_uuid: str) -> str:
    """Where a profile keeps its files when the user does not say (as AiiDA's ``presto``)."""
    short_name = backend.removeprefix("core.")
    parent = ensure_private_dir(get_config_dir() / "repository")  # data is as private as the config
    return str(parent / f"{short_name}_{profile_uuid}")


def create_profile(
    name: str,
    backend: str,
    storage_config: Mapping[str, Any],
    email: str | None = None,
    *,
    set_default: bool | None = None,
    profile_uuid: str | None = None,
    notify: Notify | None = None,
) -> Profile:
    """Initialise the storage, create its default user, then record the profile in the config.

    All or nothing, also when interrupted (see the module docstring): an error or Ctrl-C
    removes what this setup made; leftovers of an earlier setup of ``name`` that was killed
    are removed first, and ``notify`` (default: the log) is told. ``set_default=None`` makes
    the new profile the default only when there is none yet. ``email`` names the default
    user: by default ``provgraph@localhost``, created if missing. A read-only storage (an
    archive) is neither initialised nor given a user: it is opened to check that it can be
    read, and its default user is ``email`` or else its first user.

    Example::

        create_profile("work", "core.sqlite_dos", {"filepath": "/data/work"}, "me@lab.org")
    """
    validate_profile_name(name)
    storage_cls = get_storage_class(backend)
    ensure_config_dir()  # before the storage, which may live inside it, creates it too loosely
    say = notify or _log
    attributes: dict[str, Any] = {
        "PROFILE_UUID": profile_uuid or uuid.uuid4().hex,
        "storage": {"backend": backend, "config": dict(storage_config)},
        "default_user_email": email or DEFAULT_USER_EMAIL,
    }
    if storage_cls.read_only:
        first_email = first_user_email(storage_cls(Profile(name, attributes)))  # also validates it
        attributes["default_user_email"] = email or first_email
    profile = Profile(name, attributes)

    record = _claim(profile, storage_cls, say)
    initialised = False
    try:
        pause_point("setup-recorded")
        if not storage_cls.read_only:
            initialised = storage_cls.initialise(profile)
            _ensure_default_user(profile)
        pause_point("storage-created")
        _record_profile(profile, set_default)
    except BaseException:
        # A backend that lists no parts is removed whole, if this setup initialised it.
        whole = initialised and not storage_cls.storage_parts(profile)
        _undo(record, storage_cls, say, whole=whole)
        raise
    try:
        pause_point("profile-recorded")  # interrupted from here on, the profile is complete
    finally:
        remove_record(name)
    return profile


def _log(message: str) -> None:
    LOGGER.warning("%s", message)


def _claim(profile: Profile, storage_cls: type[StorageBackend], say: Notify) -> SetupRecord:
    """Check that the setup may begin, note which parts it will make, and write its record."""
    with config_lock():
        config = Config.load(create=True)
        previous = read_record(profile.name)
        if previous is not None:
            if previous.is_running():
                raise InvalidOperation(
                    f"profile {profile.name!r} is being set up right now ({previous.describe()}); "
                    "wait for that setup to finish"
                )
            remove_leftovers(previous, config, say)
        if profile.name in config.profile_names:
            raise ProfileExistsError(f"a profile named {profile.name!r} exists already; choose another name")
        _refuse_shared_storage(profile, storage_cls)
        existing = storage_cls.existing_parts(profile)
        created = tuple(part.key for part in storage_cls.storage_parts(profile) if part.key not in existing)
        record = new_record(profile, created)
        write_record(record)
    return record


def _identifying_parts(profile: Profile) -> set[str]:
    try:
        parts = get_storage_class(profile.storage_backend).storage_parts(profile)
    except ProvgraphError:  # an unknown backend or a broken config: nothing it could collide with
        return set()
    return {part.description for part in parts if part.key in _IDENTIFYING_PARTS}


def _refuse_shared_storage(profile: Profile, storage_cls: type[StorageBackend]) -> None:
    """Refuse if another unfinished setup claims our database or container (the caller holds the lock)."""
    ours = {part.description for part in storage_cls.storage_parts(profile) if part.key in _IDENTIFYING_PARTS}
    if not ours:
        return
    for other in setup_records():
        shared = sorted(ours & _identifying_parts(other.profile))
        if not shared or other.name == profile.name:
            continue
        if other.is_running():
            raise InvalidOperation(
                f"{shared[0]} is being set up for profile {other.name!r} right now ({other.describe()}); "
                "choose another location or wait for that setup to finish"
            )
        raise InvalidOperation(
            f"{shared[0]} was claimed by an interrupted setup of profile {other.name!r} "
            f"({other.describe()}); remove its leftovers with `provgraph profile delete {other.name}` first"
        )


def remove_leftovers(
    record: SetupRecord, config: Config, say: Notify, *, keep_going: bool = False
) -> tuple[str, ...]:
    """Remove what the interrupted setup of ``record`` made, then the record (under the config lock).

    A record of a setup that did finish (the config names its profile) is only removed.
    Raises ``StorageDeletionError`` (the record is kept) if a part cannot be removed or holds
    data; with ``keep_going`` everything removable goes, the record too, and the lines of
    ``StorageDeletionError.left`` (what is left, how to remove it by hand) are returned.
    """
    if _is_recorded(record, config):
        remove_record(record.name)
        return ()
    profile = record.profile
    try:
        storage_cls = get_storage_class(profile.storage_backend)
    except ProvgraphError as exc:  # its backend is no longer installed: nothing can be checked
        if not keep_going:
            raise StorageDeletionError(
                f"an interrupted setup of profile {record.name!r} ({record.describe()}) used a storage this "
                f"installation cannot handle ({exc}); run `provgraph profile delete {record.name} --force` "
                "to forget it",
            ) from exc
        remove_record(record.name)
        backend = profile.storage_backend
        return (f"whatever the setup made of its {backend!r} storage (not checked: no such backend here)",)
    found = _present_descriptions(storage_cls, profile, record.created)
    try:
        storage_cls.destroy(profile, record.created, keep_going=keep_going, require_empty=True)
    except StorageDeletionError as exc:
        if keep_going:
            remove_record(record.name)
            return exc.left
        raise StorageDeletionError(
            f"an interrupted setup of profile {record.name!r} ({record.describe()}) left parts that could "
            f"not be removed: {exc}; run `provgraph profile delete {record.name}` to retry, with --force "
            "to forget them and remove them by hand",
            removed=exc.removed,
            left=exc.left,
        ) from exc
    remove_record(record.name)
    if found:
        say(
            f"Removed what an interrupted setup of profile {record.name!r} ({record.describe()}) had "
            f"created: {', '.join(found)}."
        )
    return ()


def _present_descriptions(
    storage_cls: type[StorageBackend], profile: Profile, keys: tuple[str, ...]
) -> list[str]:
    """The claimed parts that exist now (all claimed ones if that cannot be told), for messages."""
    try:
        existing = storage_cls.existing_parts(profile)
    except ProvgraphError:
        existing = frozenset(keys)
    found = [part for part in storage_cls.storage_parts(profile) if part.key in keys and part.key in existing]
    keys_found = {part.key for part in found}
    # the tables go with a database of the setup's own: name the database only
    return [part.description for part in found if not (part.key == "schema" and "database" in keys_found)]


def _is_recorded(record: SetupRecord, config: Config) -> bool:
    """Whether the config names the record's profile: that setup reached its commit point."""
    return record.name in config.profile_names and config.get_profile(record.name).uuid == record.profile.uuid


def _undo(record: SetupRecord, storage_cls: type[StorageBackend], say: Notify, *, whole: bool) -> None:
    """After an error or Ctrl-C: remove what this setup made, unless it was committed after all.

    A failure here must not hide the error that brought us here: it is reported and the
    record stays, for ``profile delete`` or the next setup to finish the job.
    """
    try:
        with config_lock():
            config = Config.load(create=True)
            if _is_recorded(record, config):
                remove_record(record.name)
                return
            keys = None if whole else record.created
            storage_cls.destroy(record.profile, keys, require_empty=True)
            remove_record(record.name)
    except Exception as exc:
        say(
            f"Could not remove what the setup of profile {record.name!r} created ({exc}); "
            f"run `provgraph profile delete {record.name}` to remove it."
        )
        return
    LOGGER.info("the setup of profile %r did not finish; what it created was removed", record.name)


def _ensure_default_user(profile: Profile) -> None:
    storage = get_storage_class(profile.storage_backend)(profile)
    try:
        details = storage.get_entity_details().get("Users", {})
        if profile.default_user_email not in details.get("emails", []):
            row = {"email": profile.default_user_email, "first_name": "", "last_name": "", "institution": ""}
            storage.bulk_insert(EntityTypes.USER, [row])
    finally:
        storage.close()


def _record_profile(profile: Profile, set_default: bool | None) -> None:
    """Write the new profile into the config (the commit point of creating one)."""
    with Config.modify() as config:
        config.add_profile(profile)
        if set_default or (set_default is None and config.default_profile_name is None):
            config.set_default_profile(profile.name)
