"""aiida-core's copy of bench/cli.py's dataset, made inside aiida-core's own virtualenv.

Imports nothing of provgraph: bench/cli.py writes the dataset as an AiiDA archive with
`provgraph archive create --all` and calls this script with aiida-core's python; it makes an
aiida-core profile in FOLDER (``AIIDA_PATH`` = FOLDER/config, profile ``bench-cli``, no broker),
imports the archive as `verdi archive import` does (``import_archive``), and prints one JSON line:
the import's seconds, the node count and the pk of the node that holds the files (pks differ
between the two profiles; group labels and uuids do not).

    python cli_aiida.py import --folder DIR --archive FILE [--backend core.psql_dos --database NAME]
    python cli_aiida.py drop --folder DIR --database NAME    # core.psql_dos: drop the database
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

PROFILE = "bench-cli"
POSTGRES = os.environ.get("PROVGRAPH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def import_dataset(folder: Path, archive: Path, backend: str, database: str | None) -> dict[str, Any]:
    os.environ["AIIDA_PATH"] = str(folder / "config")
    from aiida import load_profile, orm
    from aiida.manage.configuration import create_profile, get_config
    from aiida.tools.archive import import_archive

    config = get_config(create=True)
    if backend == "core.sqlite_dos":
        storage_config: dict[str, Any] = {"filepath": str(folder / "storage")}
    else:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        assert database is not None
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        params = conninfo_to_dict(POSTGRES)
        storage_config = {
            "database_engine": "postgresql_psycopg",
            "database_hostname": params.get("host", "127.0.0.1"),
            "database_port": int(params.get("port", 5432)),
            "database_username": params.get("user", "postgres"),
            "database_password": params.get("password", ""),
            "database_name": database,
            "repository_uri": (folder / "repository").as_uri(),
        }
    create_profile(
        config, storage_backend=backend, storage_config=storage_config, name=PROFILE, email="bench@localhost"
    )
    config.set_default_profile(PROFILE, overwrite=True)
    config.set_option("logging.aiida_loglevel", "WARNING", scope=PROFILE)  # no REPORT line per entity
    config.store()
    load_profile(PROFILE, allow_switch=True)
    start = time.perf_counter()
    import_archive(archive)
    seconds = time.perf_counter() - start
    # back to the default level: verdi prints its output through the same logger
    config.unset_option("logging.aiida_loglevel", scope=PROFILE)
    config.store()
    files = orm.QueryBuilder().append(orm.FolderData, filters={"label": "bench-files"}, project="id").first()
    return {
        "import_seconds": seconds,
        "nodes": orm.QueryBuilder().append(orm.Node).count(),
        "files_node": None if files is None else files[0],
        "config": str(folder / "config"),
        "database": database,
    }


def drop(database: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,)
        )
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["import", "drop"])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--archive", type=Path)
    parser.add_argument("--backend", default="core.sqlite_dos", choices=["core.sqlite_dos", "core.psql_dos"])
    parser.add_argument("--database")
    args = parser.parse_args()
    if args.action == "drop":
        drop(args.database)
        return
    args.folder.mkdir(parents=True, exist_ok=True)
    print(json.dumps(import_dataset(args.folder, args.archive, args.backend, args.database)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
