"""``provgraph process dump`` on real storages of both SQL backends."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from provgraph import orm
from provgraph.cli.process import process
from provgraph.config.profile import Profile
from provgraph.orm.logs import Log


def run(*args: str) -> Result:
    return CliRunner().invoke(process, ["dump", *args])


@pytest.fixture
def registered(registered_profile: Profile) -> Profile:
    """The loaded test profile (see ``registered_profile`` in tests/conftest.py)."""
    return registered_profile


def _workflow() -> tuple[orm.WorkflowNode, orm.CalculationNode]:
    """A sealed workflow that called a sealed calculation with files, input and output, and logs."""
    data = orm.FolderData()
    data.base.repository.put_object_from_bytes(b"input text", "in.txt")
    data.store()
    workflow = orm.WorkflowNode()
    workflow.set_process_label("Relax")
    workflow.set_process_state("finished")
    workflow.set_exit_status(0)
    workflow.store()
    calc = orm.CalculationNode()
    calc.set_process_label("Step")
    calc.set_process_state("finished")
    calc.set_exit_status(0)
    calc.base.repository.put_object_from_bytes(b"submit", "aiida.in")
    calc.base.links.add_incoming(data, orm.LinkType.INPUT_CALC, "structure")
    calc.base.links.add_incoming(workflow, orm.LinkType.CALL_CALC, "step")
    calc.store()
    output = orm.FolderData()
    output.base.repository.put_object_from_bytes(b"energy -1.5", "out.txt")
    output.base.links.add_incoming(calc, orm.LinkType.CREATE, "result")
    output.store()
    calc.seal()
    workflow.seal()
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    for node, message in ((workflow, "relaxing"), (calc, "step done")):
        assert node.pk is not None
        Log(moment, "provgraph.test", "REPORT", node.pk, message, backend=node.backend).store()
    return workflow, calc


def test_dump_a_workflow(registered: Profile, tmp_path: Path) -> None:
    workflow, calc = _workflow()
    target = tmp_path / "relax"
    result = run(str(workflow.pk), str(target))
    assert result.exit_code == 0, result.output
    assert result.output == f"Dumped process {workflow.pk} to {target.resolve()}\n"
    metadata = yaml.safe_load((target / "aiida_node_metadata.yaml").read_text())
    assert metadata["Node data"]["uuid"] == workflow.uuid
    step = target / f"01-step-Step-{calc.pk}"
    assert (step / "inputs" / "aiida.in").read_bytes() == b"submit"
    assert (step / "node_inputs" / "structure" / "in.txt").read_bytes() == b"input text"
    assert not (step / "node_outputs").exists()  # outputs only with --include-outputs
    report = (target / "process_report.txt").read_text().splitlines()
    assert report[0].endswith("[REPORT] provgraph.test: relaxing")
    assert report[1] == f"+-> Step<{calc.pk}> Finished [0]"
    assert report[2].endswith("step done")

    refused = run(str(workflow.pk), str(target))  # a non-empty folder needs --overwrite
    assert refused.exit_code == 1
    assert refused.output.count("\n") == 1
    assert refused.output.startswith(f"Error: Cannot dump to {target.resolve()}: the folder is not empty;")
    (step / "stale.txt").write_text("from an earlier dump")
    again = run(str(workflow.pk), "--path", str(target), "-o", "--include-outputs", "--exclude-inputs")
    assert again.exit_code == 0, again.output
    assert not (step / "stale.txt").exists()
    assert (step / "node_outputs" / "result" / "out.txt").read_bytes() == b"energy -1.5"
    assert not (step / "node_inputs").exists()


def test_dump_options_and_refusals(
    registered: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, calc = _workflow()
    flat = run(str(calc.pk), str(tmp_path / "flat"), "--flat", "--include-extras")
    assert flat.exit_code == 0, flat.output
    assert {"aiida.in", "in.txt", "process_report.txt"} <= {
        path.name for path in (tmp_path / "flat").iterdir()
    }

    dry = run(str(calc.pk), str(tmp_path / "dry"), "-n")
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.output
    assert not (tmp_path / "dry").exists()

    monkeypatch.chdir(tmp_path)
    default = run(str(calc.pk))  # ./<process label>-<pk>, as verdi names it
    assert default.exit_code == 0, default.output
    assert (tmp_path / f"Step-{calc.pk}" / "inputs" / "aiida.in").is_file()

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep")
    not_a_dump = run(str(calc.pk), str(foreign), "--overwrite")
    assert not_a_dump.exit_code == 1
    assert "not a former dump" in not_a_dump.output
    assert (foreign / "precious.txt").read_text() == "keep"
    assert "it is a file" in run(str(calc.pk), str(foreign / "precious.txt")).output

    unsealed = orm.CalculationNode()
    unsealed.set_process_state("running")
    unsealed.store()
    refused = run(str(unsealed.pk), str(tmp_path / "running"))
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: Process {unsealed.pk} is not sealed (it may still be running); "
        "pass --dump-unsealed to dump it anyway.\n"
    )
    assert run(str(unsealed.pk), str(tmp_path / "running"), "--dump-unsealed").exit_code == 0
    assert "No log messages" in (tmp_path / "running" / "process_report.txt").read_text()

    assert run(str(calc.pk), "a", "--path", "b").exit_code == 2
    data = orm.Int(1).store()
    assert "not a process" in run(str(data.pk), str(tmp_path / "int")).output
    assert run().exit_code == 2
