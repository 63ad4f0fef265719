"""The CLI as a daily tool (issue 14): start-up, first-row latency and full listing rate.

Run from the project root with provgraph installed:

    python bench/cli.py                      # 1,000,000 nodes on core.sqlite_dos, with aiida-core
    python bench/cli.py --quick              # 100,000 nodes
    python bench/cli.py --no-aiida --backend core.psql_dos

Every command runs as a subprocess, as a user runs it; each figure comes with its reference from
the same run:

1. Start-up: the median wall time of `provgraph --help` and of three `COMMAND --help`, against
   `python -c pass` (the interpreter's own start-up; the target is `provgraph --help` within
   0.15 s of it) and against `verdi --help` / `verdi process list --help` of aiida-core 2.9.4 in
   its side virtualenv (README.md). For each `--help` a separate run records whether SQLAlchemy,
   `provgraph.orm` or `provgraph.storage` got imported (none must be).
2. First row: the time from launching `node list`, `process list -a`, `process list` (the
   active ones), `group show GROUP` (a group of N / 10 members) and `node repo ls NODE` (a node
   with N / 100 files) until the first data row arrives on the pipe (a command that
   block-buffers its piped output shows its first row late: that is what a `| head` sees), the
   median of ``--first-row-repeat`` runs; beside it the command's own `--help` start-up, the
   first row minus that (still holding the import of the ORM and storage stack), and the first
   row from the query's start (bench/cli_query_start.py: the modules imported, the command run
   in-process; issue 14's "within 200 ms of the query starting"); and verdi's equivalents on
   aiida-core's copy of the same data (verdi has no `node list`).
3. Full listing: `node list` of every node as TSV (the spellings of "TSV" and "no limit" the
   command offers are read from its --help, so the script runs before and after issue 14's
   changes), rows per second, as a share of the same QueryBuilder ``iterall`` (the same columns)
   in a Python process, and of plain SQL (sqlite3, or psycopg on PostgreSQL: the same SELECT,
   formatted as TSV into /dev/null), the floor.

The dataset (bench/cli_dataset.py) is built once per size and cached under
``~/.cache/provgraph/bench-cli/`` (core.sqlite_dos; on core.psql_dos it is rebuilt in a database
named ``provgraph_bench_...`` and dropped at the end). aiida-core's copy is made the cheapest
honest way, `provgraph archive create --all` then aiida-core's `import_archive` (as `verdi archive
import`), timed and cached beside it. When importing 1,000,000 nodes into aiida-core would take
more than 20 minutes (judged linearly from the import of the 100,000-node dataset; the import
grows faster than linearly, 40 s for 100,000 and 21 min for 1,000,000 on a loaded machine, but
it is paid once), or when ``--aiida-nodes`` says so, the verdi comparison runs on the smaller
dataset, provgraph's figures are given on both, and the output says so.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cli_dataset import DATASET_VERSION, cache_root  # noqa: E402
from store import AIIDA_PYTHON, POSTGRES  # noqa: E402

PROVGRAPH = str(Path(sys.executable).parent / "provgraph")
VERDI = str(Path(AIIDA_PYTHON).parent / "verdi")
#: Longest aiida-core import the full run waits for before it compares on the smaller dataset.
AIIDA_IMPORT_BUDGET = 20 * 60
#: Modules a `--help` must not import (issue 14, point 3).
HEAVY = ("sqlalchemy", "provgraph.orm", "provgraph.storage")
#: A data row of a listing: a pk first (tables, TSV, verdi's tables) or one of the files.
DATA_ROW = re.compile(rb"^\s*(\d+(\s|$)|file-\d+)")
#: A node of `node list --json` (the fallback before `--format tsv` exists).
JSON_ROW = re.compile(rb'^\s*"pk"\s*:\s*\d')
COLUMNS = ("pk", "uuid", "node_type", "label", "ctime")
QB_COLUMNS = ("id", "uuid", "node_type", "label", "ctime")

Dataset = dict[str, Any]


# -- datasets ---------------------------------------------------------------------------------


def _postgres_connect(database: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(POSTGRES.rsplit("/", 1)[0] + f"/{database}", autocommit=True)


def drop_postgres(database: str) -> None:
    with _postgres_connect() as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,)
        )
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')


def provgraph_dataset(backend: str, n_nodes: int, cleanup: ExitStack) -> Dataset:
    """The dataset of ``n_nodes`` on ``backend``: the cached one on SQLite, else built now."""
    if backend == "core.sqlite_dos":
        folder = cache_root() / f"{DATASET_VERSION}-{backend}-{n_nodes}"
        marker = folder / "dataset.json"
        if marker.exists():
            dataset: Dataset = json.loads(marker.read_text())
            dataset["cached"] = True
            return dataset
        shutil.rmtree(folder, ignore_errors=True)
        database = None
    else:
        folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="pg-bench-cli-")))
        database = f"provgraph_bench_cli_{uuid.uuid4().hex[:8]}"
        cleanup.callback(drop_postgres, database)
    print(f"building the {n_nodes:,}-node dataset on {backend} in {folder} ...", file=sys.stderr, flush=True)
    command = [sys.executable, str(HERE / "cli_dataset.py"), "--nodes", str(n_nodes), "--backend", backend]
    command += ["--folder", str(folder)] + (["--database", database] if database else [])
    output = subprocess.run(command, capture_output=True, text=True, check=False)
    if output.returncode != 0:
        raise SystemExit(f"building the dataset failed:\n{output.stderr[-3000:]}")
    dataset = json.loads(output.stdout.strip().splitlines()[-1])
    dataset["folder"] = str(folder)
    if backend == "core.sqlite_dos":
        (folder / "dataset.json").write_text(json.dumps(dataset))
    dataset["cached"] = False
    return dataset


def aiida_dataset(dataset: Dataset, cleanup: ExitStack) -> Dataset | None:
    """aiida-core's copy of ``dataset`` (archive, then import); cached beside it on SQLite."""
    if not Path(AIIDA_PYTHON).exists():
        return None
    backend = dataset["backend"]
    cached = backend == "core.sqlite_dos"
    folder = Path(dataset["folder"]) / "aiida" if cached else Path(dataset["folder"]) / "aiida-copy"
    marker = folder / "aiida.json"
    if cached and marker.exists():
        copy: Dataset = json.loads(marker.read_text())
        copy["cached"] = True
        return copy
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"copying the {dataset['nodes']:,}-node dataset into aiida-core ...", file=sys.stderr, flush=True)
    archive = folder / "dataset.aiida"
    start = time.perf_counter()
    subprocess.run(
        [PROVGRAPH, "-p", dataset["profile"], "archive", "create", "--all", str(archive)],
        env=provgraph_env(dataset), capture_output=True, check=True,
    )  # fmt: skip
    archive_seconds = time.perf_counter() - start
    command = [AIIDA_PYTHON, str(HERE / "cli_aiida.py"), "import", "--folder", str(folder / "profile")]
    command += ["--archive", str(archive), "--backend", backend]
    if backend != "core.sqlite_dos":
        database = f"provgraph_bench_aiida_{uuid.uuid4().hex[:8]}"
        command += ["--database", database]
        cleanup.callback(drop_postgres, database)
    output = subprocess.run(command, capture_output=True, text=True, check=False)
    if output.returncode != 0:
        print(f"aiida-core import failed:\n{output.stderr[-3000:]}", file=sys.stderr)
        return None
    copy = json.loads(output.stdout.strip().splitlines()[-1])
    copy.update(
        archive_seconds=archive_seconds, archive_bytes=archive.stat().st_size, n_source=dataset["nodes"]
    )
    archive.unlink()
    if cached:
        marker.write_text(json.dumps(copy))
    copy["cached"] = False
    return copy


