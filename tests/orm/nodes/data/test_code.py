"""InstalledCode and PortableCode: AiiDA's attribute keys, validation and helpers."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, ModificationNotAllowed, StoredEntityError
from provgraph.orm.nodes.data.core import AbstractCode, InstalledCode, PortableCode
from provgraph.storage.abstract import StorageBackend


@pytest.fixture
def computer(backend: StorageBackend) -> orm.Computer:
    return orm.Computer("cluster", "cluster.example.org", transport_type="core.ssh").store()


def test_installed_code_round_trip(computer: orm.Computer) -> None:
    code = InstalledCode(
        computer,
        "/usr/bin/pw.x",
        label="pw",
        description="Quantum ESPRESSO",
        default_calc_job_plugin="quantumespresso.pw",
        prepend_text="module load qe",
        with_mpi=True,
    ).store()
    loaded = orm.load_node(code.pk)
    assert type(loaded) is InstalledCode
    assert loaded.node_type == "data.core.code.installed.InstalledCode."
    assert loaded.base.attributes.all == {
        "input_plugin": "quantumespresso.pw",
        "append_text": "",
        "prepend_text": "module load qe",
        "use_double_quotes": False,
        "with_mpi": True,
        "wrap_cmdline_params": False,
        "filepath_executable": "/usr/bin/pw.x",
    }
    assert loaded.base.extras.get("hidden") is False  # the only extra the class sets (besides a hash)
    assert loaded.computer.label == "cluster"
    assert loaded.filepath_executable == PurePosixPath("/usr/bin/pw.x")
    assert loaded.default_calc_job_plugin == "quantumespresso.pw"
    assert loaded.full_label == "pw@cluster"
    assert loaded.can_run_on_computer(computer)
    assert not loaded.can_run_on_computer(orm.Computer("other", "other.org").store())
    assert loaded.get_executable_cmdline_params(["-in", "x"]) == ["/usr/bin/pw.x", "-in", "x"]
    assert loaded.get_prepend_cmdline_params(["mpirun", "-np", "4"], ["-x"]) == ["mpirun", "-np", "4", "-x"]
    assert InstalledCode("cluster", "/bin/true", label="by-label").computer.pk == computer.pk
    assert InstalledCode(computer, "/bin/sh", input_plugin="core.arithmetic.add").default_calc_job_plugin == (
        "core.arithmetic.add"
    )
    # all codes are found through AbstractCode, as with AiiDA's QueryBuilder
    portable = PortableCode("run.sh", label="p")
    portable.base.repository.put_object_from_bytes(b"", "run.sh")
    portable.store()
    orm.Data().store()
    assert sorted(type(node).__name__ for node in AbstractCode.collection.all()) == [
        "InstalledCode",
        "PortableCode",
    ]
    assert InstalledCode.collection.count() == 1
    assert loaded.is_hidden is False
    loaded.is_hidden = True  # an extra: it can change after storing
    assert orm.load_node(code.pk).is_hidden is True
    for change in (
        lambda: setattr(loaded, "prepend_text", "x"),
        lambda: setattr(loaded, "with_mpi", False),
        lambda: setattr(loaded, "filepath_executable", "/bin/other"),
    ):
        with pytest.raises(ModificationNotAllowed):
            change()


def test_installed_code_rules(computer: orm.Computer) -> None:
    with pytest.raises(TypeError, match="with_mpi must be bool or None, got str"):
        InstalledCode(computer, "/bin/sh", with_mpi="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="use_double_quotes must be bool, got int"):
        InstalledCode(computer, "/bin/sh", use_double_quotes=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="filepath_executable must be str or PurePath, got int"):
        InstalledCode(computer, 5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="may not be empty"):
        InstalledCode(computer, "")
    with pytest.raises(ValueError, match="may not contain '@'"):
        InstalledCode(computer, "/bin/sh", label="a@b")
    with pytest.raises(ValueError, match="not both"):
        InstalledCode(computer, "/bin/sh", default_calc_job_plugin="a", input_plugin="b")
    with pytest.raises(TypeError, match="needs the computer"):
        InstalledCode(None, "/bin/sh")  # type: ignore[arg-type]
    with pytest.raises(StoredEntityError, match="not stored"):
        InstalledCode(orm.Computer("unstored", "x"), "/bin/sh")
    code = InstalledCode(computer, "/bin/sh", label="ok")
    with pytest.raises(ValueError, match="may not contain '@'"):
        code.label = "x@y"
    code.label = "fine"
    code.computer = None
    with pytest.raises(InputValidationError, match="has no computer"):
        code.store()
    assert not code.is_stored


def test_portable_code(backend: StorageBackend, tmp_path: Path) -> None:
    files = tmp_path / "code"
    (files / "bin").mkdir(parents=True)
    (files / "bin" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (files / "top.sh").write_text("#!/bin/sh\n")
    code = PortableCode("bin/run.sh", files, label="portable").store()
    loaded = orm.load_node(code.pk)
    assert type(loaded) is PortableCode
    assert loaded.node_type == "data.core.code.portable.PortableCode."
    assert loaded.base.attributes.all == {
        "input_plugin": None,
        "append_text": "",
        "prepend_text": "",
        "use_double_quotes": False,
        "with_mpi": None,
        "wrap_cmdline_params": False,
        "filepath_executable": "bin/run.sh",
    }
    assert loaded.computer is None
    assert loaded.full_label == "portable"
    assert loaded.can_run_on_computer(orm.Computer("any", "any.org").store())
    assert loaded.base.repository.get_object_content("bin/run.sh") == "#!/bin/sh\necho hi\n"
    assert loaded.get_executable_cmdline_params(["a"]) == ["bin/run.sh", "a"]
    assert PortableCode("top.sh", files).get_executable_cmdline_params() == ["./top.sh"]
    with pytest.raises(ValueError, match="must be relative"):
        PortableCode("/abs/run.sh", files)
    with pytest.raises(NotADirectoryError, match="filepath_files needs a local directory"):
        PortableCode("run.sh", tmp_path / "missing")
    missing = PortableCode("bin/absent.sh", files, label="broken")
    with pytest.raises(InputValidationError, match=r"'bin/absent\.sh' is not among its files"):
        missing.store()
    directory = PortableCode("bin", files)
    with pytest.raises(InputValidationError, match="is not among its files"):
        directory.store()
    later = PortableCode("run.sh")
    later.base.repository.put_object_from_bytes(b"#!/bin/sh\n", "run.sh")
    assert later.store().is_stored
