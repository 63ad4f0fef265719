"""``provgraph profile ...`` end to end through click, on real storages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.storage import get_storage_class


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code != 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    error_lines = [line for line in lines if line.startswith("Error:")]
    assert len(error_lines) == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in error_lines[0], result.output


def setup_sqlite(name: str, tmp_path: Path, *extra: str) -> Result:
    return run(
        "profile",
        "setup",
        "core.sqlite_dos",
        "--profile",
        name,
        "--filepath",
        str(tmp_path / name),
        "--non-interactive",
        *extra,
    )


def test_setup_sqlite_creates_profile_storage_and_default_user(tmp_path: Path) -> None:
    result = setup_sqlite("alpha", tmp_path, "--email", "me@example.org")
    assert result.exit_code == 0, result.output
    config = Config.load()
    assert config.profile_names == ["alpha"]
    assert config.default_profile_name == "alpha"
    profile = config.get_profile("alpha")
    assert profile.default_user_email == "me@example.org"
    assert (tmp_path / "alpha" / "database.sqlite").is_file()
    storage_cls = get_storage_class("core.sqlite_dos")
    assert storage_cls.version_profile(profile) == storage_cls.version_head()
    with storage_cls(profile) as storage:
        assert storage.get_entity_counts()["Users"] == 1
        assert storage.get_entity_details()["Users"]["emails"] == ["me@example.org"]


def test_setup_default_location_is_under_config_folder(provgraph_path: Path) -> None:
    result = run("profile", "setup", "core.sqlite_dos", "--profile", "beta", "--non-interactive")
    assert result.exit_code == 0, result.output
    profile = Config.load().get_profile("beta")
    folder = Path(profile.storage_config["filepath"])
    assert folder.is_relative_to(provgraph_path)
    assert profile.uuid in folder.name


def test_second_profile_is_not_default_unless_asked(tmp_path: Path) -> None:
    assert setup_sqlite("one", tmp_path).exit_code == 0
    assert setup_sqlite("two", tmp_path).exit_code == 0
    assert Config.load().default_profile_name == "one"
    assert setup_sqlite("three", tmp_path, "--set-default").exit_code == 0
    assert Config.load().default_profile_name == "three"


def test_duplicate_profile_name_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    assert setup_sqlite("dup", tmp_path).exit_code == 0
    before = Config.load().filepath.read_bytes()
    result = run(
        "profile", "setup", "core.sqlite_dos", "--profile", "dup", "--filepath", str(tmp_path / "other"),
        "--non-interactive",
    )  # fmt: skip
    assert_one_line_error(result, "dup", "exists")
    assert Config.load().filepath.read_bytes() == before
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize("bad_name", ["has space", "a/b", "../up", "", "-dash"])
def test_bad_profile_names_are_refused(tmp_path: Path, bad_name: str) -> None:
    result = setup_sqlite(bad_name, tmp_path)
    assert_one_line_error(result, "profile name")
    assert not Config.load(create=True).profile_names


def test_missing_name_non_interactive_is_a_usage_error() -> None:
    result = run("profile", "setup", "core.sqlite_dos", "--non-interactive")
    assert result.exit_code == 2
    assert "--profile" in result.output


def test_list_marks_default(tmp_path: Path) -> None:
    setup_sqlite("one", tmp_path)
    setup_sqlite("two", tmp_path)
    result = run("profile", "list")
    assert result.exit_code == 0, result.output
    lines = {line.split()[-3]: line.split() for line in result.output.splitlines()[1:] if line.strip()}
    assert lines["one"][0] == "*"
    assert lines["two"][0] == "two"


def test_list_formats_and_long_locations_are_never_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")  # a narrow terminal width must not matter in a pipe
    deep = tmp_path / ("a-rather-long-folder-name-" * 4) / "store"
    assert run("profile", "setup", "core.sqlite_dos", "--profile", "one", "--filepath", str(deep),
               "--non-interactive").exit_code == 0  # fmt: skip
    setup_sqlite("two", tmp_path)
    table = run("profile", "list").stdout.splitlines()
    assert table[0].split() == ["default", "name", "backend", "location"]
    assert table[1].split() == ["*", "one", "core.sqlite_dos", str(deep.resolve())]
    tsv = run("profile", "list", "--format", "tsv").stdout.splitlines()
    assert tsv == [
        "default\tname\tbackend\tlocation",
        f"*\tone\tcore.sqlite_dos\t{deep.resolve()}",
        f"\ttwo\tcore.sqlite_dos\t{(tmp_path / 'two').resolve()}",
    ]
    as_json = json.loads(run("profile", "list", "--json").stdout)
    assert [(item["name"], item["default"]) for item in as_json] == [("one", True), ("two", False)]
    import yaml

    assert yaml.safe_load(run("profile", "list", "-F", "yaml").stdout)[1]["name"] == "two"


def test_list_without_profiles_in_json_is_an_empty_list() -> None:
    result = run("profile", "list", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "provgraph quickstart" in result.stderr


def test_list_without_profiles_says_what_to_do() -> None:
    result = run("profile", "list")
    assert result.exit_code == 0
    assert "provgraph quickstart" in result.output


def test_show_masks_passwords(tmp_path: Path) -> None:
    setup_sqlite("one", tmp_path)
    with Config.modify() as config:
        profile = config.get_profile("one")
        raw = profile.to_dict()
        raw["storage"]["config"]["database_password"] = "hunter2"
        raw["storage"]["config"]["url"] = "postgresql://bob:hunter2@db/x"
        from provgraph.config.profile import Profile

        config.update_profile(Profile("one", raw))
    result = run("profile", "show", "one")
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    assert "****" in result.output
    assert "(default)" in result.output


def test_show_formats_mask_passwords(tmp_path: Path) -> None:
    setup_sqlite("one", tmp_path)
    setup_sqlite("two", tmp_path)
    with Config.modify() as config:
        raw = config.get_profile("two").to_dict()
        raw["storage"]["config"]["database_password"] = "hunter2"
        from provgraph.config.profile import Profile

        config.update_profile(Profile("two", raw))
    record = json.loads(run("profile", "show", "two", "--json").stdout)
    assert record["name"] == "two"
    assert record["default"] is False
    assert record["storage"]["config"]["database_password"] == "****"
    assert record["storage"]["config"]["filepath"] == str((tmp_path / "two").resolve())
    tsv = run("profile", "show", "two", "-F", "tsv").stdout
    assert "storage.config.database_password\t****" in tsv
    assert "hunter2" not in tsv
    table = run("profile", "show").stdout
    assert table.startswith("Profile: one (default)\n")
    assert "hunter2" not in run("profile", "show", "two", "-F", "yaml").stdout


def test_show_unknown_profile_lists_existing(tmp_path: Path) -> None:
    setup_sqlite("one", tmp_path)
    assert_one_line_error(run("profile", "show", "nope"), "nope", "one")


def test_set_default(tmp_path: Path) -> None:
    setup_sqlite("one", tmp_path)
    setup_sqlite("two", tmp_path)
    assert run("profile", "set-default", "two").exit_code == 0
    assert Config.load().default_profile_name == "two"
    assert_one_line_error(run("profile", "set-default", "ghost"), "ghost")


def test_delete_removes_data_unless_kept(tmp_path: Path) -> None:
    setup_sqlite("one", tmp_path)
    setup_sqlite("two", tmp_path)
    result = run("profile", "delete", "two", "--force")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "two").exists()
    result = run("profile", "delete", "one", "--force", "--keep-data")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "one" / "database.sqlite").is_file()
    assert Config.load().profile_names == []


def test_delete_needs_force_without_a_terminal(tmp_path: Path) -> None:
    setup_sqlite("one", tmp_path)
    result = run("profile", "delete", "one")
    assert result.exit_code == 2
    assert "--force" in result.output
    assert Config.load().profile_names == ["one"]


def test_delete_default_profile_moves_default_to_the_only_other(tmp_path: Path) -> None:
    setup_sqlite("one", tmp_path)
    setup_sqlite("two", tmp_path)
    result = run("profile", "delete", "one", "--force")
    assert result.exit_code == 0, result.output
    assert "'two' is now the default" in result.output
    assert Config.load().default_profile_name == "two"


def test_delete_default_profile_with_several_left_leaves_no_default(tmp_path: Path) -> None:
    for name in ("one", "two", "three"):
        setup_sqlite(name, tmp_path)
    result = run("profile", "delete", "one", "--force")
    assert result.exit_code == 0, result.output
    assert "set-default" in result.output
    assert Config.load().default_profile_name is None
    assert_one_line_error(run("storage", "info"), "default")


def test_unknown_backend_is_a_usage_error() -> None:
    result = run("profile", "setup", "core.nosuch", "--profile", "x")
    assert result.exit_code == 2
    assert "core.nosuch" in result.output


def test_corrupt_config_gives_one_line_error(provgraph_path: Path) -> None:
    provgraph_path.mkdir(parents=True, exist_ok=True)
    config_file = provgraph_path / "config.json"
    config_file.write_text('{"CONFIG_VERSION": {"CURRENT": 10, ')
    for args in (("profile", "list"), ("storage", "info"), ("quickstart",)):
        assert_one_line_error(run(*args), str(config_file))
    assert config_file.read_text() == '{"CONFIG_VERSION": {"CURRENT": 10, '


def test_config_from_newer_version_is_refused(provgraph_path: Path) -> None:
    provgraph_path.mkdir(parents=True, exist_ok=True)
    config_file = provgraph_path / "config.json"
    content = {
        "CONFIG_VERSION": {"CURRENT": 99, "OLDEST_COMPATIBLE": 42},
        "profiles": {},
        "options": {},
    }
    config_file.write_text(json.dumps(content))
    assert_one_line_error(run("profile", "list"), str(config_file), "CONFIG_VERSION")
    assert json.loads(config_file.read_text()) == content


@pytest.mark.requires_psql
def test_setup_psql_creates_database_and_delete_drops_it(postgres_server: Any, tmp_path: Path) -> None:
    database = postgres_server.new_database_name()
    url = postgres_server.url_for(database)
    result = run(
        "profile", "setup", "core.psql_dos", "--profile", "pg", "--database-url", url,
        "--repository", str(tmp_path / "pg-repo"), "--non-interactive",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    profile = Config.load().get_profile("pg")
    assert profile.storage_config["database_name"] == database
    assert profile.storage_config["repository_uri"] == (tmp_path / "pg-repo").resolve().as_uri()
    info = run("-p", "pg", "storage", "info")
    assert info.exit_code == 0, info.output
    assert "Users" in info.output

    from provgraph.manager import get_manager

    get_manager().reset()  # the CLI runs in-process; release its connections first
    result = run("profile", "delete", "pg", "--force")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "pg-repo").exists()
    assert not _database_exists(postgres_server, database)


def _database_exists(server: Any, name: str) -> bool:
    import psycopg

    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


@pytest.mark.requires_psql
def test_setup_psql_unreachable_url_fails_cleanly(postgres_server: object) -> None:
    result = run(
        "profile", "setup", "core.psql_dos", "--profile", "pg",
        "--database-url", "postgresql://postgres:s3cret@127.0.0.1:1/nowhere", "--non-interactive",
    )  # fmt: skip
    assert_one_line_error(result)
    assert "s3cret" not in result.output
    assert Config.load(create=True).profile_names == []
