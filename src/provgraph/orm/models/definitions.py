"""What each ORM class adds to its parent's models: the fields, descriptions and conversions of
aiida-core's ``ReadModel`` / ``AttributesModel`` / ``ConstructorArgsModel`` of that class.

Each factory receives the parent class's model (its base) and returns the class's own; it runs
the first time the model is needed (``build.py``). The module is written without postponed
annotations: pydantic reads the annotations of these locally defined classes as objects.
"""

import datetime
import io
import typing as t
from collections.abc import Sequence
from enum import Enum
from uuid import UUID

import pydantic

from provgraph.common.datastructures import StashMode
from provgraph.orm.authinfos import AuthInfo
from provgraph.orm.comments import Comment
from provgraph.orm.computers import Computer
from provgraph.orm.entities import Entity
from provgraph.orm.groups import Group
from provgraph.orm.logs import Log
from provgraph.orm.models.build import define
from provgraph.orm.nodes.data import Data
from provgraph.orm.nodes.data.core import (
    AbstractCode,
    ArrayData,
    BaseType,
    Bool,
    ContainerizedCode,
    Dict,
    EnumData,
    Float,
    FolderData,
    InstalledCode,
    Int,
    JsonableData,
    List,
    RemoteData,
    RemoteStashCompressedData,
    RemoteStashCustomData,
    RemoteStashData,
    RemoteStashFolderData,
    SinglefileData,
    Str,
    StructureData,
    XyData,
)
from provgraph.orm.nodes.node import Node
from provgraph.orm.pydantic import OrmFieldsAsModelDump, OrmMetadataField, OrmModel
from provgraph.orm.users import User

__all__: list[str] = []

Any = t.Any
# JSON dumps show times as ``datetime.isoformat()`` does (``+00:00``, not pydantic's ``Z``), as aiida-core.
Time = t.Annotated[
    datetime.datetime, pydantic.PlainSerializer(lambda value: value.isoformat(), when_used="json")
]
_UUID_EXAMPLE = "123e4567-e89b-12d3-a456-426614174000"


# -- entities -----------------------------------------------------------------------------------


@define(Entity, "ReadModel")
def _entity_read(_: Any) -> type[OrmModel]:
    class ReadModel(OrmModel):
        """What every stored entity has."""

        pk: int = OrmMetadataField(description="The primary key of the entity", read_only=True, examples=[42])

    return ReadModel


@define(Entity, "WriteModel")
def _entity_write(_: Any) -> type[OrmModel]:
    class WriteModel(OrmModel):
        """What creating an entity takes."""

    return WriteModel


@define(User, "ReadModel")
def _user(base: Any) -> type[OrmModel]:
    class ReadModel(base):  # type: ignore[misc]
        email: str = OrmMetadataField(description="The user email", examples=["verdi@opera.net"])
        first_name: str = OrmMetadataField("", description="The user first name", examples=["Giuseppe"])
        last_name: str = OrmMetadataField("", description="The user last name", examples=["Verdi"])
        institution: str = OrmMetadataField("", description="The user institution", examples=["Opera"])

    return ReadModel


@define(Computer, "ReadModel")
def _computer(base: Any) -> type[OrmModel]:
    class ReadModel(base):  # type: ignore[misc]
        uuid: UUID = OrmMetadataField(
            description="The UUID of the computer", read_only=True, examples=[_UUID_EXAMPLE]
        )
        label: str = OrmMetadataField(description="Label for the computer", examples=["localhost"])
        description: str = OrmMetadataField("", description="Description of the computer")
        hostname: str = OrmMetadataField(description="Hostname of the computer", examples=["localhost"])
        transport_type: str = OrmMetadataField(
            description="Transport type of the computer", examples=["core.local"]
        )
        scheduler_type: str = OrmMetadataField(
            description="Scheduler type of the computer", examples=["core.direct"]
        )
        metadata: dict[str, Any] = OrmMetadataField(
            default_factory=dict, description="Metadata of the computer", may_be_large=True
        )

    return ReadModel


