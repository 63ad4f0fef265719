"""The pydantic models of the ORM classes: names, schemas, and entity <-> model round trips."""

from __future__ import annotations

import datetime
import hashlib
import inspect
import io
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy
import pydantic
import pytest

from provgraph import orm
from provgraph.common.warnings import AiidaDeprecationWarning
from provgraph.exceptions import UnsupportedSchemaError
from provgraph.orm.pydantic import OrmMetadataField, OrmModel
from provgraph.storage.abstract import StorageBackend


def test_no_model_is_built_at_import() -> None:
    """Importing the ORM builds no pydantic model: they are made when first used."""
    code = (
        "import provgraph.orm\n"
        "from provgraph.orm.models import build\n"
        "assert not build._CACHE, sorted(str(key) for key in build._CACHE)\n"
        "provgraph.orm.Int.ReadModel\n"
        "assert (provgraph.orm.Int, 'ReadModel') in build._CACHE\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("cls", [orm.User, orm.Computer, orm.Group, orm.Int, orm.Dict, orm.SinglefileData])
def test_model_names_and_titles(cls: type[orm.Entity]) -> None:
    name = cls.__name__
    for model in ("ReadModel", "WriteModel"):
        built = getattr(cls, model)
        assert built.__qualname__ == f"{name}.{model}"
        assert built.model_config["title"] == f"{name}{model}"
    assert cls.ReadModel is cls.ReadModel  # built once


def test_write_model_drops_read_only_fields() -> None:
    assert set(orm.User.WriteModel.model_fields) == {"email", "first_name", "last_name", "institution"}
    assert "pk" in orm.User.ReadModel.model_fields
    assert {"uuid", "ctime", "user", "computer", "pk"}.isdisjoint(orm.Int.WriteModel.model_fields)
    attributes = orm.SinglefileData.WriteModel.model_fields["attributes"].annotation
    assert attributes.__qualname__ == "SinglefileData.AttributesWriteModel"
    assert "filename" not in attributes.model_fields  # read-only: derived from the file
    assert "filename" in orm.SinglefileData.AttributesModel.model_fields
    # RemoteData is created with its computer
    assert "computer" in orm.RemoteData.WriteModel.model_fields


def test_node_models_follow_the_class_hierarchy() -> None:
    assert issubclass(orm.Int.AttributesModel, orm.Data.AttributesModel)
    assert orm.Int.ReadModel.model_fields["attributes"].annotation is orm.Int.AttributesModel
    assert issubclass(orm.Int.ReadModel, orm.Data.ReadModel)
    with pytest.raises(pydantic.ValidationError):
        orm.Int.WriteModel(node_type="data.core.float.Float.", attributes={"value": 1})
    # Data accepts any node_type: plugin types without their plugin load as Data
    orm.Data.WriteModel(node_type="data.someplugin.Thing.", attributes={})


def test_constructor_model_only_where_the_class_has_one() -> None:
    assert orm.Dict.supports_constructor_model
    assert not orm.Int.supports_constructor_model
    with pytest.raises(UnsupportedSchemaError):
        orm.Int.ConstructorModel  # noqa: B018
    assert orm.Dict.ConstructorModel.__qualname__ == "Dict.ConstructorModel"
    assert not hasattr(orm.Int, "ConstructorArgsModel")
    assert not hasattr(orm.Int, "ConstructorModel")  # an AttributeError too: introspection works
    assert not orm.Dict.supports_cli_model
    with pytest.raises(UnsupportedSchemaError, match="CLI"):
        orm.Dict.CliModel  # noqa: B018
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AiidaDeprecationWarning)  # getmembers reads the deprecated Model too
        assert "ReadModel" in dict(inspect.getmembers(orm.Int))


def test_minimal_model() -> None:
    minimal = orm.Int.ReadModel._as_minimal_model()
    assert minimal._as_minimal_model() is minimal
    assert minimal.__qualname__ == "Int.MinimalReadModel"
    assert "extras" not in minimal.model_fields
    assert "attributes" not in minimal.model_fields


def test_user_round_trip(backend: StorageBackend) -> None:
    user = orm.User(email="ada@example.org", first_name="Ada")
    model = user.to_model()
    assert isinstance(model, orm.User.WriteModel)
    copy = orm.User.from_model(model)
    assert (copy.email, copy.first_name) == ("ada@example.org", "Ada")
    assert orm.User.from_serialized(user.serialize()).serialize() == user.serialize()
    user.store()
    read = user.serialize(mode="json")
    assert read["pk"] == user.pk


def test_entity_round_trips(backend: StorageBackend) -> None:
    computer = orm.Computer("box", "box.example.org", "a box", "core.local", "core.direct").store()
    user = orm.User.collection.get_default()
    node = orm.Data().store()
    for entity in (
        computer,
        orm.AuthInfo(computer, orm.User(email="b@example.org").store(), auth_params={"port": 22}),
        orm.Group(label="g", extras={"a": 1}),
        orm.Comment(node, user, "note"),
    ):
        cls = type(entity)
        serialized = entity.serialize(schema="write")
        assert set(serialized) == set(cls.WriteModel.model_fields)
        assert cls.from_serialized(serialized).serialize(schema="write") == serialized


