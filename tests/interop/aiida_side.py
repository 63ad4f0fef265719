"""The aiida-core side of the archive interop tests; run by the aiida-core virtualenv's python.

Never imported by provgraph's tests (it imports ``aiida``): they run it as a subprocess with the
interpreter of ``scripts/aiida-venv``. Every command works in a fresh temporary ``AIIDA_PATH``
holding one fresh ``core.sqlite_dos`` profile (no broker), so no existing AiiDA config is read
or touched.

    python aiida_side.py manifest ARCHIVE OUT.json [--ancestors-of UUID]
        import ARCHIVE as ``verdi archive import --no-import-group`` does (migrating an older
        format on the fly), then write the manifest of the profile (format: canonical.py and
        shared/fixtures/aiida-archives/README.md)
    python aiida_side.py info ARCHIVE
        print ``verdi archive info --detailed ARCHIVE``; exit with verdi's code
    python aiida_side.py create OUT.aiida [--scale S]
        build the W8 workload graph (the profile after W1-W7, bench/aiida_workloads.py), then
        archive all of it (``verdi archive create --all``); prints a JSON summary
    python aiida_side.py import ARCHIVE
        import ARCHIVE into a fresh profile and print a JSON summary with the seconds it took
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import canonical  # noqa: E402  (by path: this file runs outside provgraph's test suite)

PROFILE_EMAIL = "a@b.c"  # the importing profile's own user, as in the fixtures' legacy manifests


@contextmanager
def fresh_profile(name: str = "interop") -> Iterator[Path]:
    """A temporary AIIDA_PATH with one loaded core.sqlite_dos profile; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="aiida-interop-") as folder:
        root = Path(folder)
        os.environ["AIIDA_PATH"] = str(root)
        (root / ".aiida").mkdir()  # else aiida warns that it creates it
        from aiida import load_profile
        from aiida.manage import get_manager
        from aiida.manage.configuration import create_profile, get_config

        config = get_config(create=True)
        create_profile(
            config,
            storage_backend="core.sqlite_dos",
            storage_config={"filepath": str(root / name)},
            name=name,
            email=PROFILE_EMAIL,
        )
        config.set_default_profile(name, overwrite=True)
        config.set_option("logging.aiida_loglevel", "WARNING", scope=name)  # no REPORT per entity
        config.store()
        load_profile(name, allow_switch=True)
        try:
            yield root
        finally:
            get_manager().unload_profile()


def import_like_verdi(archive: Path) -> None:
    """``verdi archive import --no-import-group ARCHIVE``: migrate a copy first if it is older.

    The CLI's defaults otherwise: new extras imported (minus ``_aiida_*``), existing ones kept
    (``none`` mode), comments left, authinfos excluded.
    """
    from aiida.tools.archive import import_archive
    from aiida.tools.archive.abstract import get_format

    archive_format = get_format()
    with tempfile.TemporaryDirectory(prefix="aiida-migrated-") as folder:
        path = archive
        if archive_format.read_version(archive) != archive_format.latest_version:
            path = Path(folder) / "migrated.aiida"
            archive_format.migrate(archive, path, archive_format.latest_version, compression=0)
        import_archive(path, archive_format=archive_format, create_group=False)


# -- the manifest -----------------------------------------------------------------------------


def manifest(ancestors_of: str | None = None) -> dict[str, Any]:
    """The manifest of the loaded profile, gathered with aiida-core's QueryBuilder and ORM."""
    from aiida import orm

    emails = dict(orm.QueryBuilder().append(orm.User, project=["id", "email"]).all())
    computers = dict(orm.QueryBuilder().append(orm.Computer, project=["id", "label"]).all())
    owners: set[str] = set()

    columns = ["uuid", "node_type", "process_type", "label", "description", "ctime", "mtime"]
    columns += ["attributes", "extras", "repository_metadata", "user_id", "dbcomputer_id"]
    nodes: dict[str, dict[str, Any]] = {}
    for row in orm.QueryBuilder().append(orm.Node, project=columns).iterall():
        record = dict(zip(columns, row, strict=True))
        user_id, computer_id = record.pop("user_id"), record.pop("dbcomputer_id")
        record["user_email"] = emails[user_id]
        owners.add(emails[user_id])
        record["computer"] = None if computer_id is None else computers[computer_id]
        record["ctime"] = canonical.iso_time(record["ctime"])
        record["mtime"] = canonical.iso_time(record["mtime"])
        record["attributes"] = record["attributes"] or {}
        record["extras"] = record["extras"] or {}
        record["repository_metadata"] = record["repository_metadata"] or {}
        record["repository_files"] = repository_files(record["uuid"], record["repository_metadata"])
        nodes[record["uuid"]] = record

    query = orm.QueryBuilder().append(orm.Node, tag="source", project="uuid")
    query.append(orm.Node, with_incoming="source", project="uuid", edge_project=["type", "label"])
    links = query.all()  # rows: source uuid, target uuid, link type, link label

    groups: dict[str, dict[str, Any]] = {}
    group_columns = ["uuid", "label", "type_string", "description", "extras", "user_id"]
    for row in orm.QueryBuilder().append(orm.Group, project=group_columns).all():
        group = dict(zip(group_columns, row, strict=True))
        owners.add(emails[group.pop("user_id")])
        members = orm.QueryBuilder().append(orm.Group, filters={"uuid": group["uuid"]}, tag="group")
        members.append(orm.Node, with_group="group", project="uuid")
        group["members"] = members.all(flat=True)
        group["extras"] = group["extras"] or {}
        groups[group.pop("label")] = group

    comments = []
    query = orm.QueryBuilder().append(orm.Node, tag="node", project="uuid")
    for uuid, user_id, content in query.append(
        orm.Comment, with_node="node", project=["user_id", "content"]
    ).iterall():
        owners.add(emails[user_id])
        comments.append([uuid, emails[user_id], content])
    query = orm.QueryBuilder().append(orm.Node, tag="node", project="uuid")
    logs = query.append(orm.Log, with_node="node", project=["levelname", "loggername", "message"]).all()

    result = canonical.assemble_manifest(
        nodes=nodes,
        links=links,
        groups=groups,
        users=canonical.manifest_users(emails.values(), owners, PROFILE_EMAIL),
        computers=computers.values(),
        comments=comments,
        logs=logs,
    )
    if ancestors_of is not None:
        query = orm.QueryBuilder().append(orm.Node, filters={"uuid": ancestors_of}, tag="end")
        rows = query.append(orm.Node, with_descendants="end", project="uuid").all(flat=True)
        result["chain_end"] = canonical.ancestors_record(ancestors_of, rows)
    return result


