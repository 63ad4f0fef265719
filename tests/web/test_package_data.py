"""Every template and static file of the explorer ships in the wheel (pyproject's package-data)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "provgraph" / "web"


def test_templates_and_static_files_are_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
        "provgraph"
    ]
    shipped = [path for path in WEB.rglob("*") if path.is_file() and path.suffix not in {".py", ".pyc"}]
    assert shipped
    for path in shipped:
        relative = path.relative_to(ROOT / "src" / "provgraph").as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative
