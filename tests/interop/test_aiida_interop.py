"""Archives between provgraph and the real aiida-core 2.9.4, both ways.

aiida-core runs in its own virtualenv (``scripts/aiida-venv``), never in this process: these
tests run ``aiida_side.py`` with its python, found in ``PROVGRAPH_AIIDA_PYTHON`` (set by
``scripts/test``), else in ``$PROVGRAPH_AIIDA_VENV`` / ``~/.cache/provgraph/aiida-core-2.9.4``.
Without it they skip with
the reason; with ``PROVGRAPH_REQUIRE_AIIDA=1`` (``scripts/test`` sets it in CI once the venv
exists) a missing interpreter fails them instead.

The tests that need provgraph's ``create_archive`` / ``import_archive`` skip until those exist.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from tests.data_files import SMALL_ARCHIVE, SMALL_MANIFEST, legacy_imported_archives
from tests.interop import canonical
from tests.interop.provgraph_manifest import manifest_of_profile

from provgraph.config.profile import Profile

pytestmark = pytest.mark.requires_aiida

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
AIIDA_SIDE = HERE / "aiida_side.py"
REQUIRE_AIIDA = os.environ.get("PROVGRAPH_REQUIRE_AIIDA", "") not in ("", "0")
CI_NOTE = (
    "in CI (CI=true) these tests are required only when scripts/aiida-venv could create the venv "
    "(it exits 3 when the package index is unreachable)"
)

FIXTURE_ARCHIVES = [(SMALL_ARCHIVE, SMALL_MANIFEST), *legacy_imported_archives()]


def find_aiida_python() -> tuple[Path | None, str]:
    """The aiida-core venv's python, or None and why not."""
    unavailable = os.environ.get("PROVGRAPH_AIIDA_UNAVAILABLE")
    if unavailable:
        return None, unavailable
    configured = os.environ.get("PROVGRAPH_AIIDA_PYTHON")
    if configured:
        path = Path(configured)
        if os.access(path, os.X_OK):
            return path, ""
        return None, f"PROVGRAPH_AIIDA_PYTHON={configured} is not an executable"
    venv = Path(os.environ.get("PROVGRAPH_AIIDA_VENV", _CACHE / "provgraph" / "aiida-core-2.9.4"))
    path = venv / "bin" / "python"
    if os.access(path, os.X_OK):
        return path, ""
    return None, f"no aiida-core side virtualenv at {venv} (create it with scripts/aiida-venv)"


@pytest.fixture(scope="session")
def aiida_python() -> Path:
    path, reason = find_aiida_python()
    if path is None:
        message = f"aiida-core 2.9.4 side venv unavailable: {reason}; {CI_NOTE}"
        if REQUIRE_AIIDA:
            pytest.fail(message + " (PROVGRAPH_REQUIRE_AIIDA=1)")
        pytest.skip(message)
    return path


def run_aiida_side(python: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(python), str(AIIDA_SIDE), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={key: value for key, value in os.environ.items() if not key.startswith("AIIDA_")},
    )
    assert done.returncode == 0, f"aiida_side.py {args[0]} failed:\n{done.stdout}\n{done.stderr[-4000:]}"
    return done


def aiida_manifest(python: Path, archive: Path, out: Path, ancestors_of: str | None = None) -> dict[str, Any]:
    """aiida-core's manifest of ``archive`` after ``verdi archive import --no-import-group``."""
    extra = ["--ancestors-of", ancestors_of] if ancestors_of else []
    run_aiida_side(python, "manifest", archive, out, *extra)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def archive_function(name: str) -> Callable[..., Any]:
    """``provgraph.tools.archive.<name>``, skipping the test while it does not exist yet."""
    module = importlib.import_module("provgraph.tools.archive")
    function = getattr(module, name, None)
    if function is None:
        pytest.skip(f"provgraph.tools.archive.{name} does not exist yet (archive create/import not merged)")
    return cast("Callable[..., Any]", function)


