"""The sandbox object store of unstored nodes: lazy folder, uuid4 keys, cleanup."""

from __future__ import annotations

import gc
import hashlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from provgraph.repository import SandboxRepositoryBackend


@pytest.fixture
def sandbox(tmp_path: Path) -> SandboxRepositoryBackend:
    return SandboxRepositoryBackend(tmp_path / "sandboxes")


def test_folder_is_made_on_first_write(sandbox: SandboxRepositoryBackend, tmp_path: Path) -> None:
    assert sandbox.path is None
    assert not sandbox.is_initialised
    assert not (tmp_path / "sandboxes").exists()
    assert list(sandbox.list_objects()) == []
    key = sandbox.put_object_from_filelike(io.BytesIO(b"data"))
    assert sandbox.path is not None
    assert sandbox.path.parent == tmp_path / "sandboxes"
    assert (sandbox.path / key).read_bytes() == b"data"
    assert sandbox.path.stat().st_mode & 0o077 == 0, "the folder is private"


def test_keys_are_uuid4_hex_and_not_content_addressed(sandbox: SandboxRepositoryBackend) -> None:
    first = sandbox.put_object_from_filelike(io.BytesIO(b"same"))
    second = sandbox.put_object_from_filelike(io.BytesIO(b"same"))
    assert first != second
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert sandbox.key_format == "uuid4"
    assert sandbox.uuid is None
    assert sorted(sandbox.list_objects()) == sorted([first, second])
    assert sandbox.has_objects([first, "0" * 32, "../escape"]) == [True, False, False]
    assert sandbox.get_object_hash(first) == hashlib.sha256(b"same").hexdigest()


def test_open_and_stream(sandbox: SandboxRepositoryBackend) -> None:
    keys = [sandbox.put_object_from_filelike(io.BytesIO(content)) for content in (b"a", b"bb")]
    with sandbox.open(keys[1]) as handle:
        assert handle.read() == b"bb"
    assert dict((key, stream.read()) for key, stream in sandbox.iter_object_streams(keys)) == {
        keys[0]: b"a",
        keys[1]: b"bb",
    }
    with (
        pytest.raises(FileNotFoundError, match=re.escape("'../../etc/passwd'")),
        sandbox.open("../../etc/passwd"),
    ):
        pass
    with pytest.raises(TypeError, match="binary stream"):
        sandbox.put_object_from_filelike(io.StringIO("text"))  # type: ignore[arg-type]


def test_delete_objects(sandbox: SandboxRepositoryBackend) -> None:
    key = sandbox.put_object_from_filelike(io.BytesIO(b"x"))
    with pytest.raises(FileNotFoundError, match="do not exist"):
        sandbox.delete_objects([key, "f" * 32])
    assert sandbox.has_object(key), "nothing is deleted when one key is missing"
    sandbox.delete_object(key)
    assert not sandbox.has_object(key)


def test_erase_removes_the_folder(sandbox: SandboxRepositoryBackend) -> None:
    sandbox.put_object_from_filelike(io.BytesIO(b"x"))
    folder = sandbox.path
    assert folder is not None
    sandbox.erase()
    assert not folder.exists()
    assert sandbox.path is None
    sandbox.erase()  # twice is fine
    key = sandbox.put_object_from_filelike(io.BytesIO(b"y"))
    assert sandbox.get_object_content(key) == b"y"
    assert sandbox.path != folder


def test_garbage_collection_removes_the_folder(tmp_path: Path) -> None:
    sandbox = SandboxRepositoryBackend(tmp_path)  # not a fixture: pytest would keep it alive
    sandbox.put_object_from_filelike(io.BytesIO(b"x"))
    folder = sandbox.path
    assert folder is not None
    assert folder.exists()
    del sandbox
    gc.collect()
    assert not folder.exists()


def test_interpreter_exit_removes_the_folder(tmp_path: Path) -> None:
    script = (
        "import io, sys\n"
        "from provgraph.repository import SandboxRepositoryBackend\n"
        f"sandbox = SandboxRepositoryBackend({str(tmp_path)!r})\n"
        "sandbox.put_object_from_filelike(io.BytesIO(b'x'))\n"
        "print(sandbox.path)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    folder = Path(result.stdout.strip())
    assert folder.parent == tmp_path
    assert not folder.exists()


def test_default_location_is_the_system_temp_dir() -> None:
    import tempfile

    sandbox = SandboxRepositoryBackend()
    sandbox.initialise()
    assert sandbox.path is not None
    assert sandbox.path.parent == Path(tempfile.gettempdir())
    assert sandbox.get_info()["Objects"] == 0
    sandbox.maintain()
    sandbox.erase()
    with pytest.raises(TypeError, match="no settings"):
        sandbox.initialise(option=1)
