"""Run benchmark scripts on an earlier revision and on the working tree, in one run.

A restructuring promises "speed unchanged"; figures from different runs on a shared machine do
not show that. This script exports ``src/`` of ``--base`` (default ``HEAD``) into a temporary
folder with ``git archive``, then runs each chosen script twice, alternating: with ``PYTHONPATH``
pointing at the exported sources ("before") and at this checkout's ``src/`` ("after"). The
benchmark scripts themselves are this checkout's, so both sides run the same workloads.

    python bench/before_after.py --base a1638d0 --scripts store,query,provenance -- --quick --no-aiida
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPTS = ("store", "query", "provenance")


def export_sources(revision: str, target: Path) -> Path:
    """``src/`` of ``revision`` unpacked below ``target``; its path."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "src"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuse links and paths out of target
            tar.extractall(target, filter="data")
        else:  # our own repository's archive
            tar.extractall(target)
    return target / "src"


def run(script: str, sources: Path, arguments: list[str]) -> str:
    """The output of ``bench/<script>.py`` with provgraph imported from ``sources``."""
    environment = dict(os.environ, PYTHONPATH=str(sources))
    result = subprocess.run(
        [sys.executable, str(HERE / f"{script}.py"), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return f"(failed with exit code {result.returncode})\n{result.stdout}\n{result.stderr}"
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="HEAD", help="the revision to compare against (default HEAD)")
    parser.add_argument("--scripts", default=",".join(SCRIPTS), help=f"any of {', '.join(SCRIPTS)}")
    parser.add_argument("arguments", nargs="*", help="passed on to every script (after --)")
    args = parser.parse_args()
    scripts = [name for name in args.scripts.split(",") if name]
    unknown = sorted(set(scripts) - set(SCRIPTS))
    if unknown:
        parser.error(f"unknown scripts {unknown}; choose from {', '.join(SCRIPTS)}")
    with tempfile.TemporaryDirectory(prefix="pg-before-") as folder:
        before = export_sources(args.base, Path(folder))
        after = ROOT / "src"
        for script in scripts:
            for side, sources in ((f"before ({args.base})", before), ("after (working tree)", after)):
                print(f"## {script}.py {' '.join(args.arguments)}: {side}\n", flush=True)
                print(run(script, sources, args.arguments), flush=True)


if __name__ == "__main__":
    main()
