"""Run as a separate process by test_concurrent_writes: add profiles, one Config.modify each.

Arguments: worker number, number of profiles, path of a file whose appearance means "start"
(so all workers contend for the lock at the same moment). PROVGRAPH_PATH comes from the parent.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from provgraph.config import Config, Profile


def main(worker: int, count: int, start_signal: Path) -> None:
    deadline = time.monotonic() + 30
    while not start_signal.exists():
        if time.monotonic() > deadline:
            raise SystemExit("no start signal within 30 s")
        time.sleep(0.005)
    for index in range(count):
        name = f"w{worker}-p{index}"
        with Config.modify() as config:
            config.add_profile(Profile.new(name, "core.sqlite_dos", {"filepath": f"/data/{name}"}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
