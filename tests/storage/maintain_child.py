"""Run in spawned processes by test_maintain_processes: a maintenance of a registered profile."""

from __future__ import annotations

import contextlib


def run_maintenance(profile_name: str, full: bool) -> int:
    """Load the profile and maintain its storage as ``provgraph storage maintain`` does."""
    from provgraph.access import ProfileAccessManager
    from provgraph.manager import get_manager

    manager = get_manager()
    profile = manager.load_profile(profile_name)
    storage = manager.get_profile_storage()
    try:
        with ProfileAccessManager(profile).lock() if full else contextlib.nullcontext():
            storage.maintain(full=full)
    finally:
        manager.reset()
    return 0
