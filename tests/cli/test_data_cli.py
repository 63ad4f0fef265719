"""``provgraph data core.<type> ...`` through click, on a real default profile of each SQL backend."""

from __future__ import annotations

import doctest
import io
import json
import math
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

import numpy
import pytest
import yaml
from click.testing import CliRunner, Result
from tests.cli_assertions import assert_one_line_error

from provgraph.cli.data import DATA_TYPES, common, data
from provgraph.cli.data import formats as structure_formats
from provgraph.cli.data.structure import FORMULA_MODES
from provgraph.config.profile import Profile
from provgraph.orm import (
    ArrayData,
    Bool,
    CifData,
    Computer,
    Dict,
    Float,
    Group,
    Int,
    List,
    RemoteData,
    SinglefileData,
    Str,
    StructureData,
    User,
)
from provgraph.orm.nodes.data.core.formula import FORMULA_MODES as ORM_FORMULA_MODES


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The loaded test profile (tests/conftest.py), with wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return registered_profile


def run(*args: str) -> Result:
    return CliRunner().invoke(data, list(args))


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def quartz_like() -> StructureData:
    structure = StructureData(cell=[[4.0, 0.0, 0.0], [0.0, 5.0, 0.0], [1.0, 0.0, 6.0]])
    structure.append_atom(position=(0.0, 0.0, 0.0), symbols="Si")
    structure.append_atom(position=(2.5, 2.5, 3.0), symbols="O")
    structure.append_atom(position=(1.0, 1.0, 1.0), symbols="O")
    structure.label = "quartz-like"
    return structure.store()


# -- the group ----------------------------------------------------------------------------------


def test_help_lists_every_type_and_imports_nothing_heavy() -> None:
    result = ok("--help")
    for name in DATA_TYPES:
        assert name in result.output
    for name in DATA_TYPES:
        assert ok(name, "--help").stdout.startswith("Usage:")


def test_formula_modes_match_the_orm() -> None:
    assert set(FORMULA_MODES) == set(ORM_FORMULA_MODES)


# -- base types ---------------------------------------------------------------------------------


def test_values_show() -> None:
    number, ratio, text = Int(7).store(), Float(2.5).store(), Str("line one\nline two").store()
    flag, items = Bool(True).store(), List([1, "a", None]).store()
    assert ok("core.int", "show", str(number.pk)).output == "7\n"
    assert ok("core.float", "show", str(ratio.pk), "--json").output == "2.5\n"
    assert ok("core.str", "show", text.uuid).stdout == "line one\nline two\n"
    assert json.loads(ok("core.bool", "show", str(flag.pk), "--json").output) is True
    assert json.loads(ok("core.list", "show", str(items.pk), "-F", "json").output) == [1, "a", None]
    other = Int(-3).store()
    assert json.loads(ok("core.int", "show", str(number.pk), str(other.pk), "--json").output) == [7, -3]
    tsv = ok("core.int", "show", str(number.pk), str(other.pk), "-F", "tsv").output.splitlines()
    assert tsv == ["pk\tvalue", f"{number.pk}\t7", f"{other.pk}\t-3"]
    assert yaml.safe_load(ok("core.list", "show", str(items.pk), "-F", "yaml").output) == [1, "a", None]


def test_show_of_the_wrong_type_or_a_missing_node_is_one_line() -> None:
    number = Int(7).store()
    assert_one_line_error(run("core.dict", "show", str(number.pk)), "Int", "Dict")
    assert_one_line_error(run("core.int", "show", "999999"), "999999")
    assert run("core.int", "show").exit_code == 2


# -- dict -----------------------------------------------------------------------------------------