@define(AuthInfo, "ReadModel")
def _authinfo(base: Any) -> type[OrmModel]:
    class ReadModel(base):  # type: ignore[misc]
        computer: int = OrmMetadataField(
            description="The PK of the computer",
            orm_class=Computer,
            orm_to_model=lambda authinfo: authinfo.computer.pk,
        )
        user: int = OrmMetadataField(
            description="The PK of the user", orm_class=User, orm_to_model=lambda authinfo: authinfo.user.pk
        )
        enabled: bool = OrmMetadataField(True, description="Whether the instance is enabled")
        auth_params: dict[str, Any] = OrmMetadataField(
            default_factory=dict,
            description="Dictionary of authentication parameters",
            orm_to_model=lambda authinfo: authinfo.get_auth_params(),
        )
        metadata: dict[str, Any] = OrmMetadataField(
            default_factory=dict,
            description="Dictionary of metadata",
            orm_to_model=lambda authinfo: authinfo.get_metadata(),
        )

    return ReadModel


@define(Comment, "ReadModel")
def _comment(base: Any) -> type[OrmModel]:
    class ReadModel(base):  # type: ignore[misc]
        uuid: UUID = OrmMetadataField(description="The UUID of the comment", read_only=True)
        ctime: Time = OrmMetadataField(description="Creation time of the comment", read_only=True)
        mtime: Time = OrmMetadataField(description="Modified time of the comment", read_only=True)
        node: int = OrmMetadataField(
            description="Node PK that the comment is attached to",
            orm_class="core.node",
            orm_to_model=lambda comment: comment.node.pk,
        )
        user: int = OrmMetadataField(
            description="User PK that created the comment",
            orm_class="core.user",
            orm_to_model=lambda comment: comment.user.pk,
        )
        content: str = OrmMetadataField(description="Content of the comment", examples=["This is a comment."])

    return ReadModel


@define(Group, "ReadModel")
def _group(base: Any) -> type[OrmModel]:
    class ReadModel(base):  # type: ignore[misc]
        uuid: UUID = OrmMetadataField(description="The UUID of the group", read_only=True)
        type_string: str = OrmMetadataField(description="The type of the group", read_only=True)
        user: int = OrmMetadataField(
            description="The PK of the group owner",
            orm_class="core.user",
            orm_to_model=lambda group: group.user.pk,
            read_only=True,
        )
        time: Time = OrmMetadataField(
            description="The creation time of the node, defaults to now (timezone-aware)", read_only=True
        )
        label: str = OrmMetadataField(description="The group label", examples=["my_group_label"])
        description: str = OrmMetadataField("", description="The group description")
        extras: dict[str, Any] = OrmMetadataField(
            default_factory=dict,
            description="The group extras",
            orm_to_model=lambda group: group.base.extras.all,
            may_be_large=True,
        )

    return ReadModel


@define(Log, "ReadModel")
def _log(base: Any) -> type[OrmModel]:
    class ReadModel(base):  # type: ignore[misc]
        uuid: UUID = OrmMetadataField(description="The UUID of the node", read_only=True)
        loggername: str = OrmMetadataField(description="The name of the logger", examples=["aiida.node"])
        levelname: str = OrmMetadataField(description="The name of the log level", examples=["INFO", "ERROR"])
        message: str = OrmMetadataField(description="The message of the log")
        time: Time = OrmMetadataField(description="The time at which the log was created")
        metadata: dict[str, Any] = OrmMetadataField(
            default_factory=dict, description="The metadata of the log"
        )
        node: int = OrmMetadataField(
            description="Associated node", orm_class="core.node", orm_to_model=lambda log: log.dbnode_id
        )

    return ReadModel


# -- nodes ----------------------------------------------------------------------------------------


