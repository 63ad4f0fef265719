"""Run as a script by test_delete_processes: delete nodes, pausing inside the transaction to be killed.

    python delete_until_killed.py PROFILE PKS_JSON [--pause]

Prints ``planned N`` once the plan is made and ``deleted DONE TOTAL`` after each batch, flushed,
so that the parent knows where the deletion is. With ``--pause`` it sleeps after the first
batch, inside the open transaction, where the parent kills it; without, it runs to the end and
prints ``committed``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(profile_name: str, pks_file: str, pause: bool) -> None:
    from provgraph.manager import get_manager
    from provgraph.tools.delete import plan_deletion, run_deletion

    get_manager().load_profile(profile_name)
    plan = plan_deletion(json.loads(Path(pks_file).read_text(encoding="utf-8")))
    print(f"planned {len(plan.pks)}", flush=True)

    def report(_stage: str, done: int, total: int) -> None:
        print(f"deleted {done} {total}", flush=True)
        if pause and 0 < done < total:
            time.sleep(600)  # the parent SIGKILLs us here, in the middle of the transaction

    run_deletion(plan, progress=report)
    print("committed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--pause" in sys.argv[3:])
