"""Processes changing config.json at the same time must not lose each other's changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from provgraph.config import Config
from provgraph.config.config import LOCK_FILENAME

WRITER = Path(__file__).with_name("concurrent_writer.py")
WORKERS = 8
PROFILES_PER_WORKER = 25


def test_concurrent_modify_keeps_every_profile(provgraph_path: Path, tmp_path: Path) -> None:
    start_signal = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(worker), str(PROFILES_PER_WORKER), str(start_signal)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(WORKERS)
    ]
    start_signal.touch()
    errors = []
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        if worker.returncode != 0:
            errors.append(stderr)
    assert errors == []

    expected = {f"w{w}-p{i}" for w in range(WORKERS) for i in range(PROFILES_PER_WORKER)}
    assert set(Config.load().profile_names) == expected
    raw = json.loads((provgraph_path / "config.json").read_text())
    assert len(raw["profiles"]) == WORKERS * PROFILES_PER_WORKER
    assert sorted(os.listdir(provgraph_path)) == ["config.json", LOCK_FILENAME]
