"""Computers: fields, metadata properties, uniqueness, loading and guarded deletion."""

from __future__ import annotations

import pytest

from provgraph.exceptions import (
    InputValidationError,
    InvalidOperation,
    MultipleObjectsError,
    NotExistent,
)
from provgraph.orm.computers import Computer, load_computer
from provgraph.orm.nodes.data.data import Data
from provgraph.storage.abstract import EntityTypes, StorageBackend


def make(label: str = "cluster", **kwargs: object) -> Computer:
    return Computer(label, "cluster.example.org", "a test machine", "core.ssh", "core.slurm", **kwargs)  # type: ignore[arg-type]


def test_store_and_load_round_trip(backend: StorageBackend) -> None:
    computer = make(workdir="/scratch/{username}/runs/")
    assert computer.pk is None
    computer.store()
    loaded = load_computer(computer.pk)
    assert loaded == computer
    assert (loaded.label, loaded.hostname, loaded.description) == (
        "cluster",
        "cluster.example.org",
        "a test machine",
    )
    assert (loaded.transport_type, loaded.scheduler_type) == ("core.ssh", "core.slurm")
    assert loaded.uuid == computer.uuid
    assert loaded.get_workdir() == "/scratch/{username}/runs/"
    assert loaded.metadata == {"workdir": "/scratch/{username}/runs/"}
    assert str(loaded) == f"cluster (cluster.example.org), pk: {computer.pk}"


def test_defaults_follow_aiida(backend: StorageBackend) -> None:
    computer = Computer("plain", "localhost")
    assert computer.get_workdir() == "/scratch/{username}/aiida_run/"
    assert computer.get_shebang() == "#!/bin/bash"
    assert computer.get_mpirun_command() == ["mpirun", "-np", "{tot_num_mpiprocs}"]
    assert computer.get_default_mpiprocs_per_machine() is None
    assert computer.get_default_memory_per_machine() is None
    assert computer.get_minimum_job_poll_interval() == 10.0
    assert computer.get_prepend_text() == computer.get_append_text() == ""
    assert computer.metadata == {}


def test_metadata_properties_persist_on_a_stored_computer(backend: StorageBackend) -> None:
    computer = make().store()
    computer.set_workdir("/work/{username}")
    computer.set_shebang("#!/bin/zsh")
    computer.set_mpirun_command(["srun", "-n", "{tot_num_mpiprocs}"])
    computer.set_default_mpiprocs_per_machine(64)
    computer.set_default_memory_per_machine(1024)
    computer.set_prepend_text("module load x")
    computer.set_append_text("echo done")
    computer.set_minimum_job_poll_interval(2.5)
    computer.set_property("custom", {"a": [1, 2]})
    computer.hostname = "login.example.org"
    computer.description = "changed"
    computer.label = "renamed"
    loaded = load_computer(computer.uuid)
    assert loaded.get_workdir() == "/work/{username}"
    assert loaded.get_shebang() == "#!/bin/zsh"
    assert loaded.get_mpirun_command() == ["srun", "-n", "{tot_num_mpiprocs}"]
    assert loaded.get_default_mpiprocs_per_machine() == 64
    assert loaded.get_default_memory_per_machine() == 1024
    assert (loaded.get_prepend_text(), loaded.get_append_text()) == ("module load x", "echo done")
    assert loaded.get_minimum_job_poll_interval() == 2.5
    assert loaded.get_property("custom") == {"a": [1, 2]}
    assert (loaded.label, loaded.hostname, loaded.description) == ("renamed", "login.example.org", "changed")
    loaded.set_default_mpiprocs_per_machine(None)
    loaded.delete_property("custom")
    assert "default_mpiprocs_per_machine" not in load_computer(computer.pk).metadata
    assert load_computer(computer.pk).get_property("custom", "gone") == "gone"


def test_metadata_is_a_copy(backend: StorageBackend) -> None:
    computer = make().store()
    computer.metadata["sneaky"] = 1
    assert "sneaky" not in computer.metadata


def test_missing_property_without_default(backend: StorageBackend) -> None:
    computer = make()
    with pytest.raises(NotExistent, match="computer 'cluster' has no property 'nope'"):
        computer.get_property("nope")
    with pytest.raises(NotExistent, match="'nope'"):
        computer.delete_property("nope")
    computer.delete_property("nope", raise_exception=False)


@pytest.mark.parametrize(
    ("setter", "value", "message"),
    [
        ("set_workdir", "relative/path", "must be an absolute path"),
        ("set_workdir", "/scratch/{user}", "only the '{username}' placeholder"),
        ("set_shebang", "/bin/bash", "starting with '#!'"),
        ("set_mpirun_command", "mpirun -np 2", "list of strings"),
        ("set_default_mpiprocs_per_machine", 0, "positive integer"),
        ("set_default_mpiprocs_per_machine", True, "positive integer"),
        ("set_default_memory_per_machine", -5, "positive integer"),
    ],
)
def test_invalid_settings_are_refused(
    backend: StorageBackend, setter: str, value: object, message: str
) -> None:
    computer = make()
    with pytest.raises(InputValidationError, match=message):
        getattr(computer, setter)(value)


