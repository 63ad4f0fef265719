"""Users: fields, uniqueness, the default user and guarded deletion, on both SQL backends."""

from __future__ import annotations

import pytest

from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError, InvalidOperation, NotExistent
from provgraph.orm.comments import Comment
from provgraph.orm.computers import Computer
from provgraph.orm.groups import Group
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.users import User
from provgraph.storage.abstract import EntityTypes, StorageBackend


def test_store_and_load_round_trip(backend: StorageBackend) -> None:
    user = User("Ada@Example.ORG", "Ada", "Lovelace", "Analytical Engines")
    assert not user.is_stored
    assert user.email == "Ada@example.org"  # the domain is lowercased, the name part kept
    user.store()
    assert user.is_stored
    loaded = User.collection.get(email="Ada@example.org")
    assert loaded == user
    assert (loaded.first_name, loaded.last_name, loaded.institution) == (
        "Ada",
        "Lovelace",
        "Analytical Engines",
    )
    assert loaded.uuid is None
    assert str(loaded) == "Ada@example.org"


def test_full_and_short_names(backend: StorageBackend) -> None:
    assert User("a@x", "Ada", "Lovelace").get_full_name() == "Ada Lovelace (a@x)"
    assert User("a@x", "Ada").get_full_name() == "Ada (a@x)"
    assert User("a@x", last_name="Lovelace").get_full_name() == "Lovelace (a@x)"
    assert User("a@x").get_full_name() == "a@x"
    assert User("a@x", "Ada").get_short_name() == "a@x"


def test_empty_email_is_refused(backend: StorageBackend) -> None:
    with pytest.raises(InputValidationError, match="non-empty email"):
        User("  ")


def test_setters_write_through_when_stored(backend: StorageBackend) -> None:
    user = User("b@x").store()
    user.first_name = "Bea"
    user.last_name = "Smith"
    user.institution = "EPFL"
    user.email = "bea@X.ch"
    loaded = User.collection.get(pk=user.pk)
    assert (loaded.email, loaded.first_name, loaded.last_name, loaded.institution) == (
        "bea@x.ch",
        "Bea",
        "Smith",
        "EPFL",
    )


def test_duplicate_email_is_refused_at_store(backend: StorageBackend) -> None:
    User("dup@x").store()
    with pytest.raises(InputValidationError, match=r"a user with email 'dup@x' exists already"):
        User("dup@X").store()
    assert User.collection.count({"email": "dup@x"}) == 1


def test_renaming_to_a_taken_email_is_refused_and_changes_nothing(backend: StorageBackend) -> None:
    User("one@x").store()
    other = User("two@x").store()
    with pytest.raises(InputValidationError, match="'one@x' exists already"):
        other.email = "one@x"
    assert other.email == "two@x"
    assert User.collection.get(pk=other.pk).email == "two@x"


def test_get_or_create(backend: StorageBackend) -> None:
    stored = User("here@x").store()
    created, found = User.collection.get_or_create("here@X")
    assert (created, found) == (False, stored)
    created, new = User.collection.get_or_create("new@x", first_name="New")
    assert created
    assert not new.is_stored
    assert new.first_name == "New"


def test_default_user_is_the_profiles(backend: StorageBackend, loaded_profile: Profile) -> None:
    default = User.collection.get_default()
    assert default.email == loaded_profile.default_user_email
    assert default.is_default
    assert not User("someone@x").is_default
    assert User.collection(backend).get_default() == default


def test_default_user_cache_follows_changes_through_entities(backend: StorageBackend) -> None:
    default = User.collection.get_default()
    default.first_name = "Changed"
    assert User.collection.get_default().first_name == "Changed"


def test_missing_default_user_says_how_to_fix(
    backend: StorageBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    User.collection.reset_default()
    monkeypatch.setattr(Profile, "default_user_email", property(lambda self: "ghost@x"))
    with pytest.raises(
        NotExistent, match=r"names 'ghost@x' as its default user.*User\('ghost@x'\)\.store\(\)"
    ):
        User.collection.get_default()
    User("ghost@x").store()
    assert User.collection.get_default().email == "ghost@x"
    User.collection.reset_default()


def test_unreferenced_user_can_be_deleted(backend: StorageBackend) -> None:
    user = User("gone@x").store()
    assert user.pk is not None
    User.collection.delete(user.pk)
    assert User.collection.count({"email": "gone@x"}) == 0
    with pytest.raises(NotExistent, match=f"no User with pk {user.pk}"):
        User.collection.delete(user.pk)


def test_default_user_cannot_be_deleted(backend: StorageBackend) -> None:
    default = User.collection.get_default()
    assert default.pk is not None
    with pytest.raises(InvalidOperation, match="is the default user of profile"):
        User.collection.delete(default.pk)


def test_deleting_a_user_that_owns_data_is_refused_naming_it(backend: StorageBackend) -> None:
    user = User("owner@x").store()
    assert user.pk is not None
    node = Data()
    node.user = user
    node.store()
    Group("owned", user=user).store()
    Comment(node, user, "mine").store()
    Computer("box", "localhost").store().configure(user)
    with pytest.raises(InvalidOperation) as info:
        User.collection.delete(user.pk)
    message = str(info.value)
    assert "user 'owner@x'" in message
    for fragment in ("1 nodes", "1 groups", "1 comments", "1 computer configurations"):
        assert fragment in message
    assert backend.count_rows(EntityTypes.USER, {"id": user.pk}) == 1
