"""The explorer test graph's fixed values and the handle tests receive (tests/web/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.testclient import TestClient

XSS_LABEL = "<script>alert(1)</script>"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@dataclass(frozen=True)
class Explored:
    """The client and the pks of the fixture's nodes."""

    client: TestClient
    workflow: int
    files: int
    xss: int
    group: str