def test_store_needs_label_and_hostname(backend: StorageBackend) -> None:
    with pytest.raises(InputValidationError, match="has no hostname"):
        Computer("nohost").store()
    with pytest.raises(InputValidationError, match="invalid computer label"):
        Computer(" ", "localhost").store()
    assert Computer.collection.count() == 0


def test_duplicate_label_is_refused_at_store_and_on_relabel(backend: StorageBackend) -> None:
    make("taken").store()
    with pytest.raises(InputValidationError, match="a computer labelled 'taken' exists already"):
        make("taken").store()
    other = make("other").store()
    with pytest.raises(InputValidationError, match="'taken' exists already"):
        other.label = "taken"
    assert other.label == "other"
    assert load_computer(other.pk).label == "other"


def test_duplicate_label_inside_a_transaction_leaves_it_usable(backend: StorageBackend) -> None:
    make("taken").store()
    with backend.transaction():
        with pytest.raises(InputValidationError, match="exists already"):
            make("taken").store()
        make("fine").store()
    assert sorted(Computer.collection.list_labels()) == ["fine", "taken"]


def test_collection_get_or_create(backend: StorageBackend) -> None:
    stored = make("known").store()
    assert Computer.collection.get_or_create("known") == (False, stored)
    created, new = Computer.collection.get_or_create("fresh", hostname="h")
    assert created
    assert not new.is_stored
    assert new.hostname == "h"


def test_load_computer_by_each_identifier(backend: StorageBackend) -> None:
    computer = make("byname").store()
    assert computer.pk is not None
    assert load_computer(computer.pk) == computer
    assert load_computer(str(computer.pk)) == computer
    assert load_computer(computer.uuid) == computer
    assert load_computer(computer.uuid.upper()) == computer
    assert load_computer(computer.uuid[:8]) == computer
    assert load_computer(computer.uuid.replace("-", "")[:12]) == computer
    assert load_computer("byname") == computer
    assert load_computer(label="byname") == computer
    assert load_computer(pk=computer.pk) == computer
    assert load_computer(uuid=computer.uuid[:10]) == computer


def test_load_computer_prefers_an_exact_label_to_a_uuid_prefix(backend: StorageBackend) -> None:
    hexlabel = make("cafe").store()
    assert load_computer("cafe") == hexlabel
    assert load_computer("cafe!") == hexlabel


def test_load_computer_errors(backend: StorageBackend) -> None:
    with pytest.raises(NotExistent, match=r"^no Computer with label 'ghost'$"):
        load_computer("ghost")
    with pytest.raises(NotExistent, match=r"^no Computer with label or uuid prefix 'abc123'$"):
        load_computer("abc123")
    with pytest.raises(NotExistent, match="no Computer with pk 999"):
        load_computer(999)
    with pytest.raises(InputValidationError, match="exactly one of"):
        load_computer()
    with pytest.raises(InputValidationError, match="exactly one of"):
        load_computer("x", label="x")
    with pytest.raises(InputValidationError, match="not a uuid"):
        load_computer(uuid="zzz")


def test_ambiguous_uuid_prefix(backend: StorageBackend) -> None:
    first, second = make("a"), make("b")
    first._row["uuid"] = "aaaaaaaa-0000-4000-8000-000000000001"
    second._row["uuid"] = "aaaaaaaa-0000-4000-8000-000000000002"
    first.store()
    second.store()
    with pytest.raises(MultipleObjectsError, match="several Computers match uuid prefix 'aaaaaaaa'"):
        load_computer("aaaaaaaa")
    assert load_computer("aaaaaaaa-0000-4000-8000-000000000002") == second


def test_unused_computer_is_deleted_with_its_authinfos(backend: StorageBackend) -> None:
    computer = make().store()
    computer.configure(username="me")
    assert computer.pk is not None
    Computer.collection.delete(computer.pk)
    assert Computer.collection.count() == 0
    assert backend.count_rows(EntityTypes.AUTHINFO) == 0
    with pytest.raises(NotExistent, match=f"no Computer with pk {computer.pk}"):
        Computer.collection.delete(computer.pk)


def test_computer_used_by_nodes_cannot_be_deleted(backend: StorageBackend) -> None:
    computer = make("busy").store()
    node = Data()
    node.computer = computer
    node.store()
    assert computer.pk is not None
    with pytest.raises(InvalidOperation, match=r"computer 'busy' \(pk \d+\) is used by 1 nodes"):
        Computer.collection.delete(computer.pk)
    assert Computer.collection.count() == 1
