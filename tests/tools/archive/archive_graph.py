"""A graph like the AiiDA fixture archive's, recorded in the loaded test profile (for archive tests).

Imported as ``tests.tools.archive.archive_graph`` by the archive tool and CLI tests.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from provgraph import orm
from provgraph.provenance import calcfunction, workfunction
from provgraph.storage.abstract import StorageBackend


@calcfunction
def add(x: Any, y: Any) -> Any:
    return x + y


@calcfunction
def multiply(x: Any, y: Any) -> Any:
    return x * y


@workfunction
def add_multiply(x: Any, y: Any, z: Any) -> Any:
    return multiply(add(x, y), z)


@calcfunction
def summarize(text: Any, folder: Any) -> Any:
    return orm.Dict({"characters": len(text.get_content()), "files": len(folder.list_object_names())})


@calcfunction
def explode(x: Any) -> Any:
    raise ValueError(f"deliberate failure for {x.value}")


TEXT = "hello archive \u2713\n"
FOLDER_FILES = {"README.txt": b"top", "sub/a.cfg": b"a = 1\n", "sub/deeper/blob.bin": bytes(range(256)) * 40}


@dataclass
class ArchiveGraph:
    """The entities of the graph, by role."""

    computer: orm.Computer
    other_user: orm.User
    code: orm.Node
    remote: orm.Node
    x: orm.Node
    y: orm.Node
    z: orm.Node
    workflow: orm.Node
    sum_calc: orm.Node
    product_calc: orm.Node
    result: orm.Node
    text: orm.Node
    text_copy: orm.Node
    folder: orm.Node
    summary_calc: orm.Node
    summary: orm.Node
    excepted: orm.Node
    checkpointed: orm.Node
    licensed: orm.Node
    unrelated: orm.Node
    inputs: orm.Group
    results: orm.Group
    empty: orm.Group


def build_graph() -> ArchiveGraph:
    """Record the graph: computers, codes, calc/work functions, files, groups, comments, logs."""
    computer = orm.Computer(
        "archive-computer", "localhost", "a test computer", "core.local", "core.direct", workdir="/tmp/work"
    ).store()
    computer.configure()
    other_user = orm.User("other@provgraph.test", "Other", "Person", "provgraph").store()
    code = orm.InstalledCode(computer=computer, filepath_executable="/bin/bash", label="bash").store()
    remote = orm.RemoteData(remote_path="/tmp/work/remote", computer=computer).store()
    x, y, z = (orm.Int(value).store() for value in (1, 2, 3))
    result = add_multiply(x, y, z)
    product_calc = result.base.links.get_incoming(link_type=orm.LinkType.CREATE).one().node
    workflow = result.base.links.get_incoming(link_type=orm.LinkType.RETURN).one().node
    sum_calc = next(
        triple.node
        for triple in workflow.base.links.get_outgoing(link_type=orm.LinkType.CALL_CALC).all()
        if triple.node.pk != product_calc.pk
    )
    text = orm.SinglefileData.from_string(TEXT, filename="notes.txt").store()
    text_copy = orm.SinglefileData.from_string(TEXT, filename="copy.txt").store()
    folder = orm.FolderData()
    for path, content in FOLDER_FILES.items():
        folder.base.repository.put_object_from_filelike(io.BytesIO(content), path)
    folder.store()
    summary = summarize(text, folder)
    summary_calc = summary.base.links.get_incoming(link_type=orm.LinkType.CREATE).one().node
    with contextlib.suppress(ValueError):
        explode(orm.Int(13))
    excepted = (
        orm.QueryBuilder()
        .append(orm.CalcFunctionNode, filters={"attributes.process_state": "excepted"})
        .one()[0]
    )
    checkpointed = orm.WorkflowNode()
    checkpointed.base.attributes.set("checkpoints", "serialised state")
    checkpointed.store()
    checkpointed.seal()
    licensed = orm.Dict({"source": {"license": "CC-BY-4.0"}}).store()
    unrelated = orm.Int(99).store()

    inputs = orm.Group("archive/inputs", description="input nodes").store()
    inputs.add_nodes([x, y])
    inputs.base.extras.set("group_extra", 1)
    results = orm.Group("archive/results", description="results").store()
    results.add_nodes([result, summary])
    empty = orm.Group("archive/empty").store()

    x.base.comments.add("first comment on x")
    result.base.comments.add("the result, by someone else", user=other_user)
    orm.Log(
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "provgraph.test", "REPORT", workflow.pk, "a log"
    ).store()
    return ArchiveGraph(
        computer=computer,
        other_user=other_user,
        code=code,
        remote=remote,
        x=x,
        y=y,
        z=z,
        workflow=workflow,
        sum_calc=sum_calc,
        product_calc=product_calc,
        result=result,
        text=text,
        text_copy=text_copy,
        folder=folder,
        summary_calc=summary_calc,
        summary=summary,
        excepted=excepted,
        checkpointed=checkpointed,
        licensed=licensed,
        unrelated=unrelated,
        inputs=inputs,
        results=results,
        empty=empty,
    )


@dataclass
class ArchiveContents:
    """What an archive file holds, read with the standard library only."""

    infos: list[zipfile.ZipInfo]
    metadata: dict[str, Any]
    database: sqlite3.Connection
    objects: dict[str, bytes]

    def column(self, table: str, column: str) -> set[Any]:
        return {row[0] for row in self.database.execute(f"SELECT {column} FROM {table}")}

    def count(self, table: str) -> int:
        return int(self.database.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def links(self) -> set[tuple[str, str, str, str]]:
        """(source uuid, target uuid, type, label) of every link."""
        rows = self.database.execute(
            "SELECT s.uuid, t.uuid, l.type, l.label FROM db_dblink l "
            "JOIN db_dbnode s ON s.id = l.input_id JOIN db_dbnode t ON t.id = l.output_id"
        )
        return {tuple(row) for row in rows}  # type: ignore[misc]

    def memberships(self) -> set[tuple[str, str]]:
        rows = self.database.execute(
            "SELECT g.label, n.uuid FROM db_dbgroup_dbnodes m "
            "JOIN db_dbgroup g ON g.id = m.dbgroup_id JOIN db_dbnode n ON n.id = m.dbnode_id"
        )
        return {tuple(row) for row in rows}  # type: ignore[misc]


def read_archive(path: Path, workdir: Path) -> ArchiveContents:
    """Open the zip, parse metadata.json, extract db.sqlite3 into ``workdir`` and read every object."""
    import json

    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        metadata = json.loads(archive.read("metadata.json"))
        workdir.mkdir(parents=True, exist_ok=True)
        database_path = Path(archive.extract("db.sqlite3", workdir))
        objects = {
            info.filename.removeprefix("repo/"): archive.read(info)
            for info in infos
            if info.filename.startswith("repo/")
        }
    return ArchiveContents(infos, metadata, sqlite3.connect(database_path), objects)


def profile_links(storage: StorageBackend) -> set[tuple[str, str, str, str]]:
    """(source uuid, target uuid, type, label) of every link of the profile."""
    query = orm.QueryBuilder(backend=storage)
    query.append(orm.Node, tag="source", project=["uuid"])
    query.append(orm.Node, with_incoming="source", project=["uuid"], edge_project=["type", "label"])
    return {tuple(row) for row in query.all()}  # type: ignore[misc]
