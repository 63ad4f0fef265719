"""``provgraph storage maintain`` on real storages of both SQL backends."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner, Result
from tests.child_processes import profile_in_use

from provgraph.cli import prompts
from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage import EntityTypes


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


@pytest.fixture
def registered(profile: Profile) -> Profile:
    """The initialised test profile, the config's default, holding one file a node refers to and
    one nobody refers to."""
    with Config.modify() as config:
        config.add_profile(profile)
        config.set_default_profile(profile.name)
    storage = get_manager().get_profile_storage()
    repository = storage.get_repository()
    kept = repository.put_object_from_filelike(io.BytesIO(b"kept"))
    repository.put_object_from_filelike(io.BytesIO(b"orphan"))
    user = storage.bulk_insert(EntityTypes.USER, [{"email": "c@x"}], allow_defaults=True)[0]
    metadata = {"o": {"f": {"k": kept}}}
    storage.bulk_insert(
        EntityTypes.NODE, [{"user_id": user, "repository_metadata": metadata}], allow_defaults=True
    )
    get_manager().reset()
    return profile


def _objects() -> dict[str, int]:
    info: dict[str, int] = get_manager().get_profile_storage().get_repository().get_info()["Objects"]
    get_manager().reset()
    return info


def test_quick_maintenance_packs_and_says_what_it_kept(registered: Profile) -> None:
    result = run("storage", "maintain", "--force")
    assert result.exit_code == 0, result.output
    assert "2 loose objects packed" in result.output
    assert f"Success: quick maintenance of {registered.name!r} done" in result.output
    assert (
        "1 files no node refers to (6 B) are kept; `provgraph storage maintain --full` deletes them"
        in result.output
    )
    assert _objects()["loose"] == 0


def test_full_maintenance_deletes_what_nothing_refers_to(registered: Profile) -> None:
    result = run("storage", "maintain", "--full", "--force")
    assert result.exit_code == 0, result.output
    assert "1 objects (6 bytes) deleted" in result.output
    assert "repack" in result.output
    assert "VACUUM" in result.output
    assert _objects()["packed"] == 1


def test_dry_run_changes_nothing_and_needs_no_confirmation(registered: Profile) -> None:
    result = run("storage", "maintain", "--full", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would be deleted" in result.output
    assert "nothing was changed" in result.output
    assert _objects() == {"packed": 0, "loose": 2, "pack_files": 0}


def test_full_maintenance_is_refused_while_another_process_uses_the_profile(registered: Profile) -> None:
    with profile_in_use(registered) as other:
        result = run("storage", "maintain", "--full", "--force")
    assert result.exit_code == 1
    assert f"in use by PID {other.pid}" in result.output
    assert "Traceback" not in result.output
    assert _objects()["loose"] == 2  # nothing was done


def test_confirmation(registered: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("storage", "maintain")  # no terminal to ask on
    assert result.exit_code == 2
    assert "needs confirmation: pass --force" in result.output
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    result = run("storage", "maintain", "--full", stdin="n\n")
    assert result.exit_code == 1
    assert "no other process may use the profile meanwhile" in result.output
    assert _objects()["loose"] == 2
    result = run("storage", "maintain", stdin="y\n")
    assert result.exit_code == 0, result.output
    assert _objects()["loose"] == 0


def test_no_repack_needs_full(registered: Profile) -> None:
    result = run("storage", "maintain", "--no-repack", "--force")
    assert result.exit_code == 2
    assert "--no-repack only applies to a full maintenance" in result.output
    result = run("storage", "maintain", "--full", "--no-repack", "--force")
    assert result.exit_code == 0, result.output
    assert "repack" not in result.output.replace("--no-repack", "")


def test_an_archive_profile_has_nothing_to_maintain(provgraph_path: object) -> None:
    from tests.data_files import SMALL_ARCHIVE

    import provgraph

    profile = provgraph.profile_from_archive(SMALL_ARCHIVE)
    with Config.modify() as config:
        config.add_profile(profile)
    result = run("-p", profile.name, "storage", "maintain", "--force")
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: the storage of profile {profile.name!r} is a read-only archive: nothing to maintain\n"
    )