def provgraph_env(dataset: Dataset) -> dict[str, str]:
    return {**os.environ, "PROVGRAPH_PATH": dataset["config"], "COLUMNS": "200"}


def aiida_env(copy: Dataset) -> dict[str, str]:
    return {**os.environ, "AIIDA_PATH": copy["config"], "COLUMNS": "200"}


# -- measurements -----------------------------------------------------------------------------


def wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def median_wall(command: list[str], env: dict[str, str], repeat: int) -> float:
    wall(command, env)  # warm up: the file cache
    return statistics.median(wall(command, env) for _ in range(repeat))


def heavy_imports(arguments: list[str], env: dict[str, str]) -> list[str]:
    """Which of HEAVY the ``provgraph ARGUMENTS`` process had imported when it exited."""
    code = (
        "import atexit, sys\n"
        f"heavy = {HEAVY!r}\n"
        "def report():\n"
        "    found = [m for m in heavy if m in sys.modules]\n"
        "    sys.__stderr__.write('HEAVY:' + ','.join(found) + '\\n')\n"
        "atexit.register(report)\n"
        "from importlib.metadata import entry_points\n"
        "(script,) = [e for e in entry_points(group='console_scripts') if e.name == 'provgraph']\n"
        f"sys.argv = ['provgraph', *{arguments!r}]\n"
        "script.load()()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("HEAVY:")]
    if not lines:
        return ["?"]
    return [name for name in lines[-1][len("HEAVY:") :].split(",") if name]


def first_row(
    command: list[str], env: dict[str, str], timeout: float, pattern: re.Pattern[bytes] = DATA_ROW
) -> dict[str, float]:
    """Seconds from launch to the first data row on the pipe and to the end; rows seen."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    first = None
    rows = 0
    for line in iter(process.stdout.readline, b""):
        if pattern.match(line):
            rows += 1
            if first is None:
                first = time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            process.kill()
            break
    process.wait()
    total = time.perf_counter() - start
    return {
        "first": float("nan") if first is None else first,
        "total": total,
        "rows": rows,
        "code": process.returncode,
    }


def median_first_row(
    command: list[str], env: dict[str, str], repeat: int, timeout: float
) -> dict[str, float]:
    runs = [first_row(command, env, timeout) for _ in range(repeat)]
    return {
        "first": statistics.median(run["first"] for run in runs),
        "total": statistics.median(run["total"] for run in runs),
        "rows": runs[-1]["rows"],
        "code": runs[-1]["code"],
    }


def listing_options(n_nodes: int) -> tuple[list[str], re.Pattern[bytes]]:
    """The `node list` options for "every node, as TSV" this version of the command offers: TSV
    (else `--json`, the fast machine-readable output before issue 14), no limit (else `--limit N`)."""
    text = subprocess.run(
        [PROVGRAPH, "node", "list", "--help"], capture_output=True, text=True, check=True
    ).stdout
    options: list[str] = ["-P", ",".join(COLUMNS)] if "--project" in text else []
    pattern = DATA_ROW
    if re.search(r"--format\b", text):
        options += ["--format", "tsv"]
    elif re.search(r"--json\b", text):
        options += ["--json"]
        pattern = JSON_ROW
    if re.search(r"--all\b", text):
        options += ["--all"]
    elif re.search(r"--limit\b", text):
        options += ["--limit", str(n_nodes)]
    return options, pattern


def full_listing(dataset: Dataset) -> dict[str, Any]:
    """`node list` of every node into a pipe that is read and counted."""
    options, pattern = listing_options(dataset["nodes"])
    command = [PROVGRAPH, "-p", dataset["profile"], "node", "list", *options]
    figure: dict[str, Any] = first_row(command, provgraph_env(dataset), timeout=3600, pattern=pattern)
    figure["spelling"] = " ".join(options)
    return figure


def iterall_rate(dataset: Dataset) -> dict[str, float]:
    """The same columns through ``QueryBuilder.iterall`` in a fresh Python process, timed from the
    query's start: the storage's modules are imported and the profile opened by a query before."""
    code = f"""
import json, time
from provgraph import load_profile, orm
load_profile({dataset["profile"]!r})
orm.QueryBuilder().append(orm.Node, project="id").first()  # storage modules imported, profile open
start = time.perf_counter()
qb = orm.QueryBuilder().append(orm.Node, project={list(QB_COLUMNS)!r}).order_by({{orm.Node: "id"}})
rows = sum(1 for _ in qb.iterall())
print(json.dumps({{"rows": rows, "seconds": time.perf_counter() - start}}))
"""
    output = subprocess.run(
        [sys.executable, "-c", code], env=provgraph_env(dataset), capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        print(f"iterall failed:\n{output.stderr[-2000:]}", file=sys.stderr)
        return {"rows": 0, "seconds": float("nan")}
    result: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def plain_sql_rate(dataset: Dataset) -> dict[str, float]:
    """The floor: the same SELECT, each row formatted as a TSV line into /dev/null (by Python's
    sqlite3 on SQLite; by the server on PostgreSQL, ``COPY ... TO STDOUT``, as psycopg's own row
    conversion, 8 s for a million rows, would be no floor)."""
    statement = "SELECT id, uuid, node_type, label, ctime FROM db_dbnode ORDER BY id"
    start = time.perf_counter()
    rows = 0
    with open(os.devnull, "w") as sink:
        if dataset["backend"] == "core.sqlite_dos":
            connection = sqlite3.connect(Path(dataset["storage_config"]["filepath"]) / "database.sqlite")
            try:
                for row in connection.execute(statement):
                    sink.write("\t".join(map(str, row)) + "\n")
                    rows += 1
            finally:
                connection.close()
        else:  # the server formats the TSV itself (COPY): the client only moves the bytes
            with (
                _postgres_connect(dataset["database"]) as connection,
                connection.cursor() as cursor,
                cursor.copy(f"COPY ({statement}) TO STDOUT") as copy,
            ):
                for chunk in copy:
                    sink.write(bytes(chunk).decode())
                    rows += bytes(chunk).count(b"\n")
    return {"rows": rows, "seconds": time.perf_counter() - start}


# -- the three parts --------------------------------------------------------------------------


HELP_COMMANDS = [[], ["node"], ["node", "list"], ["process", "list"]]


def startup(dataset: Dataset, copy: Dataset | None, repeat: int) -> tuple[list[str], dict[str, float]]:
    """The start-up table, and the `--help` seconds of each provgraph command (for first_rows)."""
    env = provgraph_env(dataset)
    python = median_wall([sys.executable, "-c", "pass"], env, repeat)
    verdi_env = None if copy is None else aiida_env(copy)
    verdi_python = None if verdi_env is None else median_wall([AIIDA_PYTHON, "-c", "pass"], verdi_env, repeat)
    lines = [
        f"## Start-up (median of {repeat} runs after a warm-up)",
        "",
        f"`python -c pass`: {_ms(python)} ms (provgraph's venv), {_ms(verdi_python or math.nan)} ms "
        f"(aiida-core's). Target: `provgraph --help` under {_ms(python + 0.15)} ms (0.15 s plus that).",
        "",
        "| command | ms | minus python | imported (of sqlalchemy, orm, storage) | verdi ms | minus python | "
        "verdi / provgraph |",
        "|---|---|---|---|---|---|---|",
    ]
    helps: dict[str, float] = {}
    for arguments in HELP_COMMANDS:
        seconds = median_wall([PROVGRAPH, *arguments, "--help"], env, repeat)
        helps[" ".join(arguments)] = seconds
        heavy = ", ".join(
            name.removeprefix("provgraph.") for name in heavy_imports([*arguments, "--help"], env)
        )
        theirs = ["n/a", "n/a", "n/a"]
        if verdi_env is not None and verdi_python is not None:
            if arguments == ["node", "list"]:
                theirs = ["no `verdi node list`", "", ""]
            else:
                verdi = median_wall([VERDI, *arguments, "--help"], verdi_env, repeat)
                theirs = [_ms(verdi), _ms(verdi - verdi_python), f"{verdi / seconds:.2f}x"]
        name = " ".join(["provgraph", *arguments, "--help"])
        row = [f"`{name}`", _ms(seconds), _ms(seconds - python), heavy or "none", *theirs]
        lines.append("| " + " | ".join(row) + " |")
    return lines, helps


def first_rows(
    dataset: Dataset, copy: Dataset | None, helps: dict[str, float], repeat: int, timeout: float
) -> list[str]:
    env = provgraph_env(dataset)
    group, files = dataset["group"], str(dataset["files_node"])
    their_files = str((copy or {}).get("files_node"))  # its pk in aiida-core's profile
    repo_ls = ["node", "repo", "ls"]
    commands: list[tuple[str, list[str], list[str] | None, str]] = [
        ("node list", ["node", "list"], None, "node list"),
        ("process list -a", ["process", "list", "-a"], ["process", "list", "-a"], "process list"),
        ("process list", ["process", "list"], ["process", "list"], "process list"),
        (f"group show {group}", ["group", "show", group], ["group", "show", group], "group show"),
        (f"node repo ls {files}", [*repo_ls, files], [*repo_ls, their_files], "node repo ls"),
    ]  # fmt: skip
    lines = [
        f"## First row ({dataset['nodes']:,} nodes, {dataset['processes']:,} processes, a group of "
        f"{dataset['group_members']:,}, a node of {dataset['files']:,} files; {dataset['backend']}; "
        f"median of {repeat} runs)",
        "",
        "| command | first row ms | its `--help` ms | first row - start-up ms | from the query's start ms "
        "| all rows ms | rows | verdi first row ms | verdi all rows ms | verdi rows | first row vs verdi |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, arguments, verdi_arguments, help_key in commands:
        help_seconds = helps.get(help_key)
        if help_seconds is None:
            help_seconds = median_wall([PROVGRAPH, *help_key.split(), "--help"], env, repeat)
            helps[help_key] = help_seconds
        ours = median_first_row([PROVGRAPH, "-p", dataset["profile"], *arguments], env, repeat, timeout)
        from_query = query_start(dataset, arguments, repeat)
        theirs_text = ["n/a", "n/a", "n/a", "n/a"]
        if copy is not None and verdi_arguments is None and name == "node list":
            theirs_text = ["verdi has no `node list`", "", "", ""]
        elif copy is not None and verdi_arguments is not None:
            theirs = median_first_row(
                [VERDI, "-p", "bench-cli", *verdi_arguments], aiida_env(copy), repeat, timeout
            )
            theirs_text = [
                _ms(theirs["first"]), _ms(theirs["total"]), f"{theirs['rows']:,}",
                "n/a" if math.isnan(ours["first"]) else f"{theirs['first'] / ours['first']:.2f}x",
            ]  # fmt: skip
        lines.append(
            f"| `provgraph {name}` | {_ms(ours['first'])} | {_ms(help_seconds)} | "
            f"{_ms(ours['first'] - help_seconds)} | {_ms(from_query)} | "
            f"{_ms(ours['total'])} | {ours['rows']:,} | " + " | ".join(theirs_text) + " |"
        )
    return lines


def query_start(dataset: Dataset, arguments: list[str], repeat: int) -> float:
    """Seconds from the command's start to its first row with its modules imported (issue 14's
    "within 200 ms of the query starting"): bench/cli_query_start.py, median of ``repeat``."""
    command = [sys.executable, str(HERE / "cli_query_start.py"), "--profile", dataset["profile"]]
    command += ["--repeat", str(repeat), "--", *arguments]
    output = subprocess.run(command, env=provgraph_env(dataset), capture_output=True, text=True, check=False)
    if output.returncode != 0:
        print(f"query start of {arguments} failed:\n{output.stderr[-2000:]}", file=sys.stderr)
        return float("nan")
    return float(json.loads(output.stdout.splitlines()[-1])["first"])


def listing_rate(dataset: Dataset) -> list[str]:
    listing = full_listing(dataset)
    iterall = iterall_rate(dataset)
    plain = plain_sql_rate(dataset)
    reference = iterall["rows"] / iterall["seconds"]
    floor = plain["rows"] / plain["seconds"]

    def row(way: str, rows: float, seconds: float, of_iterall: bool = True) -> str:
        rate = rows / seconds if seconds > 0 else math.nan
        share = f"{rate / reference:.0%}" if of_iterall else ""
        return f"| {way} | {rows:,.0f} | {seconds:.2f} | {rate:,.0f} | {share} | {rate / floor:.0%} |"

    return [
        f"## Full listing ({dataset['nodes']:,} nodes, {dataset['backend']})",
        "",
        f"`provgraph node list {listing['spelling']}` (what this version offers for TSV and no limit; "
        "`--json` before `--format` exists), read from a pipe.",
        "",
        "| way | rows | seconds | rows/s | share of iterall | share of plain SQL |",
        "|---|---|---|---|---|---|",
        row("`provgraph node list`, launch to exit", listing["rows"], listing["total"]),
        row(
            "the same, first row to exit (the rate while rows stream)",
            max(0, listing["rows"] - 1),
            listing["total"] - listing["first"],
        ),
        row(f"`QueryBuilder.iterall` of {', '.join(QB_COLUMNS)}", iterall["rows"], iterall["seconds"]),
        row("plain SQL SELECT, TSV into /dev/null", plain["rows"], plain["seconds"], of_iterall=False),
        "",
        "Target: the listing (launch to exit) at 50% or more of iterall.",
    ]


def _ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:,.0f}"


def dataset_line(dataset: Dataset, copy: Dataset | None) -> str:
    built = "cached, built" if dataset.get("cached") else "built now"
    seconds = dataset["build_seconds"]
    text = f"Dataset: {dataset['nodes']:,} nodes on {dataset['backend']} ({built} in {seconds:.1f} s)"
    if copy is not None:
        made = "cached, made" if copy.get("cached") else "made now"
        text += (
            f"; aiida-core's copy ({made}): `provgraph archive create --all` {copy['archive_seconds']:.1f} s "
            f"({copy['archive_bytes'] / 1e6:,.0f} MB), aiida-core's `import_archive` "
            f"{copy['import_seconds']:.1f} s ({copy['nodes']:,} nodes)"
        )
    return text + "."


def compile_bytecode() -> str:
    """Write provgraph's bytecode cache, as installing a package does, before anything is timed.

    An editable install has no ``.pyc`` files until a first run writes them, and a machine with
    ``PYTHONDONTWRITEBYTECODE`` set (this one) never writes them: every command would then
    compile its modules from source (0.3 s for a listing), which no installed copy does.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("provgraph")
    assert spec is not None
    assert spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    ok = compileall.compile_dir(str(folder), quiet=1)
    flag = "set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "not set"
    state = "written" if ok else "written with errors"
    return f"Bytecode of {folder}: {state} before timing (PYTHONDONTWRITEBYTECODE is {flag} here)."


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100,000 nodes instead of 1,000,000")
    parser.add_argument("--nodes", type=int, help="another dataset size (a smoke test of the script itself)")
    parser.add_argument("--aiida-nodes", type=int, help="size of aiida-core's copy (default: as provgraph's)")
    parser.add_argument("--no-aiida", action="store_true", help="skip aiida-core's side")
    parser.add_argument("--backend", default="core.sqlite_dos", choices=["core.sqlite_dos", "core.psql_dos"])
    parser.add_argument("--repeat", type=int, default=7, help="runs per start-up figure")
    parser.add_argument("--first-row-repeat", type=int, default=3, help="runs per first-row figure")
    parser.add_argument("--parts", default="startup,first-row,listing", help="which of the three to run")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a listing is killed")
    args = parser.parse_args()
    n_nodes = args.nodes or (100_000 if args.quick else 1_000_000)
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# CLI benchmark, {started}, {os.cpu_count()} cores, python {sys.version.split()[0]}\n")
    print(compile_bytecode() + "\n")
    with ExitStack() as cleanup:
        dataset = provgraph_dataset(args.backend, n_nodes, cleanup)
        copy = None if args.no_aiida else aiida_dataset_within_budget(dataset, n_nodes, args, cleanup)
        compared = dataset
        if copy is not None and copy["n_source"] != dataset["nodes"]:
            compared = provgraph_dataset(args.backend, copy["n_source"], cleanup)
        print(dataset_line(dataset, copy if compared is dataset else None))
        if compared is not dataset:
            print(dataset_line(compared, copy))
            assert copy is not None
            print(
                f"\naiida-core's copy holds the {compared['nodes']:,}-node dataset ({copy['why']}): "
                "verdi is compared on that one, and provgraph is measured on both."
            )
        print(flush=True)
        parts = set(args.parts.split(","))
        helps: dict[str, float] = {}
        if "startup" in parts:
            lines, helps = startup(dataset, copy, args.repeat)
            print("\n".join(lines) + "\n", flush=True)
        if "first-row" in parts:
            mine = first_rows(
                dataset, copy if compared is dataset else None, helps, args.first_row_repeat, args.timeout
            )
            print("\n".join(mine) + "\n", flush=True)
            if compared is not dataset:
                theirs = first_rows(compared, copy, helps, args.first_row_repeat, args.timeout)
                print("\n".join(theirs) + "\n", flush=True)
        if "listing" in parts:
            print("\n".join(listing_rate(dataset)), flush=True)