def test_dict_show_formats() -> None:
    content = {"b": 1, "a": {"z": [1, 2], "y": "text"}, "c": None}
    node = Dict(content).store()
    default = ok("core.dict", "show", str(node.pk)).output
    assert json.loads(default) == content
    assert list(json.loads(default)) == ["a", "b", "c"]  # sorted keys, as verdi
    assert yaml.safe_load(ok("core.dict", "show", str(node.pk), "--format", "yaml").output) == content
    assert json.loads(ok("core.dict", "show", str(node.pk), "-f", "json+date").output) == content
    assert yaml.safe_load(ok("core.dict", "show", str(node.pk), "-F", "yaml_expanded").output) == content
    table = ok("core.dict", "show", str(node.pk), "-F", "table").output
    assert "a:" in table
    assert "z: [1, 2]" in table
    tsv = ok("core.dict", "show", str(node.pk), "-F", "tsv").output.splitlines()
    assert tsv[0] == "key\tvalue"
    assert "a.y\ttext" in tsv
    clash = run("core.dict", "show", str(node.pk), "--json", "-F", "yaml")
    assert clash.exit_code == 2


def test_dict_show_several_nodes() -> None:
    first, second = Dict({"x": 1}).store(), Dict({}).store()
    assert json.loads(ok("core.dict", "show", str(first.pk), str(second.pk)).output) == [{"x": 1}, {}]
    table = ok("core.dict", "show", str(first.pk), str(second.pk), "-F", "table").output
    assert f"pk {first.pk}:" in table
    assert f"pk {second.pk}:\n{{}}" in table
    tsv = ok("core.dict", "show", str(first.pk), str(second.pk), "-F", "tsv").output.splitlines()
    assert tsv == ["pk\tkey\tvalue", f"{first.pk}\tx\t1"]


# -- array ----------------------------------------------------------------------------------------


def arrays() -> ArrayData:
    return ArrayData(
        {
            "forces": numpy.array([[0.5, -1.25], [3.0, 1e-20]]),
            "steps": numpy.arange(3),
            "cube": numpy.ones((2, 2, 2)),
        }
    ).store()


def test_array_show() -> None:
    node = arrays()
    shown = json.loads(ok("core.array", "show", str(node.pk)).output)
    assert shown == {
        "cube": numpy.ones((2, 2, 2)).tolist(),
        "forces": [[0.5, -1.25], [3.0, 1e-20]],
        "steps": [0, 1, 2],
    }


def test_array_export_one_array_to_stdout_and_files(tmp_path: Path) -> None:
    node = arrays()
    text = ok("core.array", "export", str(node.pk), "-a", "forces", "-F", "txt").stdout_bytes
    assert numpy.array_equal(numpy.loadtxt(io.BytesIO(text)), node.get_array("forces"))
    assert ok("core.array", "export", str(node.pk), "-a", "steps", "-F", "txt").output == "0\n1\n2\n"
    target = tmp_path / "forces.npy"
    ok("core.array", "export", str(node.pk), "-a", "forces", "-o", str(target))
    assert numpy.array_equal(numpy.load(target), node.get_array("forces"))
    ok("core.array", "export", str(node.pk), "-a", "steps", "-F", "txt", "-o", str(tmp_path))
    assert (tmp_path / "steps.txt").read_text() == "0\n1\n2\n"
    piped = ok("core.array", "export", str(node.pk), "-a", "steps").stdout_bytes  # npy, not a terminal
    assert numpy.array_equal(numpy.load(io.BytesIO(piped)), numpy.arange(3))


def test_binary_export_to_a_terminal_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    node = arrays()
    monkeypatch.setattr(common, "stdout_is_terminal", lambda: True)
    assert_one_line_error(run("core.array", "export", str(node.pk), "-a", "steps"), "binary", "-o", code=2)
    assert ok("core.array", "export", str(node.pk), "-a", "steps", "-F", "txt").stdout == "0\n1\n2\n"


def test_array_export_all_arrays(tmp_path: Path) -> None:
    node = arrays()
    folder = tmp_path / "out"
    ok("core.array", "export", str(node.pk), "-o", str(folder))
    assert sorted(path.name for path in folder.iterdir()) == ["cube.npy", "forces.npy", "steps.npy"]
    assert numpy.array_equal(numpy.load(folder / "cube.npy"), numpy.ones((2, 2, 2)))
    as_json = json.loads(ok("core.array", "export", str(node.pk), "-F", "json").output)
    assert as_json["steps"] == [0, 1, 2]
    assert_one_line_error(run("core.array", "export", str(node.pk)), "-o FOLDER", code=2)
    assert_one_line_error(
        run("core.array", "export", str(node.pk), "-F", "txt", "-o", str(tmp_path / "t")), "3 dimensions"
    )
    assert_one_line_error(run("core.array", "export", str(node.pk), "-a", "nosuch"), "nosuch", "forces")


