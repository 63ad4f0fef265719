"""provgraph.orm.utils: aiida's loader functions and OrmEntityLoader classes, links, ComputerBuilder."""

from __future__ import annotations

import pytest

from provgraph import orm
from provgraph.exceptions import MultipleObjectsError, NotExistent
from provgraph.orm.utils import load_code, load_computer, load_entity, load_group, load_node
from provgraph.orm.utils.builders.computer import ComputerBuilder
from provgraph.orm.utils.links import LinkPair, LinkQuadruple, LinkTriple, validate_link
from provgraph.orm.utils.loaders import (
    CalculationEntityLoader,
    CodeEntityLoader,
    ComputerEntityLoader,
    GroupEntityLoader,
    IdentifierType,
    NodeEntityLoader,
    get_loader,
)
from provgraph.storage.abstract import StorageBackend


def test_load_entity_checks_its_arguments_as_aiida(backend: StorageBackend) -> None:
    with pytest.raises(TypeError):
        load_entity(entity_loader=None)
    with pytest.raises(ValueError, match="exactly one"):
        load_entity(NodeEntityLoader)
    with pytest.raises(ValueError, match="exactly one"):
        load_entity(NodeEntityLoader, identifier="a", pk=1)
    with pytest.raises(TypeError):
        load_entity(NodeEntityLoader, pk="1")
    with pytest.raises(TypeError):
        load_entity(NodeEntityLoader, uuid=1)
    with pytest.raises(TypeError):
        load_entity(NodeEntityLoader, label=1)


def test_loaders_by_every_identifier(backend: StorageBackend) -> None:
    node = orm.Data().store()
    group = orm.Group("groupie").store()
    computer = orm.Computer(
        "comp", "localhost", transport_type="core.local", scheduler_type="core.direct"
    ).store()
    for loader, entity in ((load_node, node), (load_group, group), (load_computer, computer)):
        assert loader(entity.pk).uuid == entity.uuid
        assert loader(str(entity.pk)).uuid == entity.uuid
        assert loader(pk=entity.pk).uuid == entity.uuid
        assert loader(entity.uuid).uuid == entity.uuid
        assert loader(uuid=entity.uuid[:8]).uuid == entity.uuid
        assert loader(uuid=entity.uuid[:10]).uuid == entity.uuid
        with pytest.raises(NotExistent):
            loader("non-existent-uuid")
    assert load_group("groupie").uuid == group.uuid
    assert load_computer(label="comp").uuid == computer.uuid
    with pytest.raises(NotExistent):  # node labels need label=
        load_node("groupie")


def test_sub_classes_narrow_the_result(backend: StorageBackend) -> None:
    calc = orm.CalculationNode().store()
    data = orm.Data().store()
    assert load_node(calc.pk, sub_classes=(orm.CalculationNode,)) == calc
    with pytest.raises(NotExistent, match="is not a"):
        load_node(data.pk, sub_classes=(orm.CalculationNode,))
    with pytest.raises(ValueError, match="not a subclass"):
        load_node(data.pk, sub_classes=(orm.Group,))
    assert CalculationEntityLoader.load_entity(calc.pk, IdentifierType.ID) == calc
    with pytest.raises(NotExistent):
        CalculationEntityLoader.load_entity(data.pk, IdentifierType.ID)


def test_load_code_by_label_and_full_label(backend: StorageBackend) -> None:
    computer = orm.Computer(
        "host", "localhost", transport_type="core.local", scheduler_type="core.direct"
    ).store()
    code = orm.InstalledCode(label="compy", computer=computer, filepath_executable="/x.x").store()
    assert load_code(code.pk) == code
    assert load_code("compy") == code
    assert load_code("compy@host") == code
    assert load_code(label="compy@host") == code
    assert load_code(uuid=code.uuid[:8]) == code
    with pytest.raises(NotExistent):
        load_code("compy@elsewhere")
    orm.InstalledCode(label="compy", computer=computer, filepath_executable="/y.y").store()
    with pytest.raises(MultipleObjectsError):
        load_code("compy")


def test_get_loader_picks_the_most_specific() -> None:
    assert get_loader(orm.Int) is NodeEntityLoader
    assert get_loader(orm.CalcFunctionNode) is CalculationEntityLoader
    assert get_loader(orm.InstalledCode) is CodeEntityLoader
    assert get_loader(orm.AutoGroup) is GroupEntityLoader
    assert get_loader(orm.Computer) is ComputerEntityLoader
    with pytest.raises(ValueError, match="no OrmEntityLoader"):
        get_loader(orm.User)


def test_link_tuples_and_validation_by_aiida_path(backend: StorageBackend) -> None:
    quadruple = LinkQuadruple(1, 2, "create", "result")
    assert quadruple == (1, 2, "create", "result")
    assert quadruple.link_label == "result"
    assert LinkPair(orm.LinkType.CREATE, "x").link_label == "x"
    assert LinkTriple._fields == ("node", "link_type", "link_label")
    calc = orm.CalculationNode().store()
    with pytest.raises(ValueError, match=r"unstored|stored|input_calc|INPUT_CALC|link"):
        validate_link(calc, orm.Data(), orm.LinkType.INPUT_CALC, "wrong_direction")


def test_computer_builder_builds_a_configurable_computer(backend: StorageBackend) -> None:
    builder = ComputerBuilder(label="built", description="computer", hostname="localhost")
    builder.scheduler = "core.direct"
    builder.transport = "core.local"
    builder.work_dir = "/tmp/provgraph"
    builder.prepend_text = "module load x"
    builder.append_text = ""
    builder.use_double_quotes = False
    builder.mpiprocs_per_machine = 8
    builder.default_memory_per_machine = 1000000
    builder.mpirun_command = "mpirun -np {tot_num_mpiprocs}"
    with pytest.raises(ComputerBuilder.ComputerValidationError, match="shebang"):
        builder.new()
    builder.shebang = "#!/bin/bash"
    computer = builder.new().store()
    assert computer.get_default_mpiprocs_per_machine() == 8
    assert computer.get_mpirun_command() == ["mpirun", "-np", "{tot_num_mpiprocs}"]
    assert computer.get_prepend_text() == "module load x"
    computer.configure()
    assert computer.is_configured
    copy = ComputerBuilder.from_computer(computer)
    copy.label = "copy"
    assert copy.new().get_workdir() == "/tmp/provgraph"
    with pytest.raises(AttributeError, match="not a computer specification key"):
        builder.not_a_key = 1
