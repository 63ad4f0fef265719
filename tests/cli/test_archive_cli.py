"""``provgraph archive info|version|migrate``: work on files alone, no profile needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.data_files import LEGACY_ARCHIVES, SMALL_ARCHIVE

from provgraph.cli import output
from provgraph.cli.archive import archive
from provgraph.common.archive_format import read_version


def run(*args: str) -> Result:
    return CliRunner().invoke(archive, list(args), catch_exceptions=False)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0, result.output
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], result.output


def test_version_of_a_legacy_archive() -> None:
    result = run("version", str(LEGACY_ARCHIVES / "export_0.9_simple.aiida"))
    assert result.exit_code == 0, result.output
    assert "Latest archive schema version: 'main_0001'" in result.output
    assert "'0.9'" in result.output


def test_info_of_a_legacy_tar_archive_counts_its_content() -> None:
    result = run("info", "--detailed", str(LEGACY_ARCHIVES / "export_0.4_simple.tar.gz"))
    assert result.exit_code == 0, result.output
    assert "export_version: 0.4" in result.output
    assert "Nodes" in result.output


def test_info_truncates_long_starting_sets(tmp_path: Path) -> None:
    result = run("info", str(SMALL_ARCHIVE))
    assert result.exit_code == 0, result.output
    assert "entities_starting_set: null" in result.output


def test_migrate_writes_a_new_file_and_keeps_the_old(tmp_path: Path) -> None:
    source = tmp_path / "old.aiida"
    shutil.copy(LEGACY_ARCHIVES / "export_0.12_simple.aiida", source)
    before = source.read_bytes()
    result = run("migrate", str(source), str(tmp_path / "new.aiida"))
    assert result.exit_code == 0, result.output
    assert read_version(tmp_path / "new.aiida") == "main_0001"
    assert source.read_bytes() == before


def test_migrate_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "new.aiida"
    target.write_text("precious")
    result = run("migrate", str(LEGACY_ARCHIVES / "export_0.12_simple.aiida"), str(target))
    assert_one_line_error(result, "exists")
    assert target.read_text() == "precious"
    forced = run("migrate", "--force", str(LEGACY_ARCHIVES / "export_0.12_simple.aiida"), str(target))
    assert forced.exit_code == 0, forced.output
    assert read_version(target) == "main_0001"


def test_migrate_in_place(tmp_path: Path) -> None:
    source = tmp_path / "old.aiida"
    shutil.copy(LEGACY_ARCHIVES / "export_0.7_simple.aiida", source)
    result = run("migrate", "--in-place", str(source))
    assert result.exit_code == 0, result.output
    assert read_version(source) == "main_0001"


def test_migrate_needs_output_or_in_place() -> None:
    result = run("migrate", str(SMALL_ARCHIVE))
    assert result.exit_code == 2
    assert "either OUTPUT or --in-place" in result.output


@pytest.mark.parametrize("name", ["export_0.1_simple.aiida", "export_0.2_simple.tar.gz", "empty.aiida"])
def test_migrate_refuses_what_aiida_core_refuses(tmp_path: Path, name: str) -> None:
    result = run("migrate", str(LEGACY_ARCHIVES / name), str(tmp_path / "out.aiida"))
    assert_one_line_error(result)
    assert not (tmp_path / "out.aiida").exists()


def test_import_refuses_an_old_archive_with_no_migration(tmp_path: Path) -> None:
    result = run("import", "--no-migration", str(LEGACY_ARCHIVES / "export_0.9_simple.aiida"))
    assert_one_line_error(result, "--no-migration")


def test_migrate_draws_progress_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    result = run("migrate", str(LEGACY_ARCHIVES / "export_0.4_simple.tar.gz"), str(tmp_path / "new.aiida"))
    assert result.exit_code == 0, result.output
    assert read_version(tmp_path / "new.aiida") == "main_0001"


def test_info_as_json() -> None:
    import json

    result = run("info", "--json", str(SMALL_ARCHIVE))
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["entities"]["Nodes"]["count"] > 0
    assert "export_version" in found["metadata"]