def test_read_schema_of_stored_entities(backend: StorageBackend) -> None:
    group = orm.Group(label="read").store()
    serialized = group.serialize(mode="json")
    assert serialized["uuid"] == group.uuid
    assert serialized["time"] == group.time.isoformat()  # not pydantic's "Z" form
    assert serialized["user"] == group.user.pk
    with pytest.raises(UnsupportedSchemaError):
        orm.Group(label="unstored").to_model(schema="read")
    with pytest.raises(UnsupportedSchemaError):
        group.to_model(schema="bogus")


def test_node_from_write_model(backend: StorageBackend) -> None:
    model = orm.List.WriteModel(node_type=orm.List.class_node_type, attributes={"list": [1, 2]}, label="l")
    node = orm.List.from_model(model)
    assert node.get_list() == [1, 2]
    assert node.label == "l"
    assert not node.is_stored
    assert node.to_model(schema="write").attributes == model.attributes
    node.store()
    serialized = node.serialize(mode="json")
    assert serialized["attributes"]["list"] == [1, 2]
    assert serialized["node_type"] == "data.core.list.List."
    assert serialized["ctime"] == node.ctime.isoformat()
    assert serialized["user"] == node.user.pk


def test_node_files_from_write_model(backend: StorageBackend) -> None:
    buffer = io.BytesIO()
    numpy.save(buffer, numpy.array([1, 2, 3]), allow_pickle=False)
    buffer.seek(0)
    array = orm.ArrayData.from_serialized(
        {"node_type": orm.ArrayData.class_node_type, "attributes": {}}, files={"a.npy": lambda: buffer}
    )
    assert array.get_array("a").tolist() == [1, 2, 3]
    assert array.base.attributes.get("array|a") == [3]
    single = orm.SinglefileData.from_serialized(
        {"node_type": orm.SinglefileData.class_node_type, "attributes": {}},
        files={"notes.txt": lambda: io.StringIO("hello")},
    )
    assert (single.filename, single.get_content()) == ("notes.txt", "hello")
    folder = orm.FolderData.from_serialized(
        {"node_type": orm.FolderData.class_node_type, "attributes": {}},
        files={"empty": lambda: None, "f.txt": lambda: io.BytesIO(b"x")},
    )
    assert sorted(folder.list_object_names()) == ["empty", "f.txt"]
    with pytest.raises(ValueError, match=r"expected a \.npy file"):
        orm.ArrayData.from_serialized(
            {"node_type": orm.ArrayData.class_node_type, "attributes": {}},
            files={"a.txt": io.BytesIO},
        )


def test_node_constructor_model(backend: StorageBackend, tmp_path: Path) -> None:
    node = orm.Dict.from_serialized({"node_type": orm.Dict.class_node_type, "args": {"value": {"a": 1}}})
    assert node.get_dict() == {"a": 1}
    assert node.to_model(schema="constructor").args.value == {"a": 1}
    with pytest.raises(UnsupportedSchemaError):
        orm.Int(1).to_model(schema="constructor")
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "f.txt").write_text("x")
    folder = orm.FolderData.from_model(
        orm.FolderData.ConstructorModel(
            node_type=orm.FolderData.class_node_type, args={"tree": str(tmp_path / "source")}
        )
    )
    dump = tmp_path / "dump"
    dump.mkdir()
    args = folder.to_model(schema="constructor", context={"repository_dump_path": dump}).args
    assert args.tree == str(dump)
    assert (dump / "f.txt").read_text() == "x"
    single = orm.SinglefileData.from_serialized(
        {"node_type": orm.SinglefileData.class_node_type, "args": {"filename": "a.txt", "content": "abc"}}
    )
    assert single.to_model(schema="constructor").args.content == "abc"


def test_serialize_keeps_attributes_the_model_does_not_name(backend: StorageBackend) -> None:
    node = orm.Int(3)
    node.base.attributes.set("extra_key", 1)
    node.store()
    assert node.serialize()["attributes"] == {"value": 3, "source": None, "extra_key": 1}
    assert "attributes" not in node.serialize(minimal=True)


def test_repository_dump_path(backend: StorageBackend, tmp_path: Path) -> None:
    node = orm.SinglefileData(io.BytesIO(b"data"), "d.bin").store()
    node.serialize(repository_dump_path=tmp_path)
    assert (tmp_path / "d.bin").read_bytes() == b"data"
    with pytest.raises(ValueError, match="not an existing directory"):
        node.serialize(repository_dump_path=tmp_path / "missing")


