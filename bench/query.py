"""Query workloads W4 and W5: provgraph vs aiida-core vs hand-written SQL on the same database.

    python bench/query.py [--quick] [--backends core.sqlite_dos,core.psql_dos] [--no-aiida]
    python bench/query.py --stream [--stream-rows 1000000] [--backends ...]

W4: 10,000 stored Dicts with keys k (str, 100 distinct), x (float), n (int): (a) equality on
attributes.k, (b) a range of attributes.x holding about 10% of the rows, (c) count of all Dicts,
(d) projection of attributes.k and attributes.x of all rows. W5: the ancestors of the last node
of a chain of 200 calcfunction calls, each consuming the previous output. Every figure is the
median of 5 runs after a warm-up, in milliseconds. The plain-SQL column runs the same question as
hand-written SQL on the very same database (sqlite3 on the file; psycopg on the PostgreSQL
database, autocommit): the physical limit.

``--stream`` measures memory instead: a child process stores 1,000,000 Int nodes with
``orm.store_many`` in batches of 10,000, then one fresh child per way of reading iterates over all
of them (``iterall`` of id and attributes.value, ``iterdict`` of the same, ``iterall`` of ``*``)
and reports its peak RSS, which must stay under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from aiida_workloads import median_seconds, w4_document, w4_queries, w5_query  # noqa: E402
from store import aiida_workloads_for, provgraph_profile  # noqa: E402

Figures = dict[str, dict[str, float]]

# The targets of the QueryBuilder issue, as multiples of aiida-core's speed (W5 also: within 3x
# of the plain recursive CTE).
TARGETS = {"W4 equality": 10, "W4 range": 10, "W4 count": 10, "W4 projection": 5, "W5 ancestors": 10}


def provgraph_queries(backend: str, scale: float) -> tuple[Figures, Figures]:
    """Our figures and, on SQLite, the plain sqlite3 figures on the same database file."""
    import provgraph
    from provgraph import orm

    ours: Figures = {}
    plain: Figures = {}
    with (
        tempfile.TemporaryDirectory(prefix="pg-bench-") as folder,
        provgraph_profile(backend, Path(folder)) as storage,
    ):
        n_nodes = max(100, int(10_000 * scale))
        orm.store_many([orm.Dict(w4_document(i)) for i in range(n_nodes)])

        @provgraph.calcfunction
        def increment(x: Any) -> Any:
            return orm.Int(x.value + 1)

        value = orm.Int(0)
        for _ in range(max(2, int(200 * scale))):
            value = increment(value)
        final = value.pk
        assert final is not None

        queries: dict[str, Callable[[], int]] = {**w4_queries(orm), "W5 ancestors": w5_query(orm, final)}
        for name, query in queries.items():
            ours[name] = {"n": query(), "seconds": median_seconds(query)}
        if backend == "core.sqlite_dos":
            database = Path(storage.profile.storage_config["filepath"]) / "database.sqlite"
            plain = plain_sqlite_queries(database, final)
        else:
            plain = plain_postgres_queries(storage.sql.engine.url, final)
    return ours, plain


def plain_sqlite_queries(database: Path, final: int) -> Figures:
    """The same questions as idiomatic hand-written SQL (the answer sets are checked equal)."""
    connection = sqlite3.connect(database)
    dicts = "node_type LIKE 'data.core.dict.%'"
    select_ids = f"SELECT id FROM db_dbnode WHERE {dicts}"
    statements = {
        "W4 equality": f"{select_ids} AND json_extract(attributes, '$.k') = 'key-42'",
        "W4 range": (
            f"{select_ids} AND json_type(attributes, '$.x') IN ('integer', 'real') "
            "AND json_extract(attributes, '$.x') >= 20.0 AND json_extract(attributes, '$.x') < 30.0"
        ),
        "W4 count": f"SELECT count(*) FROM db_dbnode WHERE {dicts}",
        "W4 projection": (
            "SELECT json_extract(attributes, '$.k'), json_extract(attributes, '$.x') "
            f"FROM db_dbnode WHERE {dicts}"
        ),
        "W5 ancestors": (
            "WITH RECURSIVE ancestors(id) AS ("
            " SELECT input_id FROM db_dblink WHERE output_id = ? AND type IN ('create', 'input_calc')"
            " UNION SELECT l.input_id FROM db_dblink l JOIN ancestors a ON l.output_id = a.id"
            " WHERE l.type IN ('create', 'input_calc'))"
            " SELECT id FROM ancestors"
        ),
    }
    try:
        connection.execute("PRAGMA case_sensitive_like = ON")  # as provgraph's connections, for the index
        return _timed_statements(connection, statements, "?", final)
    finally:
        connection.close()


def plain_postgres_queries(url: Any, final: int) -> Figures:
    """The same questions as hand-written SQL through psycopg on the same PostgreSQL database."""
    import psycopg

    connection = psycopg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database,
        autocommit=True,
    )  # fmt: skip
    dicts = "node_type LIKE 'data.core.dict.%%'"
    select_ids = f"SELECT id FROM db_dbnode WHERE {dicts}"
    statements = {
        "W4 equality": f"{select_ids} AND attributes ->> 'k' = 'key-42'",
        "W4 range": (
            f"{select_ids} AND attributes -> 'x' >= '20.0'::jsonb AND attributes -> 'x' < '30.0'::jsonb "
            "AND jsonb_typeof(attributes -> 'x') = 'number'"
        ),
        "W4 count": f"SELECT count(*) FROM db_dbnode WHERE {dicts}",
        "W4 projection": (
            f"SELECT attributes ->> 'k', (attributes ->> 'x')::float8 FROM db_dbnode WHERE {dicts}"
        ),
        "W5 ancestors": (
            "WITH RECURSIVE ancestors(id) AS ("
            " SELECT input_id FROM db_dblink WHERE output_id = %s AND type IN ('create', 'input_calc')"
            " UNION SELECT n.input_id FROM ancestors a, LATERAL (SELECT l.input_id FROM db_dblink l"
            " WHERE l.output_id = a.id AND l.type IN ('create', 'input_calc') OFFSET 0) n)"
            " SELECT id FROM ancestors"
        ),
    }
    try:
        return _timed_statements(connection, statements, "%s", final)
    finally:
        connection.close()


def _timed_statements(connection: Any, statements: dict[str, str], placeholder: str, final: int) -> Figures:
    """Median time and row count of each statement (``placeholder`` stands for the final node's pk)."""
    figures: Figures = {}
    for name, sql in statements.items():
        parameters = (final,) if placeholder in sql else ()

        def run(sql: str = sql, parameters: tuple[Any, ...] = parameters) -> int:
            rows = connection.execute(sql, parameters).fetchall()
            return int(rows[0][0]) if "count(*)" in sql else len(rows)

        figures[name] = {"n": run(), "seconds": median_seconds(run)}
    return figures


def report(backend: str, ours: Figures, aiida: Figures | None, plain: Figures) -> str:
    lines = [
        f"## {backend}",
        "",
        "| query | rows | provgraph ms | aiida-core ms | vs aiida-core | plain SQL ms | vs plain SQL "
        "| target | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, figure in ours.items():
        mine = figure["seconds"] * 1000
        theirs_figure = (aiida or {}).get(name)
        theirs = None if theirs_figure is None else theirs_figure["seconds"] * 1000
        limit_figure = plain.get(name)
        limit = None if limit_figure is None else limit_figure["seconds"] * 1000
        for other in (theirs_figure, limit_figure):
            if other is not None and other["n"] != figure["n"]:
                print(f"warning: {name} found {figure['n']:.0f} rows, the other side {other['n']:.0f}")
        speedup = None if theirs is None else theirs / mine
        met = "n/a" if speedup is None else ("yes" if speedup >= TARGETS[name] else "**no**")
        if name == "W5 ancestors" and limit is not None and met == "yes" and mine > 3 * limit:
            met = "**no** (over 3x plain SQL)"
        lines.append(
            f"| {name} | {figure['n']:.0f} | {mine:.2f} | {_fmt(theirs)} | {_times(speedup)} | "
            f"{_fmt(limit)} | {_times(None if limit is None else mine / limit)} | "
            f">= {TARGETS[name]}x | {met} |"
        )
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


# -- streaming memory ------------------------------------------------------------------------------

STREAM_LIMIT_MB = 200
STREAM_WAYS = ("iterall", "iterdict", "iterall *")


def _peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM; Linux carries ``ru_maxrss`` over fork and exec)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def stream_child(what: str, profile: str, rows: int, batch: int) -> dict[str, float]:
    """In a fresh process: store ``rows`` Ints (``what == "store"``) or read them one way."""
    import provgraph
    from provgraph import orm

    provgraph.load_profile(profile)
    start = time.perf_counter()
    if what == "store":
        for offset in range(0, rows, batch):
            orm.store_many([orm.Int(i) for i in range(offset, min(offset + batch, rows))])
        return {"n": rows, "seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()}
    before = _peak_rss_mb()
    if what == "iterall *":
        iterator: Any = orm.QueryBuilder().append(orm.Int, project="*").iterall(batch_size=1000)
    else:
        qb = orm.QueryBuilder().append(orm.Int, project=["id", "attributes.value"])
        iterator = qb.iterall(batch_size=1000) if what == "iterall" else qb.iterdict(batch_size=1000)
    count = sum(1 for _ in iterator)
    seconds = time.perf_counter() - start
    return {"n": count, "seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "before_mb": before}


def _run_child(what: str, profile: str, rows: int) -> dict[str, float]:
    command = [
        sys.executable, __file__, "--stream-child", what, "--profile", profile, "--stream-rows", str(rows),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{result.stderr[-3000:]}")
    figure: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figure


def stream_memory(backend: str, rows: int) -> str:
    """Store ``rows`` Ints, then read them each way in a fresh child process; the report table."""
    lines = [
        f"## {backend}: streaming {rows:,} rows",
        "",
        "| step | rows | seconds | rows/s | peak RSS MB (before reading) | under 200 MB |",
        "|---|---|---|---|---|---|",
    ]
    with (
        tempfile.TemporaryDirectory(prefix="pg-bench-") as folder,
        provgraph_profile(backend, Path(folder)) as storage,
    ):
        profile = storage.profile.name
        for what in ("store", *STREAM_WAYS):
            figure = _run_child(what, profile, rows)
            before = f" ({figure['before_mb']:.0f})" if "before_mb" in figure else ""
            under = figure["peak_rss_mb"] < STREAM_LIMIT_MB
            verdict = "n/a" if what == "store" else ("yes" if under else "**no**")
            rate = figure["n"] / figure["seconds"]
            lines.append(
                f"| {what} | {figure['n']:,.0f} | {figure['seconds']:.1f} | {rate:,.0f} "
                f"| {figure['peak_rss_mb']:.0f}{before} | {verdict} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--backends", default="core.sqlite_dos,core.psql_dos")
    parser.add_argument("--no-aiida", action="store_true", help="skip the aiida-core side")
    parser.add_argument("--stream", action="store_true", help="peak RSS while streaming 1,000,000 rows")
    parser.add_argument("--stream-rows", type=int, default=1_000_000, help=argparse.SUPPRESS)
    parser.add_argument("--stream-child", choices=("store", *STREAM_WAYS), help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_child:
        print(json.dumps(stream_child(args.stream_child, args.profile, args.stream_rows, 10_000)))
        return
    scale = 0.1 if args.quick else 1.0
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = "streaming memory" if args.stream else "query benchmark (W4, W5)"
    print(f"# {title}, {started}, {os.cpu_count()} cores, python {sys.version.split()[0]}\n")
    for backend in args.backends.split(","):
        start = time.perf_counter()
        if args.stream:
            print(stream_memory(backend, args.stream_rows))
        else:
            ours, plain = provgraph_queries(backend, scale)
            aiida = None if args.no_aiida else aiida_workloads_for(backend, scale, "W4,W5")
            print(report(backend, ours, aiida, plain))
        print(f"\n({time.perf_counter() - start:.0f} s for {backend})\n")


if __name__ == "__main__":
    main()
