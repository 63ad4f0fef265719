"""Run in spawned processes by test_concurrency: store linked nodes one by one into a profile.

Each chain is two inputs, a calcfunction that takes them and the output it creates (four nodes,
three links), stored node by node as a calcfunction would, so every process takes the write
lock many times and the processes interleave.
"""

from __future__ import annotations

from typing import Any

NODES_PER_CHAIN = 4
LINKS_PER_CHAIN = 3


def store_chains(
    profile_name: str, worker: int, chains: int, start: Any = None, with_files: bool = False
) -> int:
    """Store ``chains`` chains labelled by ``worker``; return the number of nodes stored."""
    from provgraph.manager import get_manager
    from provgraph.orm.nodes.data.data import Data
    from provgraph.orm.nodes.link_types import LinkType
    from provgraph.orm.nodes.process import CalcFunctionNode

    manager = get_manager()
    manager.load_profile(profile_name)
    manager.get_profile_storage()
    if start is not None:
        start.wait(60)
    stored = 0
    try:
        for index in range(chains):
            tag = f"w{worker}-{index}"
            inputs = []
            for name in ("x", "y"):
                data = Data(label=f"{tag}-{name}")
                if with_files:
                    data.base.repository.put_object_from_bytes(f"{tag}-{name}".encode(), "input.txt")
                inputs.append(data.store())
            calc = CalcFunctionNode(label=tag)
            for name, data in zip(("x", "y"), inputs, strict=True):
                calc.base.links.add_incoming(data, LinkType.INPUT_CALC, name)
            calc.store()
            out = Data(label=f"{tag}-out")
            out.base.attributes.set("chain", index)
            if with_files:
                out.base.repository.put_object_from_bytes(f"{tag}-out".encode(), "output.txt")
            out.base.links.add_incoming(calc, LinkType.CREATE, "result")
            out.store()
            stored += NODES_PER_CHAIN
    finally:
        manager.reset()
    return stored