def load(path: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def ancestors_uuid(manifest: dict[str, Any]) -> str | None:
    return (manifest.get("chain_end") or {}).get("uuid")


def import_into_provgraph(path: Path) -> None:
    """provgraph's import, as ``verdi archive import --no-import-group``; warnings are its business."""
    import_archive = archive_function("import_archive")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. unknown group members dropped, as aiida-core warns
        import_archive(path, create_group=False)


# -- the aiida-core side itself (runs as soon as the venv exists) -----------------------------


AIIDA_SIDE_CHECKS = [
    (SMALL_ARCHIVE, SMALL_MANIFEST),
    *[
        pair
        for pair in legacy_imported_archives()
        if pair[0].name.startswith(("export_main_0001", "export_0.4"))
    ],
]


@pytest.mark.parametrize(
    ("archive", "manifest"), AIIDA_SIDE_CHECKS, ids=[archive.name for archive, _ in AIIDA_SIDE_CHECKS]
)
def test_aiida_side_reproduces_the_fixture_manifests(
    aiida_python: Path, archive: Path, manifest: Path, tmp_path: Path
) -> None:
    expected = load(manifest)
    actual = aiida_manifest(aiida_python, archive, tmp_path / "manifest.json", ancestors_uuid(expected))
    assert canonical.compare_manifests(expected, actual) == []
    assert actual["archive_sha256"] == expected["archive_sha256"]


def test_aiida_side_info_of_the_fixture(aiida_python: Path) -> None:
    done = run_aiida_side(aiida_python, "info", SMALL_ARCHIVE)
    assert done.stdout == (SMALL_ARCHIVE.parent / "small.info.txt").read_text(encoding="utf-8")


# -- (a) every fixture archive imports into provgraph as into aiida-core ----------------------


@pytest.mark.parametrize(
    ("archive", "manifest"), FIXTURE_ARCHIVES, ids=[archive.name for archive, _ in FIXTURE_ARCHIVES]
)
def test_fixture_archive_imports_into_provgraph(
    registered_profile: Profile, archive: Path, manifest: Path
) -> None:
    expected = load(manifest)
    import_into_provgraph(archive)
    actual = manifest_of_profile(ancestors_of=ancestors_uuid(expected), private_extras=False)
    assert canonical.compare_manifests(expected, actual) == []


# -- (b) round trip: aiida-core's archive -> provgraph -> provgraph's archive -> aiida-core ----


def test_round_trip_of_small_through_provgraph(
    aiida_python: Path, registered_profile: Profile, tmp_path: Path
) -> None:
    expected = load(SMALL_MANIFEST)
    import_into_provgraph(SMALL_ARCHIVE)
    create_archive = archive_function("create_archive")
    archive = tmp_path / "round-trip.aiida"
    create_archive(None, filename=archive)

    actual = aiida_manifest(aiida_python, archive, tmp_path / "manifest.json", ancestors_uuid(expected))
    expected = allowing_profile_user(expected, actual, registered_profile.default_user_email)
    assert canonical.compare_manifests(expected, actual) == []
    run_aiida_side(aiida_python, "info", archive)


def allowing_profile_user(expected: dict[str, Any], actual: dict[str, Any], email: str) -> dict[str, Any]:
    """``expected`` plus the provgraph profile's own user, if the archive carried it.

    aiida-core's ``create_archive`` of everything exports every user, also one who owns nothing
    (checked: aiida-core 2.9.4 importing small.aiida, then archiving all, writes its own user
    ``a@b.c`` too); an exporter that writes only the users who own something is as right.
    """
    if email in actual.get("users", []) and email not in expected["users"]:
        totals = {**expected["totals"], "users": expected["totals"]["users"] + 1}
        return {**expected, "users": sorted([*expected["users"], email]), "totals": totals}
    return expected


# -- (c) a graph provgraph recorded, archived by provgraph, read by aiida-core ----------------


def test_quickstart_graph_archived_by_provgraph_imports_into_aiida_core(
    aiida_python: Path, registered_profile: Profile, tmp_path: Path
) -> None:
    from provgraph import orm
    from provgraph.provenance.example import record_example_workflow

    create_archive = archive_function("create_archive")
    workflow = record_example_workflow()  # what `provgraph quickstart` records
    value = orm.Int(7).store()
    value.base.comments.add("from provgraph")
    orm.Group(label="quickstart", description="interop").store().add_nodes([workflow, value])
    ours = manifest_of_profile(private_extras=False)

    archive = tmp_path / "quickstart.aiida"
    create_archive(None, filename=archive)
    theirs = aiida_manifest(aiida_python, archive, tmp_path / "manifest.json")

    assert theirs["totals"] == ours["totals"]
    assert theirs["links_sha256"] == ours["links_sha256"]
    for uuid, record in ours["nodes"].items():
        assert theirs["nodes"][uuid]["repository_files"] == record["repository_files"], uuid
    assert canonical.compare_manifests(ours, theirs) == []
    info = run_aiida_side(aiida_python, "info", archive)
    assert f"count: {ours['totals']['nodes']}" in info.stdout
