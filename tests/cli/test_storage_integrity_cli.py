"""``provgraph storage integrity [--fix]`` on real storages of both SQL backends, and on an archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.broken_rows import corrupt_object, insert_link
from tests.tools.integrity.stuck_workflow import kill_inside_a_workfunction

import provgraph
from provgraph import orm
from provgraph.cli import prompts
from provgraph.cli.storage import storage
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm.nodes.process import WorkFunctionNode
from provgraph.provenance import calcfunction
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.archive.create import create_archive
from provgraph.tools.integrity import DEFAULT_HASH_SAMPLE


@calcfunction
def square(x: Any) -> Any:
    return x * x


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(storage, ["integrity", *args], input=input)


@pytest.fixture
def backend(registered_profile: Profile) -> StorageBackend:
    """The loaded test profile's storage, holding one calcfunction call."""
    square(orm.Int(3))
    return get_manager().get_profile_storage()


def _line(result: Result, start: str) -> str:
    (line,) = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith(start)]
    return line


def test_the_default_hash_sample_is_the_library_s() -> None:
    (option,) = [param for param in storage.commands["integrity"].params if param.name == "hash_sample"]
    assert option.default == DEFAULT_HASH_SAMPLE


def test_a_healthy_profile_exits_0(backend: StorageBackend) -> None:
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{backend}: 0 problems found"
    assert _line(result, "processes left active") == "processes left active by a process that is gone: none"
    assert _line(result, "not checked:").startswith("not checked: objects whose content")
    full = run("--full", "--fix")
    assert full.exit_code == 0, full.output
    assert "not checked" not in full.stdout
    assert _line(full, "node hashes").startswith(
        "node hashes that no longer match their content: none [recomputed"
    )


def test_problems_exit_1_until_fixed(backend: StorageBackend) -> None:
    running = WorkFunctionNode()
    running.set_process_state("running")
    running.store()
    result = run()
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0] == f"{backend}: 1 problem found"
    assert result.stdout.splitlines()[-1] == "Run again with --fix to repair the fixable problems."
    fixed = run("--fix")
    assert fixed.exit_code == 0, fixed.output
    assert fixed.stdout.splitlines()[0] == f"{backend}: 1 problem found, 1 fixed, 0 left"
    assert orm.load_node(running.pk).is_killed
    assert run().exit_code == 0


def test_links_to_missing_nodes_need_confirmation(
    backend: StorageBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = insert_link(backend, 1, 999_999, "create", "lost")
    kept = run("--fix")  # no terminal, no --force: nothing deleted, and the command says so
    assert kept.exit_code == 1, kept.output
    assert (
        kept.stdout.splitlines()[-1]
        == "Links to missing nodes were kept: confirm, or pass --force, to delete them."
    )
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    refused = run("--fix", input="n\n")
    assert refused.exit_code == 1, refused.output
    assert "Delete the 1 link rows that point at missing nodes? [y/N]" in refused.output
    assert backend.get_rows(EntityTypes.LINK, {"id": link}) != []
    accepted = run("--fix", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert backend.get_rows(EntityTypes.LINK, {"id": link}) == []
    insert_link(backend, 999_998, 1, "create", "again")
    forced = run("--fix", "--force")
    assert forced.exit_code == 0, forced.output
    assert "[y/N]" not in forced.output


def test_objects_are_read_only_when_asked(backend: StorageBackend) -> None:
    data = orm.Data()
    data.base.repository.put_object_from_bytes(b"content", "file.txt")
    data.store()
    corrupt_object(backend, data.base.repository.metadata["o"]["file.txt"]["k"])
    assert run().exit_code == 0
    for option in ("--objects", "--full"):
        result = run(option)
        assert result.exit_code == 1, result.output
        assert _line(result, "objects whose content").startswith(
            "objects whose content does not hash to their key: 1 found (e.g. object "
        )


def test_hash_sample(backend: StorageBackend) -> None:
    result = run("--hash-sample", "0")
    assert result.exit_code == 0, result.output
    assert (
        "not checked: node hashes that no longer match their content (no sample asked for)" in result.stdout
    )
    assert run("--hash-sample", "-1").exit_code == 2


def test_a_workfunction_killed_with_its_process(registered_profile: Profile) -> None:
    pk, _ = kill_inside_a_workfunction(registered_profile.name)
    found = run()
    assert found.exit_code == 1, found.output
    assert _line(found, "processes left active").startswith(
        f"processes left active by a process that is gone: 1 found (e.g. pk={pk} running: its process (PID "
    )
    fixed = run("--fix")
    assert fixed.exit_code == 0, fixed.output
    node = orm.load_node(pk)
    assert (node.is_killed, node.is_sealed) == (True, True)
    assert run().exit_code == 0


def test_an_archive_is_checked_not_fixed(backend: StorageBackend, tmp_path: Path) -> None:
    (row,) = backend.get_rows(
        EntityTypes.NODE, {"node_type": "data.core.int.Int."}, columns=["id", "extras"], limit=1
    )
    backend.bulk_update(
        EntityTypes.NODE, [{"id": row["id"], "extras": {**row["extras"], "_aiida_hash": "stale"}}]
    )
    archive = create_archive(None, tmp_path / "export.aiida")
    get_manager().reset()
    provgraph.load_profile(provgraph.profile_from_archive(archive))
    checked = run()
    assert checked.exit_code == 1, checked.output
    assert _line(checked, "node hashes").startswith("node hashes that no longer match their content: 1 found")
    assert checked.stdout.splitlines()[-1] == "Run again with --fix to repair the fixable problems."
    refused = run("--fix")
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: ")
    assert "is read-only: it can be checked, not fixed" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
