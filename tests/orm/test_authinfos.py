"""AuthInfo: one user's settings for one computer, and the Computer conveniences around it."""

from __future__ import annotations

import pytest

from provgraph.exceptions import InputValidationError, NotExistent, StoredEntityError
from provgraph.orm.authinfos import AuthInfo
from provgraph.orm.computers import Computer
from provgraph.orm.users import User
from provgraph.storage.abstract import EntityTypes, StorageBackend


@pytest.fixture
def computer(backend: StorageBackend) -> Computer:
    return Computer("box", "box.example.org", workdir="/scratch/{username}").store()


def test_store_and_load(computer: Computer) -> None:
    user = User.collection.get_default()
    authinfo = AuthInfo(computer, user)
    assert authinfo.enabled
    authinfo.set_auth_params({"username": "me", "port": 22})
    authinfo.set_metadata({"workdir": "/home/{username}/run"})
    authinfo.store()
    loaded = computer.get_authinfo(user)
    assert loaded == authinfo
    assert loaded.get_auth_params() == {"username": "me", "port": 22}
    assert loaded.get_metadata() == {"workdir": "/home/{username}/run"}
    assert loaded.get_workdir() == "/home/{username}/run"
    assert (loaded.computer, loaded.user) == (computer, user)
    reloaded = AuthInfo.collection.get(pk=authinfo.pk)
    assert (reloaded.computer.label, reloaded.user.email) == ("box", user.email)
    assert "enabled" in str(reloaded)


def test_workdir_falls_back_to_the_computers(computer: Computer) -> None:
    authinfo = computer.configure()
    assert authinfo.get_workdir() == "/scratch/{username}"


def test_changes_after_store_persist(computer: Computer) -> None:
    authinfo = computer.configure(username="a")
    authinfo.enabled = False
    authinfo.set_auth_params({"username": "b"})
    loaded = AuthInfo.collection.get(pk=authinfo.pk)
    assert not loaded.enabled
    assert loaded.get_auth_params() == {"username": "b"}
    user = User.collection.get_default()
    assert computer.is_user_configured(user)
    assert not computer.is_user_enabled(user)


def test_one_per_computer_and_user(computer: Computer) -> None:
    user = User.collection.get_default()
    AuthInfo(computer, user).store()
    with pytest.raises(InputValidationError, match="computer 'box' is already configured for user"):
        AuthInfo(computer, user).store()
    assert AuthInfo.collection.count() == 1


def test_configure_creates_then_merges(computer: Computer) -> None:
    other = User("other@x").store()
    assert not computer.is_user_configured(other)
    assert not computer.is_user_enabled(other)
    assert computer.get_configuration(other) == {}
    computer.configure(other, username="o", key_filename="/k")
    computer.configure(other, username="o2")
    assert computer.get_configuration(other) == {"username": "o2", "key_filename": "/k"}
    assert computer.is_user_configured(other)
    assert not computer.is_configured  # the default user was not configured
    computer.configure()
    assert computer.is_configured
    assert AuthInfo.collection.count() == 2


def test_get_authinfo_for_an_unconfigured_user(computer: Computer) -> None:
    with pytest.raises(NotExistent, match=r"computer 'box' is not configured for user .*computer\.configure"):
        computer.get_authinfo(User.collection.get_default())


def test_unstored_computer_or_user_is_refused(backend: StorageBackend) -> None:
    loose = Computer("loose", "h")
    with pytest.raises(StoredEntityError, match="store computer 'loose' before configuring it"):
        loose.configure()
    with pytest.raises(StoredEntityError, match="store computer 'loose'"):
        AuthInfo(loose, User.collection.get_default()).store()
    stored = Computer("stored", "h").store()
    with pytest.raises(StoredEntityError, match="store user 'new@x'"):
        AuthInfo(stored, User("new@x")).store()
    assert backend.count_rows(EntityTypes.AUTHINFO) == 0


def test_computer_stored_after_the_authinfo_was_built(backend: StorageBackend) -> None:
    computer = Computer("late", "h")
    authinfo = AuthInfo(computer, User.collection.get_default())
    computer.store()
    authinfo.store()
    assert computer.is_configured


def test_delete(computer: Computer) -> None:
    authinfo = computer.configure()
    assert authinfo.pk is not None
    AuthInfo.collection.delete(authinfo.pk)
    assert not computer.is_configured
    with pytest.raises(NotExistent, match=f"no AuthInfo with pk {authinfo.pk}"):
        AuthInfo.collection.delete(authinfo.pk)