def test_export_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    node = arrays()
    folder = tmp_path / "out"
    ok("core.array", "export", str(node.pk), "-o", str(folder))
    before = (folder / "steps.npy").read_bytes()
    (folder / "steps.npy").write_bytes(b"old")
    assert_one_line_error(run("core.array", "export", str(node.pk), "-o", str(folder)), "exists", "--force")
    assert (folder / "steps.npy").read_bytes() == b"old"
    ok("core.array", "export", str(node.pk), "-o", str(folder), "--overwrite")
    assert (folder / "steps.npy").read_bytes() == before
    target = tmp_path / "one.json"
    target.write_text("keep")
    assert_one_line_error(
        run("core.array", "export", str(node.pk), "-F", "json", "-o", str(target)), "exists"
    )
    assert target.read_text() == "keep"
    ok("core.array", "export", str(node.pk), "-F", "json", "-o", str(target), "-f")
    assert json.loads(target.read_text())["steps"] == [0, 1, 2]
    assert not [path for path in tmp_path.rglob("*.part")]


# -- singlefile and cif -------------------------------------------------------------------------


def test_singlefile_content_and_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = b"first line\n\x00\xff binary tail"
    node = SinglefileData(io.BytesIO(payload), "notes.bin").store()
    assert ok("core.singlefile", "content", str(node.pk)).stdout_bytes == payload
    monkeypatch.chdir(tmp_path)
    ok("core.singlefile", "export", str(node.pk))
    assert (tmp_path / "notes.bin").read_bytes() == payload
    assert_one_line_error(run("core.singlefile", "export", str(node.pk)), "notes.bin", "exists")
    folder = tmp_path / "results"
    folder.mkdir()
    ok("core.singlefile", "export", str(node.pk), "-o", str(folder))
    assert (folder / "notes.bin").read_bytes() == payload
    ok("core.singlefile", "export", str(node.pk), "-o", str(folder / "renamed.bin"))
    assert (folder / "renamed.bin").read_bytes() == payload
    assert_one_line_error(
        run("core.singlefile", "export", str(node.pk), "-o", str(tmp_path / "missing" / "x")),
        "does not exist",
    )


def test_cif_content_export_and_list(tmp_path: Path, registered: Profile) -> None:
    text = "data_test\n_cell_length_a 4.0\n"
    node = CifData(content=text, filename="test.cif")
    node.label = "mine"
    node.base.attributes.set("formulae", ["Si O2"])
    node.base.attributes.set("source", {"uri": "http://example.org/1.cif"})
    node.store()
    assert ok("core.cif", "content", str(node.pk)).output == text
    ok("core.cif", "export", str(node.pk), "-o", str(tmp_path / "x.cif"))
    assert (tmp_path / "x.cif").read_text() == text
    listed = ok("core.cif", "list", "-F", "tsv").stdout.splitlines()
    assert listed[0] == "pk\tlabel\tfilename\tformulae\tsource_uri"
    assert listed[1] == f"{node.pk}\tmine\ttest.cif\tSi O2\thttp://example.org/1.cif"


# -- remote -------------------------------------------------------------------------------------


def test_remote_show() -> None:
    computer = Computer(label="cluster", hostname="localhost").store()
    node = RemoteData(remote_path="/scratch/run1", computer=computer).store()
    assert ok("core.remote", "show", str(node.pk), "-F", "tsv").stdout.splitlines() == [
        "pk\tcomputer\tremote_path\tcleaned",
        f"{node.pk}\tcluster\t/scratch/run1\tfalse",
    ]
    assert (
        json.loads(ok("core.remote", "show", str(node.pk), "--json").stdout)[0]["remote_path"]
        == "/scratch/run1"
    )


# -- structure ----------------------------------------------------------------------------------


