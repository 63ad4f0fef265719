"""Deleting a profile: its storage first, its entry in ``config.json`` only after.

In that order a failure never leaves a config without its profile while the data lives on
unnamed: if the storage cannot be removed (its database server is down, say), the profile
stays in the config, and deleting it again later finishes the job (a part already removed
counts as removed). Forcing forgets the profile anyway and reports exactly which parts are
left and how to remove them by hand. A name that only an interrupted setup knows (a half
profile, see ``records.py``) is deleted by removing that setup's leftovers.
"""

from __future__ import annotations

from dataclasses import dataclass

from provgraph.access import ProfileAccessManager
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.exceptions import InvalidOperation, StorageDeletionError
from provgraph.profiles.creation import Notify, remove_leftovers
from provgraph.profiles.records import SetupRecord, config_lock, read_record, remove_record
from provgraph.storage import get_storage_class

__all__ = ["ProfileDeletion", "delete_profile"]


@dataclass(frozen=True, slots=True)
class ProfileDeletion:
    """What :func:`delete_profile` did, for the CLI to report."""

    name: str
    data_deleted: bool
    new_default: str | None
    was_default: bool
    left: tuple[str, ...] = ()
    """Parts that could not be removed (only with ``force``): what, why, and how to remove them."""
    interrupted_setup: bool = False
    """The name was a half profile: the leftovers of an interrupted setup, not a config entry."""


def delete_profile(
    name: str, *, keep_data: bool = False, force: bool = False, notify: Notify | None = None
) -> ProfileDeletion:
    """Destroy the profile's storage (unless ``keep_data``), then remove it from the config.

    Refuses (``LockingProfileError``) while another process uses the profile. If part of the
    storage cannot be removed, raises ``StorageDeletionError`` and keeps the config entry;
    with ``force`` removes what it can, forgets the profile all the same and lists what is left
    in ``ProfileDeletion.left``. When the default profile is deleted and exactly one other
    remains, that one becomes the default. The data of a read-only storage (an archive: the
    user's own file) is always kept. A name known only from an interrupted setup is accepted:
    that setup's leftovers are removed.

    Example::

        result = delete_profile("scratch")
        assert result.data_deleted
    """
    config = Config.load(create=True)
    if name not in config.profile_names:
        record = read_record(name)
        if record is None:
            config.get_profile(name)  # raises ProfileNotFoundError, naming the profiles there are
            raise AssertionError("unreachable")  # pragma: no cover
        return _delete_interrupted_setup(name, keep_data=keep_data, force=force, notify=notify)
    profile = config.get_profile(name)
    storage_cls = get_storage_class(profile.storage_backend)
    keep_data = keep_data or storage_cls.read_only
    left: tuple[str, ...] = ()
    with ProfileAccessManager(profile).lock():
        if not keep_data:
            try:
                storage_cls.destroy(profile, keep_going=force)
            except StorageDeletionError as exc:
                if not force:
                    raise _kept(name, exc) from exc
                left = exc.left
        with Config.modify() as config:
            was_default = config.default_profile_name == name
            config.remove_profile(name)
            new_default: str | None = None
            if was_default and len(config.profile_names) == 1:
                new_default = config.profile_names[0]
                config.set_default_profile(new_default)
    _forget_finished_setup(profile)
    return ProfileDeletion(
        name=name, data_deleted=not keep_data, new_default=new_default, was_default=was_default, left=left
    )


def _kept(name: str, exc: StorageDeletionError) -> StorageDeletionError:
    """The error of a deletion that stopped: what went, what stays, what to do."""
    done = f"removed only: {', '.join(exc.removed)}" if exc.removed else "nothing was removed"
    return StorageDeletionError(
        f"cannot delete profile {name!r}: {exc}; {done}; the profile is kept: fix that and run "
        f"`provgraph profile delete {name}` again, or add --force to forget the profile anyway "
        "and remove what is left by hand",
        removed=exc.removed,
        left=exc.left,
    )


def _forget_finished_setup(profile: Profile) -> None:
    """Drop the record of this profile's own setup, left if it was killed after its commit point."""
    with config_lock():
        record = read_record(profile.name)
        if record is not None and record.profile.uuid == profile.uuid:
            remove_record(profile.name)


def _delete_interrupted_setup(
    name: str, *, keep_data: bool, force: bool, notify: Notify | None
) -> ProfileDeletion:
    notes: list[str] = []
    with config_lock():
        record = read_record(name)
        config = Config.load(create=True)
        changed = record is None or name in config.profile_names
        if record is not None and not changed:
            if record.is_running():
                raise InvalidOperation(
                    f"profile {name!r} is being set up right now ({record.describe()}); wait for the setup "
                    "to finish, or stop it (Ctrl-C removes what it made), then try again"
                )
            if keep_data:
                left = _kept_leftovers(record)
                remove_record(name)
            else:
                left = remove_leftovers(record, config, notes.append, keep_going=force)
    if changed:  # a setup finished or went away meanwhile: start again
        return delete_profile(name, keep_data=keep_data, force=force, notify=notify)
    for note in notes:
        if notify is not None:
            notify(note)
    return ProfileDeletion(
        name=name,
        data_deleted=not keep_data,
        new_default=None,
        was_default=False,
        left=left,
        interrupted_setup=True,
    )


def _kept_leftovers(record: SetupRecord) -> tuple[str, ...]:
    """What an interrupted setup made, kept on request, with how to remove it by hand."""
    storage_cls = get_storage_class(record.profile.storage_backend)
    return tuple(
        f"{part.description} (kept); remove it by hand: {part.removal_hint}"
        for part in storage_cls.storage_parts(record.profile)
        if part.key in record.created
    )
