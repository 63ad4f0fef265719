"""Run as a script by test_sync_killed: sync two profiles, pausing between batches to be killed.

    python sync_until_killed.py SOURCE TARGET BATCH_SIZE

Prints ``wrote DONE TOTAL`` after each committed batch of new nodes, flushed; after the second
one it sleeps, and the parent SIGKILLs it there. Run to its end it prints ``synced``.
"""

from __future__ import annotations

import sys
import time


def main(source: str, target: str, batch_size: int) -> None:
    from provgraph.tools.sync import sync_profiles

    batches = 0

    def report(stage: str, done: int, total: int) -> None:
        nonlocal batches
        if stage != "Writing nodes":
            return
        batches += 1
        print(f"wrote {done} {total}", flush=True)
        if batches == 2 and done < total:
            time.sleep(600)  # the parent SIGKILLs us here, two batches committed

    sync_profiles(source, target, batch_size=batch_size, progress=report)
    print("synced", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