def repository_files(uuid: str, metadata: dict[str, Any]) -> dict[str, str]:
    """path -> sha256 of the content read back through the node's repository (not its key)."""
    paths = list(canonical.repository_paths(metadata))
    if not paths:
        return {}
    from aiida import orm

    repository = orm.load_node(uuid).base.repository
    return {
        path: hashlib.sha256(repository.get_object_content(path, mode="rb")).hexdigest() for path, _ in paths
    }


# -- commands ---------------------------------------------------------------------------------


def command_manifest(args: argparse.Namespace) -> int:
    archive = Path(args.archive).resolve()
    with fresh_profile():
        import_like_verdi(archive)
        result = manifest(args.ancestors_of)
    from aiida import __version__

    result["aiida_core_version"] = __version__
    result["archive_bytes"] = archive.stat().st_size
    result["archive_sha256"] = hashlib.sha256(archive.read_bytes()).hexdigest()
    Path(args.out).write_text(json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return 0


def command_info(args: argparse.Namespace) -> int:
    verdi = Path(sys.executable).parent / "verdi"
    with tempfile.TemporaryDirectory(prefix="aiida-interop-") as folder:
        env = {**os.environ, "AIIDA_PATH": folder}
        done = subprocess.run(
            [str(verdi), "archive", "info", "--detailed", str(args.archive)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode


def load_bench_workloads() -> Any:
    """bench/aiida_workloads.py, which defines W1-W7 on aiida-core (the graph W8 archives)."""
    sys.path.insert(0, str(REPO / "bench"))
    import aiida_workloads

    return aiida_workloads


def command_create(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    workloads = load_bench_workloads()
    with fresh_profile():
        start = time.perf_counter()
        workloads.run(workloads.GRAPH_WORKLOADS, args.scale)
        built = time.perf_counter() - start
        from aiida import orm
        from aiida.tools.archive import create_archive

        nodes = orm.QueryBuilder().append(orm.Node).count()
        start = time.perf_counter()
        create_archive(None, filename=out, overwrite=True)
        seconds = time.perf_counter() - start
    summary = {"nodes": nodes, "build_seconds": built, "seconds": seconds, "bytes": out.stat().st_size}
    print(json.dumps(summary))
    return 0


def command_import(args: argparse.Namespace) -> int:
    archive = Path(args.archive).resolve()
    with fresh_profile():
        start = time.perf_counter()
        import_like_verdi(archive)
        seconds = time.perf_counter() - start
        from aiida import orm

        nodes = orm.QueryBuilder().append(orm.Node).count()
    print(json.dumps({"nodes": nodes, "seconds": seconds}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("manifest", help="import an archive, write the manifest of the result")
    sub.add_argument("archive")
    sub.add_argument("out")
    sub.add_argument("--ancestors-of", metavar="UUID", help="add `chain_end`: the ancestors of this node")
    sub.set_defaults(run=command_manifest)
    sub = commands.add_parser("info", help="verdi archive info --detailed")
    sub.add_argument("archive")
    sub.set_defaults(run=command_info)
    sub = commands.add_parser("create", help="build the W8 graph (W1-W7), archive all of it")
    sub.add_argument("out")
    sub.add_argument("--scale", type=float, default=1.0)
    sub.set_defaults(run=command_create)
    sub = commands.add_parser("import", help="import an archive into a fresh profile, timed")
    sub.add_argument("archive")
    sub.set_defaults(run=command_import)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