@define(Node, "MutableNodeFields")
def _mutable(_: Any) -> type[OrmModel]:
    class MutableNodeFields(OrmModel):
        label: str = OrmMetadataField("", description="The node label", examples=["my_node"])
        description: str = OrmMetadataField("", description="The node description")
        extras: dict[str, Any] = OrmMetadataField(
            default_factory=dict,
            description="The node extras",
            orm_to_model=lambda node: node.base.extras.all,
            may_be_large=True,
        )

    return MutableNodeFields


@define(Node, "BaseNodeModel")
def _base_node(_: Any) -> type[OrmModel]:
    class BaseNodeModel(Node.MutableNodeFields):  # type: ignore[misc]
        node_type: str = OrmMetadataField(description="The type of the node.")

    return BaseNodeModel


@define(Node, "AttributesModel")
def _node_attributes(_: Any) -> type[OrmModel]:
    class AttributesModel(OrmModel):
        """The attributes schema for this node."""

    return AttributesModel


@define(Node, "WritableFields")
def _writable(_: Any) -> type[OrmModel]:
    class WritableFields(OrmModel):
        attributes: Node.AttributesModel = OrmMetadataField(
            description="The node attributes", may_be_large=True
        )
        repository_metadata: dict[str, Any] = OrmMetadataField(
            default_factory=dict,
            description="Virtual hierarchy of the file repository",
            orm_to_model=lambda node: node.base.repository.metadata,
            may_be_large=True,
        )

    return WritableFields


@define(Node, "ReadModel")
def _node_read(_: Any) -> type[OrmModel]:
    class ReadModel(Node.WritableFields, Node.BaseNodeModel, Entity.ReadModel):  # type: ignore[misc]
        uuid: UUID = OrmMetadataField(description="The UUID of the node", read_only=True)
        process_type: t.Optional[str] = OrmMetadataField(  # noqa: UP045 (pydantic reads it at runtime)
            None, description="The process type of the node", read_only=True
        )
        ctime: Time = OrmMetadataField(description="The creation time of the node", read_only=True)
        mtime: Time = OrmMetadataField(description="The modification time of the node", read_only=True)
        computer: t.Optional[int] = OrmMetadataField(  # noqa: UP045
            None,
            description="The PK of the computer",
            orm_to_model=lambda node: node.computer.pk if node.computer is not None else None,
            orm_class=Computer,
            read_only=True,
        )
        user: int = OrmMetadataField(
            description="The PK of the user who owns the node",
            orm_to_model=lambda node: node.user.pk,
            orm_class=User,
            read_only=True,
        )

    return ReadModel


@define(Node, "WriteModel")
def _node_write(_: Any) -> type[OrmModel]:
    class WriteModel(Node.WritableFields, Node.BaseNodeModel, Entity.WriteModel):  # type: ignore[misc]
        """The write schema for this node."""

    return WriteModel


def _writable_computer(_: Any) -> Any:
    """Remote folders and codes are created with their computer: the field is not read-only."""
    return {
        "computer": (
            int,
            OrmMetadataField(
                description="The pk of the computer",
                orm_to_model=lambda node: node.computer.pk,
                orm_class=Computer,
            ),
        )
    }


define(RemoteData, "ReadModelFields")(_writable_computer)
for _code in (InstalledCode, ContainerizedCode):
    define(_code, "ReadModelFields")(_writable_computer)


@define(Data, "AttributesModel")
def _data(base: Any) -> type[OrmModel]:
    class AttributesModel(base):  # type: ignore[misc]
        source: t.Optional[dict] = OrmMetadataField(None, description="Source of the data")  # type: ignore[type-arg]  # noqa: UP045

    return AttributesModel


@define(BaseType, "AttributesModel")
def _base_type(base: Any) -> type[OrmModel]:
    class AttributesModel(base):  # type: ignore[misc]
        value: Any = OrmMetadataField(title="Data value", description="The value of the data")

    return AttributesModel


def _valued(kind: type, title: str, description: str) -> Any:
    def factory(base: Any) -> type[OrmModel]:
        return t.cast(
            "type[OrmModel]",
            pydantic.create_model(
                "AttributesModel",
                __base__=base,
                value=(kind, OrmMetadataField(title=title, description=description)),
            ),
        )

    return factory