def test_structure_show() -> None:
    node = quartz_like()
    table = ok("core.structure", "show", str(node.pk)).output
    assert "formula" in table
    assert "O2Si" in table
    assert "kind  symbols" in table
    assert "2.50000000" in table
    record = json.loads(ok("core.structure", "show", str(node.pk), "--json").output)
    assert record["formula"] == "O2Si"
    assert record["cell"][2] == [1.0, 0.0, 6.0]
    assert len(record["sites"]) == 3
    assert record["pbc"] == [True, True, True]


def test_structure_export_xyz_and_xsf() -> None:
    node = quartz_like()
    lines = ok("core.structure", "export", str(node.pk)).output.splitlines()
    assert lines[0] == "3"
    assert lines[1] == 'Lattice="4.0 0.0 0.0 0.0 5.0 0.0 1.0 0.0 6.0" pbc="True True True"'
    assert lines[3].split() == ["O", "2.5000000000", "2.5000000000", "3.0000000000"]
    xsf = ok("core.structure", "export", str(node.pk), "-F", "xsf").output.splitlines()
    assert xsf[:2] == ["CRYSTAL", "PRIMVEC 1"]
    assert xsf[5:7] == ["PRIMCOORD 1", "3 1"]
    assert xsf[7].split()[0] == "14"
    assert xsf[8].split()[0] == "8"


def test_structure_export_cif_has_fractional_coordinates(tmp_path: Path) -> None:
    node = quartz_like()
    target = tmp_path / "s.cif"
    ok("core.structure", "export", str(node.pk), "-F", "cif", "-o", str(target))
    cif = target.read_text()
    assert cif.startswith("data_quartz-like\n")
    values = dict(line.split(None, 1) for line in cif.splitlines() if line.startswith("_cell"))
    assert math.isclose(float(values["_cell_length_c"]), math.sqrt(37))
    assert math.isclose(float(values["_cell_angle_beta"]), math.degrees(math.acos(4 / (4 * math.sqrt(37)))))
    assert math.isclose(float(values["_cell_volume"]), 120.0)
    sites = [line.split() for line in cif.splitlines() if line.startswith(("Si1", "O1", "O2"))]
    assert sites[0] == ["Si1", "Si", *(["0.0000000000"] * 3), "1.000000"]
    # (2.5, 2.5, 3.0) = 0.5 a + 0.5 b + 0.5 c  with a = (4,0,0), b = (0,5,0), c = (1,0,6)
    assert [float(value) for value in sites[1][2:5]] == pytest.approx([0.5, 0.5, 0.5])
    assert "_chemical_formula_sum            'O2 Si'" in cif
    assert_one_line_error(
        run("core.structure", "export", str(node.pk), "-F", "cif", "-o", str(target)), "exists"
    )


def test_structure_formats_alloys_and_flat_cells() -> None:
    kinds = [{"symbols": ["Fe", "Ni"], "weights": [0.5, 0.4], "name": "FeNi"}]
    sites = [{"kind_name": "FeNi", "position": [0.0, 0.0, 0.0]}]
    cell = [[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]]
    cif = structure_formats.to_cif(cell, (True, True, True), kinds, sites, name="alloy")
    assert "Fe1 Fe 0.0000000000 0.0000000000 0.0000000000 0.500000" in cif
    assert "Ni1 Ni 0.0000000000 0.0000000000 0.0000000000 0.400000" in cif
    assert "'Fe0.5 Ni0.4'" in cif
    with pytest.raises(Exception, match="alloys or vacancies"):
        structure_formats.to_xyz(cell, (True, True, True), kinds, sites)
    flat = [[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.0]]
    with pytest.raises(Exception, match="non-zero vectors"):
        structure_formats.to_cif(flat, (True, True, False), kinds, sites)
    rotated = [[0.0, 3.0, 0.0], [-3.0, 0.0, 0.0], [0.0, 0.0, 3.0]]
    assert structure_formats.fractional_coordinates(rotated, [-1.5, 1.5, 0.0]) == (0.5, 0.5, 0.0)
    assert "-0.0000000000" not in structure_formats.to_cif(rotated, (True,) * 3, kinds, sites)
    assert structure_formats.atomic_number("Fl") == 114
    assert structure_formats.atomic_number("Cn") == 112