def aiida_dataset_within_budget(
    dataset: Dataset, n_nodes: int, args: Any, cleanup: ExitStack
) -> Dataset | None:
    """aiida-core's copy of the full dataset, or of the 100,000-node one when the full one is too slow."""
    if not Path(AIIDA_PYTHON).exists():
        return None
    if args.aiida_nodes and args.aiida_nodes != n_nodes:
        chosen = provgraph_dataset(args.backend, args.aiida_nodes, cleanup)
        copy = aiida_dataset(chosen, cleanup)
        if copy is not None:
            copy["why"] = "chosen with --aiida-nodes"
        return copy
    if n_nodes <= 100_000:
        return aiida_dataset(dataset, cleanup)
    small = provgraph_dataset(args.backend, 100_000, cleanup)
    small_copy = aiida_dataset(small, cleanup)
    if small_copy is None:
        return None
    estimate = small_copy["import_seconds"] * n_nodes / small["nodes"]
    if estimate > AIIDA_IMPORT_BUDGET:
        small_copy["why"] = (
            f"importing {n_nodes:,} nodes would take about {estimate / 60:.0f} min "
            f"(> {AIIDA_IMPORT_BUDGET // 60} min)"
        )
        return small_copy
    return aiida_dataset(dataset, cleanup)


if __name__ == "__main__":
    main()
