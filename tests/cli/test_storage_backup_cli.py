"""``provgraph storage backup`` and ``restore``: summaries, progress, one line for every user error."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.cli_assertions import assert_one_line_error

from provgraph import orm
from provgraph.cli import output
from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _figures(text: str) -> dict[str, int]:
    """The exact byte and file counts of a backup summary."""
    return {
        "files": int(re.search(r"files: ([\d,]+)", text)[1].replace(",", "")),  # type: ignore[index]
        "copied": int(re.search(r"bytes copied: .*\(([\d,]+)\)", text)[1].replace(",", "")),  # type: ignore[index]
        "linked": int(re.search(r"bytes linked: .*\(([\d,]+)\)", text)[1].replace(",", "")),  # type: ignore[index]
    }


def _restore_arguments(profile: Profile, tmp_path: Path, request: pytest.FixtureRequest) -> list[str]:
    if profile.storage_backend == "core.sqlite_dos":
        return ["--filepath", str(tmp_path / "restored")]
    server = request.getfixturevalue("postgres_server")
    url = server.url_for(server.new_database_name())
    return ["--database-url", url, "--repository", str(tmp_path / "restored-repo")]


def test_backup_then_restore_with_summaries(
    registered_profile: Profile, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    orm.store_many(
        [orm.SinglefileData(io.BytesIO(b"content %d" % index), filename="f.txt") for index in range(12)]
    )
    first = run("storage", "backup", str(tmp_path / "backups"))
    assert first.exit_code == 0, first.output
    assert f"Backed up profile {registered_profile.name!r}" in first.output
    assert _figures(first.output)["linked"] == 0
    orm.SinglefileData(io.BytesIO(b"one more"), filename="g.txt").store()
    second = run("storage", "backup", str(tmp_path / "backups"), "--keep", "0")
    assert second.exit_code == 0, second.output
    figures = _figures(second.output)
    assert figures["linked"] == 12 * len(b"content 10") - 10  # the twelve files, 9 or 10 bytes each
    # copied: the new file, the database, the pack index and the two config.json
    assert "files: 17 (5 copied, 12 hard-linked)" in second.output
    assert "removed 1 older backup(s)" in second.output

    restored = run(
        "storage",
        "restore",
        str(tmp_path / "backups"),
        "--profile",
        "copy",
        *_restore_arguments(registered_profile, tmp_path, request),
    )
    assert restored.exit_code == 0, restored.output
    assert "Restored profile 'copy'" in restored.output
    assert "files: 17" in restored.output
    assert "copy" in Config.load().profile_names
    get_manager().reset()
    info = run("-p", "copy", "storage", "info")
    assert info.exit_code == 0, info.output
    assert re.search(r"Nodes:\s+count: 13", info.output), info.output


def test_progress_is_drawn_on_a_terminal(
    registered_profile: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    orm.SinglefileData(io.BytesIO(b"x"), filename="x.txt").store()
    result = run("storage", "backup", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    assert "Backed up profile" in result.output


def test_backup_reports_every_stage(registered_profile: Profile, tmp_path: Path) -> None:
    orm.store_many([orm.SinglefileData(io.BytesIO(b"p%d" % index), filename="p.txt") for index in range(3)])
    get_manager().get_profile_storage().get_repository().maintain(live=True)
    orm.SinglefileData(io.BytesIO(b"loose"), filename="l.txt").store()
    reports: list[tuple[str, int, int | None]] = []
    get_manager().get_profile_storage().backup(
        tmp_path / "backups", progress=lambda *report: reports.append(report)
    )
    stages = {stage for stage, _done, _total in reports}
    assert {"database", "loose objects", "pack files (bytes)", "checking the copy"} <= stages
    assert ("loose objects", 1, 1) in reports
    assert reports[-1] == ("checking the copy", 1, 1)


def test_restore_errors_are_one_line(registered_profile: Profile, tmp_path: Path) -> None:
    backup = run("storage", "backup", str(tmp_path / "backups"))
    assert backup.exit_code == 0, backup.output
    assert_one_line_error(
        run("storage", "restore", str(tmp_path / "backups"), "--profile", registered_profile.name),
        "exists already",
    )
    assert_one_line_error(
        run("storage", "restore", str(tmp_path / "nowhere"), "--profile", "x"), "is not a folder"
    )
    wrong = "--database-name" if registered_profile.storage_backend == "core.sqlite_dos" else "--filepath"
    assert_one_line_error(
        run("storage", "restore", str(tmp_path / "backups"), "--profile", "x", wrong, str(tmp_path / "w")),
        "cannot be restored with",
    )
    assert "x" not in Config.load().profile_names


def test_backup_errors_are_one_line(registered_profile: Profile, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    assert_one_line_error(
        run("storage", "backup", str(tmp_path / "file")), "is not a folder; choose a folder"
    )
    refused = run("storage", "backup", str(tmp_path / "b"), "--keep", "-1")
    assert refused.exit_code == 2  # click's usage error
    assert "Invalid value for '--keep': -1 is not in the range x>=0." in refused.output
    assert not (tmp_path / "b").exists()


def test_an_archive_profile_cannot_be_backed_up(tmp_path: Path) -> None:
    from provgraph.profiles import create_profile

    archives = Path(__file__).parents[1] / "data"
    archive = next(archives.rglob("*.aiida"), None)
    assert archive is not None, f"no archive under {archives}"
    create_profile("archive", "core.sqlite_zip", {"filepath": str(archive)}, set_default=True)
    result = run("storage", "backup", str(tmp_path / "backups"))
    assert_one_line_error(result, "cannot be backed up")
