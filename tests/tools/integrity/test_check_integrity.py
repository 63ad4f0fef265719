"""``check_integrity`` on both SQL backends: each kind of damage, written with plain SQL or on disk,
is found, fixed where that is safe, and reported otherwise; a healthy profile reports nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from tests.broken_rows import corrupt_object, duplicate_uuid, insert_link, remove_object, write_unchecked

from provgraph import orm
from provgraph.orm.nodes.process import CalcFunctionNode, WorkFunctionNode
from provgraph.provenance import calcfunction, workfunction
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.integrity import IntegrityReport, ProblemKind, check_integrity

pytestmark = pytest.mark.usefixtures("loaded_profile")

ALWAYS = [kind for kind in ProblemKind if kind is not ProblemKind.CORRUPT_OBJECTS]


@calcfunction
def add(x: Any, y: Any) -> Any:
    return x + y


@calcfunction
def explode(x: Any) -> Any:
    raise ValueError("deliberate")


@workfunction
def add_twice(x: Any, y: Any) -> Any:
    return add(add(x, y), y)


@dataclass
class Graph:
    x: orm.Int
    y: orm.Int
    calc: CalcFunctionNode  # add(x, y), creates result
    result: orm.Int
    workflow: WorkFunctionNode
    files: orm.Data  # with one file


@pytest.fixture
def graph() -> Graph:
    """A small healthy profile: calcfunctions, a workfunction, a file, a comment, a log, a group."""
    x, y = orm.Int(1).store(), orm.Int(2).store()
    result, calc = add.run_get_node(x, y)
    _, workflow = add_twice.run_get_node(x, y)
    with pytest.raises(ValueError, match="deliberate"):
        explode(x)  # leaves a log entry
    files = orm.Data()
    files.base.repository.put_object_from_bytes(b"some content", "folder/data.txt")
    files.store()
    files.base.comments.add("looked at it")
    orm.Group(label="all").store().add_nodes([x, y, files])
    orm.Computer("machine", "localhost").store()
    return Graph(x, y, calc, result, workflow, files)


def _file_key(node: orm.Node, path: str) -> str:
    entry: Any = node.base.repository.metadata
    for part in path.split("/"):
        entry = entry["o"][part]
    return str(entry["k"])


def _counts(report: IntegrityReport) -> dict[ProblemKind, int]:
    return {finding.kind: finding.remaining for finding in report.findings if finding.remaining}


def test_a_healthy_profile_reports_nothing(graph: Graph, backend: StorageBackend) -> None:
    report = check_integrity(backend)
    assert report.is_clean
    assert report.found == 0
    assert [finding.kind for finding in report.findings] == ALWAYS
    assert report.skipped == (
        "objects whose content does not hash to their key (reads every object: --objects or --full)",
    )
    assert (
        report[ProblemKind.STALE_HASHES].note == f"recomputed {_hashed(backend)} of {_hashed(backend)} hashes"
    )
    full = check_integrity(read_objects=True, hash_sample=None, fix=True)  # the loaded profile's storage
    assert full.is_clean
    assert full.fixed == 0
    assert [finding.kind for finding in full.findings] == list(ProblemKind)
    assert full.summary().splitlines()[0] == f"{backend}: 0 problems found"


def _hashed(backend: StorageBackend) -> int:
    rows = backend.get_rows(EntityTypes.NODE, columns=["extras"])
    return sum(1 for row in rows if (row["extras"] or {}).get("_aiida_hash") is not None)


def test_links_to_missing_nodes_are_deleted_once_confirmed(graph: Graph, backend: StorageBackend) -> None:
    lost = insert_link(backend, graph.calc.pk, 999_999, "create", "lost")
    ghost = insert_link(backend, 999_998, graph.x.pk, "input_calc", "ghost")
    report = check_integrity(backend)
    finding = report[ProblemKind.DANGLING_LINKS]
    assert (finding.count, finding.fixed) == (2, 0)
    assert finding.examples == (
        f"link {lost} from node {graph.calc.pk} to missing node 999999",
        f"link {ghost} from missing node 999998 to node {graph.x.pk}",
    )
    asked: list[str] = []
    refused = check_integrity(backend, fix=True, confirm=lambda question: asked.append(question) is not None)
    assert asked == ["Delete the 2 link rows that point at missing nodes?"]
    assert (refused[ProblemKind.DANGLING_LINKS].remaining, refused.is_clean) == (2, False)
    assert refused[ProblemKind.DANGLING_LINKS].note == "not deleted: not confirmed"
    fixed = check_integrity(backend, fix=True, confirm=lambda question: True)
    assert (fixed[ProblemKind.DANGLING_LINKS].fixed, fixed.is_clean) == (2, True)
    assert backend.get_rows(EntityTypes.LINK, {"id": lost}) == []
    assert check_integrity(backend).is_clean


def test_links_against_the_link_rules_are_reported_not_fixed(graph: Graph, backend: StorageBackend) -> None:
    insert_link(backend, graph.x.pk, graph.y.pk, "create", "wrong_kind")  # data creating data
    insert_link(backend, graph.workflow.pk, graph.workflow.pk, "call_work", "me")  # a workflow calling itself
    insert_link(backend, graph.x.pk, graph.calc.pk, "bogus", "what")  # no such link type
    other = CalcFunctionNode()
    other.set_process_state("finished")
    other.store().seal()
    insert_link(backend, other.pk, graph.result.pk, "create", "result")  # a second creator
    insert_link(backend, graph.result.pk, graph.calc.pk, "input_calc", "x")  # input label x taken
    report = check_integrity(backend, fix=True, hash_sample=0)  # (the calc's input hashes changed too)
    assert _counts(report) == {
        ProblemKind.LINK_ENDPOINTS: 3,
        ProblemKind.LINK_DEGREES: 2,
        ProblemKind.PROVENANCE_CYCLES: 2,  # calc creates result, result goes into calc
    }
    degrees = report[ProblemKind.LINK_DEGREES].examples
    assert any(
        f"node {graph.result.pk} has 2 incoming create links (at most one allowed)" in e for e in degrees
    )
    assert any(f"node {graph.calc.pk} has 2 incoming input_calc links with one label" in e for e in degrees)
    endpoints = " ".join(report[ProblemKind.LINK_ENDPOINTS].examples)
    assert "create links go from a CalculationNode to a Data" in endpoints
    assert "a node linked to itself" in endpoints
    assert "an unknown link type" in endpoints
    assert report[ProblemKind.PROVENANCE_CYCLES].examples == tuple(
        f"node {pk}" for pk in sorted([graph.calc.pk, graph.result.pk])
    )
    assert report.fixed == 0


def test_exact_duplicate_links_are_clashes(graph: Graph, backend: StorageBackend) -> None:
    insert_link(backend, graph.workflow.pk, graph.result.pk, "return", "again")
    insert_link(backend, graph.workflow.pk, graph.result.pk, "return", "again")
    report = check_integrity(backend)
    assert _counts(report) == {ProblemKind.LINK_DEGREES: 1}
    (example,) = report[ProblemKind.LINK_DEGREES].examples
    assert example.startswith(f"node {graph.workflow.pk} has 2 outgoing return links with one label")


def test_duplicate_uuids_of_every_entity_are_reported(graph: Graph, backend: StorageBackend) -> None:
    tables = {
        "db_dbnode": graph.x.pk,
        "db_dbgroup": orm.Group.collection.get(label="all").pk,
        "db_dbcomputer": orm.Computer.collection.get(label="machine").pk,
        "db_dbcomment": graph.files.base.comments.all()[0].pk,
        "db_dblog": backend.get_rows(EntityTypes.LOG, columns=["id"])[0]["id"],
    }
    for table, pk in tables.items():
        duplicate_uuid(backend, table, pk)
    report = check_integrity(backend, fix=True)
    assert _counts(report) == {ProblemKind.DUPLICATE_UUIDS: 5}
    examples = report[ProblemKind.DUPLICATE_UUIDS].examples
    assert [example.split()[0] for example in examples] == ["node", "group", "computer", "comment", "log"]
    assert examples[0] == f"node UUID {graph.x.uuid} in 2 rows (the first has pk {graph.x.pk})"


def test_missing_objects_are_reported(graph: Graph, backend: StorageBackend) -> None:
    key = _file_key(graph.files, "folder/data.txt")
    remove_object(backend, key)
    report = check_integrity(backend, fix=True)
    assert _counts(report) == {ProblemKind.MISSING_OBJECTS: 1}
    (example,) = report[ProblemKind.MISSING_OBJECTS].examples
    assert example == f"node pk={graph.files.pk} file 'folder/data.txt': object {key[:16]}... is missing"
    shared = _file_key(graph.calc, "source_file")  # this module's source: every process node here has it
    remove_object(backend, shared)
    rows = backend.get_rows(EntityTypes.NODE, columns=["node_type", "repository_metadata"])
    sharing = [
        row for row in rows if row["repository_metadata"].get("o", {}).get("source_file") == {"k": shared}
    ]
    assert len(sharing) == 5  # the calc, the workflow and its two calcs, the excepted calc
    assert check_integrity(backend)[ProblemKind.MISSING_OBJECTS].count == 1 + len(sharing)


def test_corrupt_objects_are_found_only_when_objects_are_read(graph: Graph, backend: StorageBackend) -> None:
    key = _file_key(graph.files, "folder/data.txt")
    corrupt_object(backend, key)
    assert check_integrity(backend).is_clean  # the quick check does not read content
    seen: list[tuple[str, int, int | None]] = []
    report = check_integrity(backend, read_objects=True, fix=True, progress=lambda *args: seen.append(args))
    assert _counts(report) == {ProblemKind.CORRUPT_OBJECTS: 1}
    (example,) = report[ProblemKind.CORRUPT_OBJECTS].examples
    assert example.startswith(f"object {key[:16]}...: content hashes to ")
    objects = list(backend.get_repository().list_objects())
    assert ("Reading objects", len(objects), len(objects)) in seen
    assert seen[-1] == ("Checking the storage", 10, 10)  # every check, the objects' and the hashes' too


def test_stale_hashes_are_rehashed(graph: Graph, backend: StorageBackend) -> None:
    (row,) = backend.get_rows(EntityTypes.NODE, {"id": graph.y.pk}, columns=["attributes"])
    backend.bulk_update(
        EntityTypes.NODE, [{"id": graph.y.pk, "attributes": {**row["attributes"], "value": 20}}]
    )
    (row,) = backend.get_rows(EntityTypes.NODE, {"id": graph.result.pk}, columns=["extras"])
    backend.bulk_update(
        EntityTypes.NODE, [{"id": graph.result.pk, "extras": {**row["extras"], "_aiida_hash": "0" * 64}}]
    )
    report = check_integrity(backend, hash_sample=None)
    stale = report[ProblemKind.STALE_HASHES]
    # y changed, so did every process that took y as input (their hashes hold their inputs' hashes)
    takers = {link["output_id"] for link in backend.get_rows(EntityTypes.LINK, {"input_id": graph.y.pk})}
    expected = sorted({graph.y.pk, graph.result.pk} | takers)
    assert stale.count == len(expected)
    assert [example.split(":")[0] for example in stale.examples] == [f"node pk={pk}" for pk in expected][:5]
    fixed = check_integrity(backend, hash_sample=None, fix=True)
    assert (fixed[ProblemKind.STALE_HASHES].fixed, fixed.is_clean) == (len(expected), True)
    assert (
        orm.load_node(graph.y.pk).base.caching.get_hash()
        == orm.load_node(graph.y.pk).base.caching.compute_hash()
    )
    assert check_integrity(backend, hash_sample=None).is_clean


def test_hashes_are_sampled(graph: Graph, backend: StorageBackend) -> None:
    total = _hashed(backend)
    for node in (graph.x, graph.y, graph.result):  # every data node's hash wrong: a sample finds some
        (row,) = backend.get_rows(EntityTypes.NODE, {"id": node.pk}, columns=["extras"])
        backend.bulk_update(
            EntityTypes.NODE, [{"id": node.pk, "extras": {**row["extras"], "_aiida_hash": "x"}}]
        )
    report = check_integrity(backend, hash_sample=2)
    assert (
        report[ProblemKind.STALE_HASHES].note
        == f"recomputed 2 of {total} hashes (a random sample; check all with --full)"
    )
    assert report[ProblemKind.STALE_HASHES].count <= 2
    skipped = check_integrity(backend, hash_sample=0)
    assert ProblemKind.STALE_HASHES not in {finding.kind for finding in skipped.findings}
    assert "node hashes that no longer match their content (no sample asked for)" in skipped.skipped
    assert check_integrity(backend, hash_sample=total)[ProblemKind.STALE_HASHES].count == 3


def test_unsealed_terminated_processes_are_sealed(graph: Graph, backend: StorageBackend) -> None:
    (row,) = backend.get_rows(EntityTypes.NODE, {"id": graph.calc.pk}, columns=["attributes"])
    attributes = {key: value for key, value in row["attributes"].items() if key != "sealed"}
    backend.bulk_update(EntityTypes.NODE, [{"id": graph.calc.pk, "attributes": attributes}])
    killed = WorkFunctionNode()
    killed.set_process_state("killed")
    killed.store()  # never sealed
    report = check_integrity(backend)
    finding = report[ProblemKind.UNSEALED_PROCESSES]
    assert (finding.count, finding.examples) == (
        2,
        (f"pk={graph.calc.pk} finished", f"pk={killed.pk} killed"),
    )
    fixed = check_integrity(backend, fix=True)
    assert fixed[ProblemKind.UNSEALED_PROCESSES].fixed == 2
    assert orm.load_node(graph.calc.pk).is_sealed
    assert orm.load_node(killed.pk).is_sealed
    assert orm.load_node(killed.pk).process_state.value == "killed"
    assert check_integrity(backend).is_clean


def test_problems_of_several_kinds_in_one_report(graph: Graph, backend: StorageBackend) -> None:
    insert_link(backend, graph.calc.pk, 999_999, "create", "lost")
    running = WorkFunctionNode()
    running.set_process_state("running")
    running.store()  # records no runner; nothing else uses the profile: stale
    write_unchecked(backend, f"UPDATE db_dbnode SET label = 'edited' WHERE id = {graph.x.pk}")  # harmless
    report = check_integrity(backend, fix=True, confirm=lambda question: False)
    assert _counts(report) == {ProblemKind.DANGLING_LINKS: 1}
    assert report[ProblemKind.STALE_PROCESSES].fixed == 1
    summary = report.summary().splitlines()
    assert summary[0].endswith(": 2 problems found, 1 fixed, 1 left")
    assert "  links to or from missing nodes: 1 found (e.g. " in summary[1]
    assert summary[1].endswith("[not deleted: not confirmed]")


@pytest.mark.parametrize("bad", [-1, 1.5, True, "10"])
def test_bad_arguments_are_refused(backend: StorageBackend, bad: Any) -> None:
    from provgraph.exceptions import InputValidationError

    with pytest.raises(InputValidationError, match="hash_sample"):
        check_integrity(backend, hash_sample=bad)
    with pytest.raises(InputValidationError, match="examples"):
        check_integrity(backend, examples=bad)


def test_a_storage_without_a_query_skips_its_check(
    graph: Graph, backend: StorageBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend, "iter_link_shapes", lambda: StorageBackend.iter_link_shapes(backend))
    report = check_integrity(backend)
    assert ProblemKind.LINK_ENDPOINTS not in {finding.kind for finding in report.findings}
    assert report.skipped[0] == f"{type(backend).__name__} cannot check its links"
    assert report.is_clean
