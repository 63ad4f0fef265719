"""config.json: reading, writing, validation and the errors a broken file produces."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from provgraph.config import (
    CONFIG_VERSION,
    Config,
    Profile,
    ensure_config_dir,
    get_config_dir,
)
from provgraph.config.config import LOCK_FILENAME
from provgraph.config.files import atomic_write
from provgraph.exceptions import (
    ConfigurationError,
    ConfigVersionError,
    InvalidProfileNameError,
    ProfileExistsError,
    ProfileNotFoundError,
)


def new_profile(name: str, **extra: Any) -> Profile:
    profile = Profile.new(name, "core.sqlite_dos", {"filepath": f"/data/{name}"})
    return Profile(name, {**profile.to_dict(), **extra}) if extra else profile


def raw_config(**profiles: dict[str, Any]) -> dict[str, Any]:
    return {
        "CONFIG_VERSION": {"CURRENT": 10, "OLDEST_COMPATIBLE": 10},
        "profiles": profiles,
        "options": {},
    }


def profile_dict(backend: str = "core.sqlite_dos") -> dict[str, Any]:
    return {
        "PROFILE_UUID": "0123456789abcdef0123456789abcdef",
        "storage": {"backend": backend, "config": {"filepath": "/data/x"}},
        "process_control": {"backend": None, "config": {}},
        "options": {},
        "test_profile": False,
    }


def write_json(path: Path, data: object) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    filepath = path / "config.json"
    filepath.write_text(json.dumps(data, indent=4))
    return filepath


# -- the folder -------------------------------------------------------------------------------


def test_config_dir_is_the_env_folder_itself(provgraph_path: Path) -> None:
    assert get_config_dir() == provgraph_path


def test_config_dir_env_is_expanded_and_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PROVGRAPH_PATH", "~/somewhere")
    assert get_config_dir() == tmp_path / "somewhere"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROVGRAPH_PATH", "relative/dir")
    assert get_config_dir() == tmp_path / "relative" / "dir"


def test_config_dir_defaults_to_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PROVGRAPH_PATH")
    assert get_config_dir() == tmp_path / ".provgraph"


def test_config_dir_is_created_private(provgraph_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        assert ensure_config_dir() == provgraph_path
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(provgraph_path.stat().st_mode) == 0o700


# -- round trips ------------------------------------------------------------------------------


def test_round_trip(provgraph_path: Path) -> None:
    with Config.modify() as config:
        config.add_profile(new_profile("first"))
        config.add_profile(new_profile("second"))
        config.set_default_profile("second")
        config.set_option("db.batch_size", 500)
    loaded = Config.load()
    assert loaded.profile_names == ["first", "second"]
    assert loaded.default_profile_name == "second"
    assert loaded.get_option("db.batch_size") == 500
    assert loaded.get_profile("first").storage_config == {"filepath": "/data/first"}
    assert loaded.version == CONFIG_VERSION
    before = loaded.filepath.read_bytes()
    loaded.store()
    assert loaded.filepath.read_bytes() == before
    assert json.loads(before)["CONFIG_VERSION"] == {"CURRENT": 10, "OLDEST_COMPATIBLE": 10}


def test_unknown_keys_survive_a_round_trip(provgraph_path: Path) -> None:
    profile = profile_dict()
    profile["aiida_future_key"] = {"nested": [1, 2]}
    profile["storage"]["config"]["extra_setting"] = True
    profile["process_control"] = {"backend": "core.zeromq", "config": {"supervised_by_daemon": True}}
    data = raw_config(old=profile)
    data["top_level_extra"] = "kept"
    filepath = write_json(provgraph_path, data)

    with Config.modify() as config:
        config.add_profile(new_profile("new"))

    written = json.loads(filepath.read_text())
    assert written["top_level_extra"] == "kept"
    assert written["profiles"]["old"] == profile
    assert set(written["profiles"]) == {"old", "new"}


def test_newer_compatible_version_is_read_and_kept(provgraph_path: Path) -> None:
    data = raw_config(a=profile_dict())
    data["CONFIG_VERSION"] = {"CURRENT": 12, "OLDEST_COMPATIBLE": 10}
    filepath = write_json(provgraph_path, data)
    with Config.modify() as config:
        assert config.version == 12
        config.set_option("x", 1)
    assert json.loads(filepath.read_text())["CONFIG_VERSION"] == {"CURRENT": 12, "OLDEST_COMPATIBLE": 10}


def test_written_file_is_indented_json(provgraph_path: Path) -> None:
    with Config.modify() as config:
        config.add_profile(new_profile("a"))
    text = (provgraph_path / "config.json").read_text()
    assert text.startswith('{\n    "CONFIG_VERSION"')


# -- profiles ---------------------------------------------------------------------------------


def test_default_profile() -> None:
    config = Config.load(create=True)
    with pytest.raises(ConfigurationError, match="no default profile"):
        config.get_profile()
    config.add_profile(new_profile("a"))
    config.add_profile(new_profile("b"))
    config.set_default_profile("a")
    config.set_default_profile("b", overwrite=False)
    assert config.get_profile().name == "a"
    config.set_default_profile("b")
    assert config.get_profile().name == "b"
    config.remove_profile("b")
    assert config.default_profile_name is None
    with pytest.raises(ProfileNotFoundError):
        config.set_default_profile("b")


def test_unknown_profile_lists_existing_names() -> None:
    config = Config.load(create=True)
    config.add_profile(new_profile("alpha"))
    config.add_profile(new_profile("beta"))
    with pytest.raises(ProfileNotFoundError, match="'gamma'") as info:
        config.get_profile("gamma")
    assert "'alpha', 'beta'" in str(info.value)
    with pytest.raises(ProfileNotFoundError):
        config.remove_profile("gamma")
    with pytest.raises(ProfileNotFoundError):
        config.update_profile(new_profile("gamma"))


def test_duplicate_profile_name() -> None:
    config = Config.load(create=True)
    first = new_profile("same")
    config.add_profile(first)
    second = new_profile("same")
    with pytest.raises(ProfileExistsError, match="'same'"):
        config.add_profile(second)
    assert config.get_profile("same").uuid == first.uuid
    config.add_profile(second, overwrite=True)
    assert config.get_profile("same").uuid == second.uuid
    third = new_profile("same")
    config.update_profile(third)
    assert config.get_profile("same").uuid == third.uuid


@pytest.mark.parametrize("name", ["with space", "a/b", "..", "", ".hidden", "x" * 101])
def test_invalid_profile_names_are_rejected(name: str, provgraph_path: Path) -> None:
    with pytest.raises(InvalidProfileNameError):
        new_profile(name)
    filepath = write_json(provgraph_path, raw_config(**{name: profile_dict()}))
    with pytest.raises(ConfigurationError, match=r"profiles: invalid profile name"):
        Config.load()
    assert filepath.exists()


def test_options_profile_then_global_then_default() -> None:
    config = Config.load(create=True)
    config.add_profile(new_profile("a"))
    config.set_option("opt", "global")
    config.set_option("opt", "profile", profile="a")
    config.set_option("only_global", 1)
    assert config.get_option("opt") == "global"
    assert config.get_option("opt", profile="a") == "profile"
    assert config.get_option("opt", profile=config.get_profile("a")) == "profile"
    assert config.get_option("only_global", profile="a") == 1
    assert config.get_option("missing", profile="a", default=7) == 7


# -- broken files -----------------------------------------------------------------------------


def _profile_with(**changes: Any) -> dict[str, Any]:
    profile = profile_dict()
    profile.update(changes)
    return profile


BROKEN_FILES: dict[str, tuple[str, str]] = {
    # id: (file contents, text the one-line error must contain besides the file path)
    "garbage": ("this is not json", "line 1 column 1"),
    "truncated": (json.dumps(raw_config(p=profile_dict()), indent=4)[:150], "line "),
    "empty": ("", "line 1 column 1"),
    "top-level-list": ("[1, 2]", "expected a JSON object"),
    "no-version": (json.dumps({"profiles": {}}), "CONFIG_VERSION: Field required"),
    "backend-missing": (
        json.dumps(raw_config(p=_profile_with(storage={"config": {}}))),
        "profiles.p.storage.backend: Field required",
    ),
    "backend-wrong-type": (
        json.dumps(raw_config(p=_profile_with(storage={"backend": 5, "config": {}}))),
        "profiles.p.storage.backend: Input should be a valid string (got 5)",
    ),
    "test-profile-string": (
        json.dumps(raw_config(p=_profile_with(test_profile="false"))),
        "profiles.p.test_profile: Input should be a valid boolean",
    ),
    "uuid-missing": (
        json.dumps(raw_config(p={k: v for k, v in profile_dict().items() if k != "PROFILE_UUID"})),
        "profiles.p.PROFILE_UUID: Field required",
    ),
    "profiles-not-object": (
        json.dumps({**raw_config(), "profiles": []}),
        "profiles: Input should be a valid dictionary",
    ),
    "unknown-default": (
        json.dumps({**raw_config(p=profile_dict()), "default_profile": "nope"}),
        "default_profile: names profile 'nope'",
    ),
    "newer-version": (
        json.dumps({**raw_config(), "CONFIG_VERSION": {"CURRENT": 11, "OLDEST_COMPATIBLE": 11}}),
        "CONFIG_VERSION.OLDEST_COMPATIBLE is 11",
    ),
    "older-version": (
        json.dumps({**raw_config(), "CONFIG_VERSION": {"CURRENT": 9, "OLDEST_COMPATIBLE": 9}}),
        "CONFIG_VERSION.CURRENT is 9",
    ),
    "not-utf8": ('{"a": "\udcff"}', "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_broken_file_gives_one_line_error_and_is_left_untouched(case: str, provgraph_path: Path) -> None:
    contents, expected = BROKEN_FILES[case]
    provgraph_path.mkdir()
    filepath = provgraph_path / "config.json"
    filepath.write_bytes(contents.encode("utf-8", "surrogateescape"))
    before = filepath.read_bytes()

    with pytest.raises(ConfigurationError) as info:
        Config.load()
    message = str(info.value)
    assert "\n" not in message
    assert str(filepath) in message
    assert expected in message
    assert len(message) < 400

    with pytest.raises(ConfigurationError), Config.modify() as config:
        config.set_option("never", "written")
    assert filepath.read_bytes() == before


@pytest.mark.parametrize(("current", "oldest"), [(11, 11), (9, 9)])
def test_version_errors_are_config_version_errors(current: int, oldest: int, provgraph_path: Path) -> None:
    write_json(
        provgraph_path, {**raw_config(), "CONFIG_VERSION": {"CURRENT": current, "OLDEST_COMPATIBLE": oldest}}
    )
    with pytest.raises(ConfigVersionError, match="upgrade provgraph" if current > 10 else "verdi config"):
        Config.load()


def test_several_errors_are_summarised_on_one_line(provgraph_path: Path) -> None:
    bad = {"storage": {"backend": 1}, "test_profile": "no", "options": []}
    write_json(provgraph_path, raw_config(**{f"p{i}": bad for i in range(3)}))
    with pytest.raises(ConfigurationError, match=r"; and \d+ more$") as info:
        Config.load()
    assert "\n" not in str(info.value)


def test_missing_file(provgraph_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="provgraph quickstart") as info:
        Config.load()
    assert str(provgraph_path / "config.json") in str(info.value)
    config = Config.load(create=True)
    assert config.profiles == []
    assert not provgraph_path.exists()  # loading never writes


def test_invalid_content_is_not_written(provgraph_path: Path) -> None:
    config = Config.load(create=True)
    config.set_option("not json", {1, 2})
    with pytest.raises(ConfigurationError, match="cannot write config"):
        config.store()
    assert not (provgraph_path / "config.json").exists()


# -- how the file is written ------------------------------------------------------------------


def test_file_modes(provgraph_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        with Config.modify() as config:
            config.add_profile(new_profile("a"))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(provgraph_path.stat().st_mode) == 0o700
    assert stat.S_IMODE((provgraph_path / "config.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((provgraph_path / LOCK_FILENAME).stat().st_mode) == 0o600


def test_writes_leave_no_temporary_files(provgraph_path: Path) -> None:
    for index in range(3):
        with Config.modify() as config:
            config.add_profile(new_profile(f"p{index}"))
    Config.load().store()
    assert sorted(os.listdir(provgraph_path)) == ["config.json", LOCK_FILENAME]


def test_failed_atomic_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "file.json"
    target.write_bytes(b"old")

    def fail_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file.json"]


def test_modify_rolls_back_on_error(provgraph_path: Path) -> None:
    with Config.modify() as config:
        config.add_profile(new_profile("kept"))
    filepath = provgraph_path / "config.json"
    before = filepath.read_bytes()

    def change_then_fail() -> None:
        with Config.modify() as config:
            config.add_profile(new_profile("lost"))
            config.set_default_profile("lost")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        change_then_fail()

    assert filepath.read_bytes() == before
    assert Config.load().profile_names == ["kept"]


def test_modify_sees_changes_made_after_an_earlier_load(provgraph_path: Path) -> None:
    stale = Config.load(create=True)
    with Config.modify() as config:
        config.add_profile(new_profile("one"))
    with Config.modify() as config:
        assert config.profile_names == ["one"]
        config.add_profile(new_profile("two"))
    assert stale.profile_names == []
    assert Config.load().profile_names == ["one", "two"]


def test_store_to_an_explicit_folder(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    with Config.modify(dirpath=folder) as config:
        config.add_profile(new_profile("x"))
    assert Config.load(dirpath=folder).profile_names == ["x"]
    assert config.dirpath == folder
    assert config.filepath == folder / "config.json"


def test_unusable_config_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PROVGRAPH_PATH", str(blocker / "config"))
    with pytest.raises(ConfigurationError, match=rf"cannot create folder {blocker / 'config'}"):
        ensure_config_dir()
    with pytest.raises(ConfigurationError, match="cannot create folder"), Config.modify():
        pass


def test_unreadable_config_file(provgraph_path: Path) -> None:
    (provgraph_path / "config.json").mkdir(parents=True)
    with pytest.raises(ConfigurationError, match=r"cannot read config file .*config\.json: Is a directory"):
        Config.load()
