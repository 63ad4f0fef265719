"""``prov_document`` and ``export_prov`` on each SQL backend: the records, their validity, the round trips."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import pytest
from prov.constants import PROV
from prov.model import ProvActivity, ProvDocument, ProvEntity, ProvRecord, ProvUnificationError
from tests.tools.prov.prov_checks import counts, elements, only_bundle, read, relations, schema_errors, uri
from tests.tools.prov.prov_graph import DESCRIPTION, PARAMETERS, ProvGraph, build_graph

from provgraph import orm
from provgraph.exceptions import InputValidationError
from provgraph.storage.abstract import EntityTypes, In, StorageBackend
from provgraph.tools.prov import ProvSummary, export_prov, prov_document
from provgraph.tools.prov.mapping import (
    ATTRIBUTE,
    ATTRIBUTE_JSON,
    PROVGRAPH,
    node_identifier,
    user_identifier,
)

pytestmark = pytest.mark.usefixtures("loaded_profile")

#: (suffix, format as prov names it, options to read it back, whether the bundle survives).
FILE_FORMATS = [
    ("json", "json", {}, True),
    ("provn", "provn", {}, True),
    ("xml", "xml", {}, True),
    ("trig", "rdf", {"rdf_format": "trig"}, True),
    ("ttl", "rdf", {"rdf_format": "turtle"}, False),
    ("rdf", "rdf", {"rdf_format": "xml"}, False),
]


@pytest.fixture
def graph() -> ProvGraph:
    return build_graph()


def ident(node: orm.Node) -> str:
    return node_identifier(node.uuid).uri


def link_types(backend: StorageBackend) -> collections.Counter[str]:
    return collections.Counter(row["type"] for row in backend.get_rows(EntityTypes.LINK, columns=["type"]))


def index(document: ProvDocument) -> dict[tuple[str, str, str], list[ProvRecord]]:
    """Relations by (kind, first argument, second argument), as PROV-N writes them."""
    found: dict[tuple[str, str, str], list[ProvRecord]] = collections.defaultdict(list)
    for record in only_bundle(document).get_records():
        if not isinstance(record, (ProvEntity, ProvActivity)) and record.is_relation():
            first, second = (uri(value) for _, value in record.formal_attributes[:2])
            found[(record.get_type().localpart, first, second)].append(record)
    return found


def one(values: set[Any]) -> Any:
    assert len(values) == 1, values
    return next(iter(values))


def record(document: ProvDocument, node: orm.Node) -> ProvRecord:
    return one(set(only_bundle(document).get_record(node_identifier(node.uuid))))


def test_every_node_user_and_link(graph: ProvGraph, backend: StorageBackend) -> None:
    document = prov_document(None)
    bundle = only_bundle(document)
    rows = backend.get_rows(EntityTypes.NODE, columns=["uuid", "node_type"])
    processes = {node_identifier(row["uuid"]).uri for row in rows if row["node_type"].startswith("process.")}
    data = {node_identifier(row["uuid"]).uri for row in rows} - processes
    emails = [row["email"] for row in backend.get_rows(EntityTypes.USER, columns=["email"])]
    assert elements(bundle) == {
        "entity": data,
        "activity": processes,
        "agent": {user_identifier(email).uri for email in emails},
    }
    links = link_types(backend)
    assert set(links) == {"input_calc", "input_work", "create", "return", "call_calc", "call_work"}
    found = counts(bundle)
    assert found["used"] == links["input_calc"] + links["input_work"]
    assert found["wasGeneratedBy"] == links["create"]
    assert found["wasInfluencedBy"] == links["return"]
    assert found["wasInformedBy"] == links["call_calc"] + links["call_work"]
    assert found["wasAssociatedWith"] == len(processes)
    assert found["wasAttributedTo"] == len(data)
    (profile_entity,) = document.get_records(ProvEntity)
    assert profile_entity.identifier == bundle.identifier
    assert one(profile_entity.get_attribute("prov:label")) == backend.profile.name


def test_links_as_relations(graph: ProvGraph) -> None:
    relations_of = index(prov_document(None))

    def attributes(kind: str, first: orm.Node, second: orm.Node) -> dict[str, str]:
        (found,) = relations_of[(kind, ident(first), ident(second))]
        return {str(name): str(value) for name, value in found.extra_attributes}

    assert attributes("Usage", graph.add, graph.x) == {
        "prov:role": "x",
        "provgraph:link_type": "input_calc",
        "provgraph:link_label": "x",
    }
    assert attributes("Usage", graph.outer, graph.z)["provgraph:link_type"] == "input_work"
    assert attributes("Usage", graph.multiply, graph.z)["prov:role"] == "y"  # multiply(sum, z): z is its y
    assert attributes("Generation", graph.product, graph.multiply)["prov:role"] == "result"
    for workflow in (graph.outer, graph.inner):
        assert attributes("Influence", graph.product, workflow) == {
            "prov:type": "provgraph:Return",
            "provgraph:link_type": "return",
            "provgraph:link_label": "result",
        }
    # one generation per entity (PROV-CONSTRAINTS 25): the calculation's, not the workflows' returns
    generations = [key for key in relations_of if key[0] == "Generation" and key[1] == ident(graph.product)]
    assert generations == [("Generation", ident(graph.product), ident(graph.multiply))]
    assert attributes("Communication", graph.inner, graph.outer)["provgraph:link_type"] == "call_work"
    assert attributes("Communication", graph.add, graph.inner)["provgraph:link_type"] == "call_calc"
    default_user = user_identifier(graph.add.user.email)
    assert len(relations_of[("Association", ident(graph.add), default_user.uri)]) == 1


def test_process_hierarchy_and_times(graph: ProvGraph) -> None:
    document = prov_document(None)
    caller = PROVGRAPH["caller"]
    assert record(document, graph.outer).get_attribute(caller) == set()
    assert {uri(value) for value in record(document, graph.inner).get_attribute(caller)} == {
        ident(graph.outer)
    }
    for calculation in (graph.add, graph.multiply):
        assert {uri(value) for value in record(document, calculation).get_attribute(caller)} == {
            ident(graph.inner)
        }
    outer = record(document, graph.outer)
    assert isinstance(outer, ProvActivity)
    assert (outer.get_startTime(), outer.get_endTime()) == (graph.outer.ctime, graph.outer.mtime)
    assert one(outer.get_attribute(PROVGRAPH["process_state"])) == "finished"
    assert one(outer.get_attribute(PROVGRAPH["exit_status"])) == 0
    excepted = record(document, graph.excepted)
    assert excepted.get_endTime() == graph.excepted.mtime  # type: ignore[attr-defined]
    assert one(excepted.get_attribute(PROVGRAPH["process_state"])) == "excepted"
    assert excepted.get_attribute(PROVGRAPH["exit_status"]) == set()
    running = record(document, graph.running)
    assert running.get_startTime() == graph.running.ctime  # type: ignore[attr-defined]
    assert running.get_endTime() is None  # type: ignore[attr-defined]
    assert one(running.get_attribute(PROVGRAPH["process_state"])) == "running"
    assert one(outer.get_attribute("prov:type")) == PROVGRAPH["Workflow"]
    assert one(record(document, graph.add).get_attribute("prov:type")) == PROVGRAPH["Calculation"]


def test_data_attributes_typed(graph: ProvGraph) -> None:
    document = prov_document(None)
    parameters = record(document, graph.parameters)
    assert one(parameters.get_attribute(ATTRIBUTE["name"])) == PARAMETERS["name"]
    assert one(parameters.get_attribute(ATTRIBUTE["count"])) == 3
    assert one(parameters.get_attribute(ATTRIBUTE["flag"])) is False
    assert parameters.get_attribute(ATTRIBUTE["nested"]) == set()
    assert json.loads(one(parameters.get_attribute(ATTRIBUTE_JSON["nested"]))) == PARAMETERS["nested"]
    assert one(parameters.get_attribute(PROVGRAPH["node_type"])) == "data.core.dict.Dict."
    assert one(parameters.get_attribute(PROVGRAPH["uuid"])) == graph.parameters.uuid
    assert one(parameters.get_attribute(PROVGRAPH["ctime"])) == graph.parameters.ctime
    x = record(document, graph.x)
    assert one(x.get_attribute("prov:label")) == "first input"
    assert one(x.get_attribute(PROVGRAPH["description"])) == DESCRIPTION
    assert one(record(document, graph.y).get_attribute(ATTRIBUTE["value"])) == 2.5
    assert json.loads(one(record(document, graph.array).get_attribute(ATTRIBUTE_JSON["array.7Cx"]))) == [
        2,
        3,
    ]
    attributed = index(document)[
        ("Attribution", ident(graph.parameters), user_identifier("other@provgraph.test").uri)
    ]
    assert len(attributed) == 1
    agent = one(set(only_bundle(document).get_record(user_identifier("other@provgraph.test"))))
    assert one(agent.get_attribute("prov:type")) == PROV["Person"]
    assert one(agent.get_attribute("prov:label")) == "Other Persön"


def test_prov_constraints_hold(graph: ProvGraph) -> None:
    bundle = only_bundle(prov_document(None))
    unified = bundle.unified()  # raises ProvUnificationError on a broken key or type constraint
    assert counts(unified) == counts(bundle)
    # the check is not blind: a data node's identifier also used for an activity breaks constraint 55
    bundle.activity(node_identifier(graph.x.uuid))
    with pytest.raises(ProvUnificationError):
        bundle.unified()


def test_prov_xml_is_schema_valid(graph: ProvGraph, tmp_path: Path) -> None:
    export_prov(None, tmp_path / "graph.xml")
    assert schema_errors((tmp_path / "graph.xml").read_bytes()) == []
    # the schema is not blind: a bare UUID is no xs:QName local part (hence node:uuid-<uuid>)
    document = ProvDocument()
    document.add_namespace("node", "https://provgraph.org/ns/node#")
    document.entity("node:0abc1234-1111-4222-8333-444455556666")
    assert schema_errors(document.serialize(format="xml").encode()) != []


@pytest.mark.parametrize(("suffix", "format", "options", "keeps_bundle"), FILE_FORMATS)
def test_round_trip(  # noqa: PLR0917 (the parameters of the case)
    graph: ProvGraph, tmp_path: Path, suffix: str, format: str, options: dict[str, str], keeps_bundle: bool
) -> None:
    path = tmp_path / f"graph.{suffix}"
    summary = export_prov(None, path)
    assert summary.format == format
    assert summary.path == path
    original = prov_document(None)
    back = read(path, format, **options)
    if keeps_bundle:
        assert back == original
        expected, found = only_bundle(original), only_bundle(back)
    else:  # Turtle and RDF/XML have no named graphs: the bundle's records come back at the top
        assert not back.has_bundles()
        expected, found = original.flattened(), back
    assert elements(found) == elements(expected)
    assert relations(found) == relations(expected)
    bundle_counts = counts(only_bundle(original))
    assert (summary.entities, summary.activities, summary.agents) == (
        bundle_counts["entity"],
        bundle_counts["activity"],
        bundle_counts["agent"],
    )
    assert summary.relations == {
        name: count for name, count in bundle_counts.items() if name not in {"entity", "activity", "agent"}
    }


@pytest.mark.parametrize("format", ["json", "provn", "xml", "rdf"])
def test_named_format_wins_over_suffix(graph: ProvGraph, tmp_path: Path, format: str) -> None:
    path = tmp_path / "graph.out"
    assert export_prov([graph.x], path, format=format).format == format
    back = read(path, format)
    assert elements(only_bundle(back))["entity"] == {ident(graph.x)}


def test_unknown_suffix_means_json(graph: ProvGraph, tmp_path: Path) -> None:
    path = tmp_path / "graph.prov"
    assert export_prov([graph.x], path).format == "json"
    assert "bundle" in json.loads(path.read_text())


def test_chosen_nodes_follow_the_traversal_rules(graph: ProvGraph) -> None:
    found = elements(only_bundle(prov_document([graph.product])))
    assert found["entity"] == {ident(node) for node in (graph.x, graph.y, graph.z, graph.sum, graph.product)}
    assert found["activity"] == {
        ident(node) for node in (graph.add, graph.multiply, graph.inner, graph.outer)
    }
    alone = only_bundle(prov_document([graph.product], create_backward=False))
    assert elements(alone)["entity"] == {ident(graph.product)}
    assert elements(alone)["activity"] == set()
    assert set(counts(alone)) == {"entity", "agent", "wasAttributedTo"}  # no link leaves the selection
    no_callers = elements(only_bundle(prov_document([graph.add], call_calc_backward=False)))
    assert no_callers["activity"] == {ident(graph.add)}
    assert no_callers["entity"] == {ident(node) for node in (graph.x, graph.y, graph.sum)}


def test_groups_bring_their_nodes(graph: ProvGraph) -> None:
    found = elements(only_bundle(prov_document([graph.group])))
    assert {ident(graph.product), ident(graph.description), ident(graph.parameters)} <= found["entity"]
    assert ident(graph.describe) in found["activity"]
    assert ident(graph.array) not in found["entity"]
    assert ident(graph.excepted) not in found["activity"]
    empty = elements(only_bundle(prov_document([graph.empty_group])))
    assert (empty["entity"], empty["activity"]) == (set(), set())


def test_batches_change_nothing(graph: ProvGraph) -> None:
    assert prov_document(None, batch_size=1, filter_size=1) == prov_document(None)
    assert prov_document([graph.product], batch_size=2, filter_size=1) == prov_document([graph.product])


def test_nodes_are_read_in_batches_of_ids(
    graph: ProvGraph, backend: StorageBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Node rows come through get_rows, a batch of ids at a time: never one ORM object per node."""
    calls: list[tuple[Any, ...]] = []
    original = type(backend).get_rows

    def spy(self: StorageBackend, entity_type: EntityTypes, filters: Any = None, **options: Any) -> Any:
        calls.append((entity_type, filters))
        return original(self, entity_type, filters, **options)

    monkeypatch.setattr(type(backend), "get_rows", spy)

    def no_node(*args: Any, **kwargs: Any) -> None:
        pytest.fail("a Node was built")

    monkeypatch.setattr(orm.Node, "__init__", no_node)
    monkeypatch.setattr(orm.Node, "_from_row", classmethod(no_node))
    with pytest.raises(pytest.fail.Exception):  # the trap springs on a node loaded from its row
        orm.load_node(graph.x.pk)
    calls.clear()
    total = backend.count_rows(EntityTypes.NODE)
    prov_document(None, batch_size=3)
    node_calls = [filters for entity_type, filters in calls if entity_type is EntityTypes.NODE]
    assert len(node_calls) == -(-total // 3)
    assert all(isinstance(filters["id"], In) and len(filters["id"].values) <= 3 for filters in node_calls)
    assert sum(len(filters["id"].values) for filters in node_calls) == total


def test_existing_file_refused_unless_overwrite(graph: ProvGraph, tmp_path: Path) -> None:
    path = tmp_path / "graph.json"
    path.write_text("keep me")
    with pytest.raises(InputValidationError, match="already exists"):
        export_prov(None, path)
    assert path.read_text() == "keep me"
    summary = export_prov(None, path, overwrite=True)
    assert isinstance(summary, ProvSummary)
    assert "bundle" in json.loads(path.read_text())
    assert sorted(item.name for item in tmp_path.iterdir() if item.name.startswith(".graph")) == []


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"format": "dot"}, InputValidationError, "unknown PROV format 'dot'"),
        ({"batch_size": 0}, InputValidationError, "batch_size must be a positive integer"),
        ({"no_such_rule": True}, Exception, "no_such_rule"),
    ],
)
def test_bad_arguments(
    graph: ProvGraph, tmp_path: Path, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        export_prov([graph.x], tmp_path / "graph.json", **arguments)
    assert not (tmp_path / "graph.json").exists()


def test_a_directory_is_no_file(graph: ProvGraph, tmp_path: Path) -> None:
    with pytest.raises(InputValidationError, match="exists as a directory"):
        export_prov(None, tmp_path, overwrite=True)


def test_entities_must_be_an_iterable(graph: ProvGraph) -> None:
    with pytest.raises(TypeError, match="iterable"):
        prov_document("all")


def test_control_characters(tmp_path: Path) -> None:
    """PROV-XML cannot carry a control character (lxml refuses it): one clear error, no file;
    the other formats carry it."""
    text = orm.Str("coloured \x1b[31mred\x1b[0m").store()
    with pytest.raises(
        InputValidationError, match=f"attribute:value of node:uuid-{text.uuid} holds a character"
    ):
        export_prov([text], tmp_path / "text.xml")
    assert [item.name for item in tmp_path.iterdir() if "text.xml" in item.name] == []  # nor a temporary one
    export_prov([text], tmp_path / "text.json")
    back = record(read(tmp_path / "text.json", "json"), text)
    assert one(back.get_attribute(ATTRIBUTE["value"])) == text.value