define(Bool, "AttributesModel")(_valued(bool, "Boolean value", "The value of the boolean"))
define(Int, "AttributesModel")(_valued(int, "Integer value", "The value of the integer"))
define(Float, "AttributesModel")(_valued(float, "Float value", "The value of the float"))
define(Str, "AttributesModel")(_valued(str, "String value", "The value of the string"))


@define(Dict, "AttributesModel")
def _dict(base: Any) -> type[OrmModel]:
    class AttributesModel(OrmFieldsAsModelDump, base):  # type: ignore[misc]
        model_config = pydantic.ConfigDict(arbitrary_types_allowed=True, extra="allow")

    return AttributesModel


@define(Dict, "ConstructorArgsModel")
def _dict_args(_: Any) -> type[OrmModel]:
    class ConstructorArgsModel(OrmModel):
        value: dict[str, Any] = OrmMetadataField(description="The dictionary content", write_only=True)

    return ConstructorArgsModel


@define(List, "AttributesModel")
def _list(base: Any) -> type[OrmModel]:
    class AttributesModel(base):  # type: ignore[misc]
        value: list[Any] = OrmMetadataField(
            alias="list",
            description="Content of the data",
            validation_alias=pydantic.AliasChoices("list", "value"),
        )

    return AttributesModel


@define(EnumData, "AttributesModel")
def _enum(base: Any) -> type[OrmModel]:
    class AttributesModel(base):  # type: ignore[misc]
        name: str = OrmMetadataField(description="The member name")
        value: Any = OrmMetadataField(description="The member value")
        identifier: str = OrmMetadataField(description="The member identifier")

    return AttributesModel


@define(EnumData, "ConstructorArgsModel")
def _enum_args(_: Any) -> type[OrmModel]:
    class ConstructorArgsModel(OrmModel):
        member: Enum = OrmMetadataField(description="The enum member to wrap", write_only=True)

    return ConstructorArgsModel


@define(JsonableData, "AttributesModel")
def _jsonable(base: Any) -> type[OrmModel]:
    class AttributesModel(OrmFieldsAsModelDump, base):  # type: ignore[misc]
        model_config = pydantic.ConfigDict(arbitrary_types_allowed=True, extra="allow")

        the_module: str = OrmMetadataField(
            title="Module name", alias="@module", description="The module name of the wrapped object"
        )
        the_class: str = OrmMetadataField(
            title="Class name", alias="@class", description="The class name of the wrapped object"
        )

    return AttributesModel


@define(JsonableData, "ConstructorArgsModel")
def _jsonable_args(_: Any) -> type[OrmModel]:
    class ConstructorArgsModel(OrmModel):
        model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)

        obj: t.Annotated[
            Any,
            pydantic.WithJsonSchema({"type": "object", "title": "JSON-serializable object"}),
            OrmMetadataField(description="The JSON-serializable object", write_only=True),
        ]

        @pydantic.field_validator("obj")
        @classmethod
        def _has_as_dict(cls, value: Any) -> Any:
            if not callable(getattr(value, "as_dict", None)):
                raise ValueError("the object must have an `as_dict` method")
            return value

    return ConstructorArgsModel


@define(FolderData, "ConstructorArgsModel")
def _folder_args(_: Any) -> type[OrmModel]:
    class ConstructorArgsModel(OrmModel):
        tree: str = OrmMetadataField(
            title="Tree",
            description="Absolute path to a folder to wrap",
            write_only=True,
            orm_to_model=lambda node, context: export_tree(
                node, context.get("repository_dump_path"), context.get("written", False)
            ),
        )

    return ConstructorArgsModel


def export_tree(node: Any, path: Any, written: bool) -> str:
    """The folder holding the node's files: ``path`` (filled unless ``written``), else a new one."""
    import pathlib
    import tempfile

    if path is None:
        path = pathlib.Path(tempfile.mkdtemp()) / node.uuid
    path = pathlib.Path(path)
    if not written:
        path.mkdir(parents=True, exist_ok=True)
        node.base.repository.copy_tree(path)
    return str(path)


