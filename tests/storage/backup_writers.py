"""Run in spawned processes by the backup tests: keep writing into a profile until told to stop.

``write_graph`` stores, round after round, an input with a file, a calculation taking it, an
output with a file (links INPUT_CALC and CREATE), and every few rounds a group of them, a
comment and a log: every kind of row a backup must keep. ``pack_objects`` packs the loose
objects of the container over and over (disk-objectstore's live maintenance: loose objects move
into a pack that grows while the backup copies it).
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def write_graph(profile_name: str, stop: Any, started: Any, tag: str = "w") -> int:
    """Store rounds until ``stop`` is set (``started`` is set after the first one); return the rounds."""
    from provgraph.manager import get_manager
    from provgraph.orm.groups import Group
    from provgraph.orm.logs import Log
    from provgraph.orm.nodes.data.data import Data
    from provgraph.orm.nodes.link_types import LinkType
    from provgraph.orm.nodes.process import CalcFunctionNode

    manager = get_manager()
    manager.load_profile(profile_name)
    manager.get_profile_storage()
    rounds = 0
    members: list[Any] = []
    try:
        while not stop.is_set():
            label = f"{tag}-{rounds}"
            data = Data(label=f"{label}-in")
            data.base.repository.put_object_from_bytes(os.urandom(2048) + label.encode(), "in.bin")
            data.store()
            calc = CalcFunctionNode(label=label)
            calc.base.links.add_incoming(data, LinkType.INPUT_CALC, "x")
            calc.store()
            out = Data(label=f"{label}-out")
            out.base.repository.put_object_from_bytes(os.urandom(2048) + label.encode(), "sub/out.bin")
            out.base.links.add_incoming(calc, LinkType.CREATE, "result")
            out.store()
            members.extend([data, calc, out])
            if rounds % 5 == 4:
                group = Group(label=f"group-{label}").store()
                group.add_nodes(members)
                members = []
                out.base.comments.add(f"comment on {label}")
                Log(datetime.now(timezone.utc), "backup-test", "REPORT", calc.pk, f"log of {label}").store()
            rounds += 1
            started.set()
    finally:
        manager.reset()
    return rounds


def pack_objects(container: str, stop: Any, started: Any) -> int:
    """Pack loose objects (live maintenance) until ``stop`` is set; return how many passes ran."""
    from provgraph.repository.disk_objectstore import DiskObjectStoreRepository

    repository = DiskObjectStoreRepository(Path(container))
    passes = 0
    while not stop.is_set():
        repository.maintain(live=True)
        passes += 1
        started.set()
        time.sleep(0.01)
    return passes