def test_plugin_class_declares_its_attributes() -> None:
    class Sample(orm.Data):
        class AttributesModel(orm.Data.AttributesModel):
            temperature: float = OrmMetadataField(description="In kelvin")

    assert Sample.ReadModel.model_fields["attributes"].annotation is Sample.AttributesModel
    assert isinstance(Sample.fields.temperature, orm.fields.QbNumericField)
    assert Sample.fields.temperature.backend_key == "attributes.temperature"
    assert Sample.fields.attributes.temperature is Sample.fields.temperature

    class Unrelated(orm.Data):
        class AttributesModel(OrmModel):
            x: int = 0

    with pytest.raises(TypeError, match=r"must subclass `Data\.AttributesModel`"):
        Unrelated.ReadModel  # noqa: B018


def test_deprecated_model(backend: StorageBackend) -> None:
    with pytest.warns(AiidaDeprecationWarning, match=r"\.Model` is deprecated"):
        legacy = orm.Int.Model
    instance = legacy(value=5, user=1)
    with pytest.raises(ValueError, match="WriteModel"):
        orm.Int.from_model(instance)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        orm.Int.WriteModel  # noqa: B018  (the new names do not warn)
    with pytest.warns(AiidaDeprecationWarning, match="model_to_orm_fields"):
        assert "email" in orm.User.model_to_orm_fields()
    with pytest.warns(AiidaDeprecationWarning, match="model_to_orm_field_values"):
        values = orm.User.model_to_orm_field_values(orm.User.WriteModel(email="x@example.org"))
    assert values["email"] == "x@example.org"


def test_log_from_model(backend: StorageBackend) -> None:
    node = orm.Data().store()
    model = orm.Log.WriteModel(
        time=datetime.datetime.now(datetime.timezone.utc),
        loggername="l",
        levelname="REPORT",
        message="m",
        node=node.pk,
    )
    log = orm.Log.from_model(model)
    assert log.dbnode_id == node.pk
    assert log.message == "m"


def test_domain_classes_keep_their_attributes(backend: StorageBackend) -> None:
    from provgraph.common.datastructures import StashMode

    stash = orm.RemoteStashCompressedData(StashMode.COMPRESS_TAR, "/stash", ["a"], dereference=True).store()
    assert stash.base.attributes.all == {
        "stash_mode": "tar",
        "target_basepath": "/stash",
        "source_list": ["a"],
        "fail_on_missing": False,
        "dereference": True,
    }
    assert orm.load_node(stash.pk).stash_mode is StashMode.COMPRESS_TAR
    with pytest.raises(ValueError, match="stash modes"):
        orm.RemoteStashFolderData(StashMode.COMPRESS_TAR, "/stash", ["a"])
    cif = orm.CifData(content="data_x\n", filename="x.cif").store()
    expected_md5 = hashlib.md5(b"data_x\n", usedforsecurity=False).hexdigest()
    assert (cif.filename, cif.get_content(), cif.md5) == ("x.cif", "data_x\n", expected_md5)
    assert cif.base.attributes.get("scan_type") == "standard"
    computer = orm.Computer(
        "c", "localhost", transport_type="core.local", scheduler_type="core.direct"
    ).store()
    code = orm.ContainerizedCode(
        computer, "/bin/echo", image_name="alpine", engine_command="docker run {image_name}", label="echo"
    ).store()
    assert (code.image_name, code.filepath_executable.as_posix()) == ("alpine", "/bin/echo")
    assert orm.load_node(code.pk).computer == computer


def test_every_class_builds_its_models() -> None:
    """Every registered entity and node class has working models, fields and JSON schemas."""
    from provgraph.orm.entities import registered_entity_classes
    from provgraph.orm.nodes import types

    classes = set(types._REGISTRY.values()) | set(registered_entity_classes().values()) | {orm.AbstractCode}
    assert orm.CalcJobNode in classes
    for cls in classes:
        for model in (cls.ReadModel, cls.WriteModel):
            assert model.model_json_schema()["title"] == model.__qualname__.replace(".", "")
        assert "pk" in cls.fields
        if issubclass(cls, orm.Node) and cls.supports_constructor_model:
            assert "args" in cls.ConstructorModel.model_json_schema()["properties"]


def test_plugin_class_declares_its_constructor(backend: StorageBackend) -> None:
    class Pair(orm.Data):
        class ConstructorArgsModel(OrmModel):
            left: int = OrmMetadataField(description="The first value")
            right: int = OrmMetadataField(description="The second value")

        def __init__(self, left: int = 0, right: int = 0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.base.attributes.set_many({"left": left, "right": right})

        @property
        def left(self) -> int:
            return int(self.base.attributes.get("left"))

        @property
        def right(self) -> int:
            return int(self.base.attributes.get("right"))

    class SubPair(Pair):
        pass

    assert Pair.supports_constructor_model
    assert SubPair.ConstructorArgsModel is Pair.ConstructorArgsModel  # inherited, as any class attribute
    pair = SubPair.from_serialized({"node_type": SubPair.class_node_type, "args": {"left": 1, "right": 2}})
    assert isinstance(pair, SubPair)
    assert pair.to_model(schema="constructor").args.model_dump() == {"left": 1, "right": 2}