@define(SinglefileData, "AttributesModel")
def _singlefile(base: Any) -> type[OrmModel]:
    class AttributesModel(base):  # type: ignore[misc]
        filename: str = OrmMetadataField(description="The name of the stored file", read_only=True)

    return AttributesModel


@define(SinglefileData, "ConstructorArgsModel")
def _singlefile_args(_: Any) -> type[OrmModel]:
    class ConstructorArgsModel(OrmModel):
        filename: str = OrmMetadataField("file.txt", description="The name of the stored file")
        content: str = OrmMetadataField(
            description="The file content",
            orm_to_model=lambda node: node.get_content(mode="r"),
            model_to_orm=lambda model: io.StringIO(model.content) if model.content else None,  # type: ignore[attr-defined]
            write_only=True,
        )

    return ConstructorArgsModel


@define(ArrayData, "AttributesModel")
def _array(base: Any) -> type[OrmModel]:
    class AttributesModel(OrmFieldsAsModelDump, base):  # type: ignore[misc]
        model_config = pydantic.ConfigDict(extra="allow", arbitrary_types_allowed=True)

    return AttributesModel


def _as_lists(value: Any) -> Any:
    """numpy arrays as nested lists (what the models hold and JSON can carry)."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    if isinstance(value, dict):
        return {key: _as_lists(item) for key, item in value.items()}
    return value


@define(ArrayData, "ConstructorArgsModel")
def _array_args(_: Any) -> type[OrmModel]:
    class ConstructorArgsModel(OrmModel):
        model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)

        arrays: t.Union[Sequence, dict[str, Sequence]] = OrmMetadataField(  # type: ignore[type-arg]  # noqa: UP007
            description="A single (or dictionary of) array(s) to store",
            write_only=True,
            orm_to_model=lambda node: {name: node.get_array(name).tolist() for name in node.get_arraynames()},
        )

        @pydantic.field_validator("arrays", mode="before")
        @classmethod
        def _lists(cls, value: Any) -> Any:
            return _as_lists(value)

    return ConstructorArgsModel


def _xy_common() -> dict[str, Any]:
    return {
        "x_name": (str, OrmMetadataField(description="The name of the x array")),
        "x_units": (str, OrmMetadataField(description="The units of the x array")),
        "y_names": (Sequence[str], OrmMetadataField(description="The names of the y arrays")),
        "y_units": (Sequence[str], OrmMetadataField(description="The units of the y arrays")),
    }


@define(XyData, "AttributesModel")
def _xy(base: Any) -> type[OrmModel]:
    return t.cast("type[OrmModel]", pydantic.create_model("AttributesModel", __base__=base, **_xy_common()))


@define(XyData, "ConstructorArgsModel")
def _xy_args(_: Any) -> type[OrmModel]:
    def y_arrays(node: Any) -> list[Any]:
        names = sorted(name for name in node.get_arraynames() if name.startswith("y_array_"))
        return [node.get_array(name).tolist() for name in sorted(names, key=lambda name: int(name[8:]))]

    lists = pydantic.field_validator("x_array", "y_arrays", mode="before")(
        lambda cls, value: _as_lists(value)
    )
    return t.cast(
        "type[OrmModel]",
        pydantic.create_model(
            "ConstructorArgsModel",
            __base__=OrmModel,
            __config__=None,
            __validators__={"_lists": lists},
            **_xy_common(),
            x_array=(
                Sequence,
                OrmMetadataField(
                    description="The x array",
                    write_only=True,
                    orm_to_model=lambda node: node.get_array("x_array").tolist(),
                ),
            ),
            y_arrays=(
                Sequence,
                OrmMetadataField(description="The y arrays", write_only=True, orm_to_model=y_arrays),
            ),
        ),
    )


def _json_lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_lists(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_lists(item) for item in value]
    return value


@define(StructureData, "AttributesModel")
def _structure(base: Any) -> type[OrmModel]:
    class AttributesModel(base):  # type: ignore[misc]
        pbc1: bool = OrmMetadataField(False, description="Whether periodic in the a direction")
        pbc2: bool = OrmMetadataField(False, description="Whether periodic in the b direction")
        pbc3: bool = OrmMetadataField(False, description="Whether periodic in the c direction")
        cell: t.Optional[list[list[float]]] = OrmMetadataField(None, description="The cell parameters")  # noqa: UP045
        kinds: list[dict] = OrmMetadataField(description="The kinds of atoms")  # type: ignore[type-arg]
        sites: list[dict] = OrmMetadataField(description="The atomic sites")  # type: ignore[type-arg]

        @pydantic.field_validator("kinds", "sites", mode="before")
        @classmethod
        def _raw(cls, value: Any) -> Any:
            """Kind/Site objects as their dicts, tuples as lists: what the attributes hold."""
            return [_json_lists(item.get_raw() if hasattr(item, "get_raw") else item) for item in value]

    return AttributesModel


@define(RemoteData, "AttributesModel")
def _remote(base: Any) -> type[OrmModel]:
    class AttributesModel(base):  # type: ignore[misc]
        remote_path: t.Optional[str] = OrmMetadataField(  # noqa: UP045
            None, title="Remote path", description="Filepath on the remote computer"
        )

    return AttributesModel


@define(RemoteStashData, "AttributesModel")
def _stash(base: Any) -> type[OrmModel]:
    class AttributesModel(base):  # type: ignore[misc]
        stash_mode: StashMode = OrmMetadataField(description="The mode with which the data was stashed")

    return AttributesModel


def _stash_fields(*, dereference: bool = False) -> Any:
    def factory(base: Any) -> type[OrmModel]:
        fields: dict[str, Any] = {
            "target_basepath": (str, OrmMetadataField(description="The target basepath")),
            "source_list": (
                list[str],
                OrmMetadataField(description="The list of source files that were stashed"),
            ),
            "fail_on_missing": (
                bool,
                OrmMetadataField(False, description="Whether stashing should fail if any files are missing"),
            ),
        }
        if dereference:
            fields["dereference"] = (
                bool,
                OrmMetadataField(description="Whether symbolic links were followed"),
            )
        return t.cast("type[OrmModel]", pydantic.create_model("AttributesModel", __base__=base, **fields))

    return factory


define(RemoteStashFolderData, "AttributesModel")(_stash_fields())
define(RemoteStashCustomData, "AttributesModel")(_stash_fields())
define(RemoteStashCompressedData, "AttributesModel")(_stash_fields(dereference=True))


@define(AbstractCode, "AttributesModel")
def _abstract_code(base: Any) -> type[OrmModel]:
    class AttributesModel(base):  # type: ignore[misc]
        input_plugin: t.Optional[str] = OrmMetadataField(  # noqa: UP045
            None, description="Entry point name of the default CalcJob plugin"
        )
        append_text: str = OrmMetadataField("", description="Bash commands to run after the executable")
        prepend_text: str = OrmMetadataField("", description="Bash commands to run before the executable")
        use_double_quotes: bool = OrmMetadataField(
            False, description="Whether to double-quote the executable"
        )
        with_mpi: t.Optional[bool] = OrmMetadataField(None, description="Whether the code runs with MPI")  # noqa: UP045
        wrap_cmdline_params: bool = OrmMetadataField(False, description="Whether to wrap the command line")
        filepath_executable: str = OrmMetadataField(description="The executable's path")

    return AttributesModel


@define(ContainerizedCode, "AttributesModel")
def _containerized(base: Any) -> type[OrmModel]:
    class AttributesModel(base):  # type: ignore[misc]
        image_name: str = OrmMetadataField(description="The container image")
        engine_command: str = OrmMetadataField(description="The command that runs the image")

    return AttributesModel
