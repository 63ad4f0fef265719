"""Group.dump and ProcessNode.dump: aiida-core's `verdi process dump` layout."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from provgraph import orm
from provgraph.exceptions import ExportValidationError, InputValidationError
from provgraph.storage.abstract import StorageBackend


def calculation(label: str = "", *, seal: bool = True) -> orm.CalculationNode:
    """A calculation with a repository file, an input with a file and a created output with one."""
    data = orm.FolderData()
    data.base.repository.put_object_from_bytes(b"input text", "in.txt")
    data.store()
    calc = orm.CalculationNode(label=label)
    calc.base.repository.put_object_from_bytes(b"submit", "aiida.in")
    calc.base.attributes.set("answer", 42)
    calc.base.extras.set("tag", "x")
    calc.base.links.add_incoming(data, orm.LinkType.INPUT_CALC, "nested__data")
    calc.store()
    output = orm.FolderData()
    output.base.repository.put_object_from_bytes(b"result", "out.txt")
    output.base.links.add_incoming(calc, orm.LinkType.CREATE, "result")
    output.store()
    if seal:
        calc.seal()
    return calc


def test_process_dump_layout(backend: StorageBackend, tmp_path: Path) -> None:
    calc = calculation("my-calc")
    target = calc.dump(output_path=tmp_path / "calc", include_outputs=True)
    assert target == (tmp_path / "calc").resolve()
    assert (target / ".aiida_dump_safeguard").is_file()
    assert "my-calc" in (target / "README.md").read_text()
    metadata = yaml.safe_load((target / "aiida_node_metadata.yaml").read_text())
    assert metadata["Node data"]["pk"] == calc.pk
    assert metadata["Node attributes"]["answer"] == 42
    assert "Node extras" not in metadata
    assert (target / "inputs" / "aiida.in").read_bytes() == b"submit"
    assert (target / "node_inputs" / "nested" / "data" / "in.txt").read_bytes() == b"input text"
    assert (target / "node_outputs" / "result" / "out.txt").read_bytes() == b"result"

    flat = calc.dump(output_path=tmp_path / "flat", flat=True, include_extras=True)
    assert {path.name for path in flat.iterdir()} >= {"aiida.in", "in.txt", "aiida_node_metadata.yaml"}
    flat_metadata = yaml.safe_load((flat / "aiida_node_metadata.yaml").read_text())
    assert flat_metadata["Node extras"]["tag"] == "x"


def test_process_dump_refuses_unsealed_and_foreign_folders(backend: StorageBackend, tmp_path: Path) -> None:
    calc = calculation(seal=False)
    with pytest.raises(ExportValidationError, match="must be sealed"):
        calc.dump(output_path=tmp_path / "unsealed")
    assert not (tmp_path / "unsealed").exists()
    assert calc.dump(output_path=tmp_path / "unsealed", dump_unsealed=True).is_dir()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep")
    with pytest.raises(InputValidationError, match="not a former dump"):
        calculation().dump(output_path=foreign, overwrite=True)
    assert (foreign / "precious.txt").read_text() == "keep"


def test_dry_run_writes_nothing(backend: StorageBackend, tmp_path: Path) -> None:
    calc = calculation()
    assert calc.dump(output_path=tmp_path / "dry", dry_run=True) == (tmp_path / "dry").resolve()
    group = orm.Group("dry").store()
    group.add_nodes(calc)
    assert group.dump(output_path=tmp_path / "group", dry_run=True) == (tmp_path / "group").resolve()
    assert not (tmp_path / "dry").exists()
    assert not (tmp_path / "group").exists()


def test_workflow_dump_nests_called_processes(backend: StorageBackend, tmp_path: Path) -> None:
    workflow = orm.WorkflowNode().store()
    workflow.set_process_label("MyWorkflow")
    child = orm.CalculationNode()
    child.set_process_label("Child")
    child.base.links.add_incoming(workflow, orm.LinkType.CALL_CALC, "step")
    child.store().seal()
    workflow.seal()
    target = workflow.dump(output_path=tmp_path / "wf")
    assert (target / f"01-step-Child-{child.pk}" / "aiida_node_metadata.yaml").is_file()


def test_group_dump_layout_filters_and_overwrite(backend: StorageBackend, tmp_path: Path) -> None:
    group = orm.Group("dumped").store()
    workflow = orm.WorkflowNode().store()
    workflow.set_process_label("Outer")
    called = orm.CalculationNode()
    called.base.links.add_incoming(workflow, orm.LinkType.CALL_CALC, "step")
    called.store().seal()
    workflow.seal()
    top = calculation("top")
    group.add_nodes([workflow, called, top, orm.Int(1).store()])

    target = group.dump(output_path=tmp_path / "g")
    assert (target / ".aiida_dump_safeguard").is_file()
    assert sorted(path.name for path in (target / "calculations").iterdir()) == [f"top-{top.pk}"]
    assert sorted(path.name for path in (target / "workflows").iterdir()) == [f"Outer-{workflow.pk}"]
    log = json.loads((target / "aiida_dump_log.json").read_text())
    assert set(log["processes"]) == {workflow.uuid, top.uuid}

    everything = group.dump(output_path=tmp_path / "all", only_top_level_calcs=False)
    assert len(list((everything / "calculations").iterdir())) == 2

    recent = group.dump(output_path=tmp_path / "none", end_date=datetime.now() - timedelta(days=1))
    assert not (recent / "calculations").exists()

    (target / "calculations" / f"top-{top.pk}" / "marker").write_text("old")
    group.dump(output_path=target)  # incremental: existing process folders stay
    assert (target / "calculations" / f"top-{top.pk}" / "marker").exists()
    group.dump(output_path=target, overwrite=True)
    assert not (target / "calculations" / f"top-{top.pk}" / "marker").exists()


def test_group_dump_refuses_unsealed_members(backend: StorageBackend, tmp_path: Path) -> None:
    group = orm.Group("unsealed").store()
    group.add_nodes(calculation(seal=False))
    with pytest.raises(ExportValidationError, match="must be sealed"):
        group.dump(output_path=tmp_path / "g")
    assert group.dump(output_path=tmp_path / "g", dump_unsealed=True).is_dir()