def test_structure_export_of_an_alloy_to_xyz_is_one_line() -> None:
    alloy = StructureData(cell=[[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]])
    alloy.append_atom(position=(0.0, 0.0, 0.0), symbols=["Fe", "Ni"], weights=[0.5, 0.5])
    alloy.store()
    assert_one_line_error(run("core.structure", "export", str(alloy.pk)), "alloys", "cif")
    assert "Fe1 Fe" in ok("core.structure", "export", str(alloy.pk), "-F", "cif").output


def test_structure_list_filters(registered: Profile) -> None:
    first = quartz_like()
    salt = StructureData(cell=[[5.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 5.0]])
    salt.append_atom(position=(0.0, 0.0, 0.0), symbols="Na")
    salt.append_atom(position=(2.5, 2.5, 2.5), symbols="Cl")
    salt.store()
    table = ok("core.structure", "list").stdout.splitlines()
    assert table[0].split() == ["pk", "label", "formula"]
    assert table[1].split() == [str(first.pk), "quartz-like", "O2Si"]
    assert table[2].split() == [str(salt.pk), "ClNa"]
    assert table[-1] == "Total: 2 StructureData nodes"
    only_si = ok("core.structure", "list", "-e", "Si", "Fe", "-F", "tsv").stdout.splitlines()
    assert only_si == ["pk\tlabel\tformula", f"{first.pk}\tquartz-like\tO2Si"]
    raw = ok("core.structure", "list", "--raw", "-f", "count").stdout.splitlines()
    assert raw == [f"{first.pk}\tquartz-like\tSiO2", f"{salt.pk}\t\tNaCl"]
    group = Group("structures").store()
    other = Group("again").store()
    group.add_nodes([salt])
    other.add_nodes([salt])
    in_groups = ok("core.structure", "list", "-G", "structures", "again", "--raw").stdout.splitlines()
    assert in_groups == [f"{salt.pk}\t\tClNa"]
    assert_one_line_error(run("core.structure", "list", "-G", "nosuch"), "nosuch")
    assert ok("core.structure", "list", "-p", "1", "--raw").stdout.count("\n") == 2


def test_structure_list_only_the_default_users_unless_all_users() -> None:
    mine = quartz_like()
    stranger = User(email="someone@else.org").store()
    theirs = StructureData(cell=[[5.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 5.0]], user=stranger)
    theirs.append_atom(position=(0.0, 0.0, 0.0), symbols="Cu")
    theirs.store()
    assert ok("core.structure", "list", "--raw").stdout.splitlines() == [f"{mine.pk}\tquartz-like\tO2Si"]
    everyone = ok("core.structure", "list", "--raw", "-A").stdout.splitlines()
    assert [line.split("\t")[0] for line in everyone] == [str(mine.pk), str(theirs.pk)]


def test_list_past_days_excludes_old_nodes() -> None:
    old = quartz_like()
    assert old.ctime > datetime.now(timezone.utc) - timedelta(days=1)
    assert ok("core.structure", "list", "-p", "0", "--raw").stdout == ""


# -- start-up and docstrings ----------------------------------------------------------------------


def test_help_of_every_data_command_imports_no_orm_storage_or_sqlalchemy() -> None:
    """`provgraph data ... --help` stays instant: the ORM is imported inside the command bodies."""
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from provgraph.cli.data import DATA_TYPES, data\n"
        "runner = CliRunner()\n"
        "assert runner.invoke(data, ['--help']).exit_code == 0\n"
        "for name in DATA_TYPES:\n"
        "    group = data.get_command(None, name)\n"
        "    for sub in group.list_commands(None):\n"
        "        assert runner.invoke(data, [name, sub, '--help']).exit_code == 0, (name, sub)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'numpy', 'yaml')\n"
        "               or m.startswith(('provgraph.orm', 'provgraph.storage', 'provgraph.manager')))\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


@pytest.mark.parametrize("module", [common, structure_formats], ids=lambda module: module.__name__)
def test_module_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {module.__name__} failed"
