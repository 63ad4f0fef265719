"""The sandbox object store of unstored nodes: lazy folder, uuid4 keys, cleanup."""

from __future__ import annotations

import gc
import hashlib
import io
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from provgraph.repository import SandboxRepositoryBackend
from provgraph.repository import sandbox as sandbox_module


@pytest.fixture
def sandbox(tmp_path: Path) -> SandboxRepositoryBackend:
    return SandboxRepositoryBackend(tmp_path / "sandboxes")


def test_small_objects_stay_in_memory_and_make_no_folder(
    sandbox: SandboxRepositoryBackend, tmp_path: Path
) -> None:
    assert sandbox.path is None
    assert not sandbox.is_initialised
    assert list(sandbox.list_objects()) == []
    keys = [sandbox.put_object_from_filelike(io.BytesIO(content)) for content in (b"data", b"", b"x" * 5000)]
    assert sandbox.path is None
    assert not (tmp_path / "sandboxes").exists(), "not even the parent folder is made"
    assert sandbox.is_initialised
    assert sandbox.memory_size == 5004
    assert [sandbox.get_object_content(key) for key in keys] == [b"data", b"", b"x" * 5000]
    assert sandbox.get_info() == {"Folder": None, "Objects": 3, "In memory (bytes)": 5004}


def test_an_object_past_the_threshold_spills_to_a_private_folder(tmp_path: Path) -> None:
    sandbox = SandboxRepositoryBackend(tmp_path / "sandboxes", spill_threshold=8)
    small = sandbox.put_object_from_filelike(io.BytesIO(b"8 bytes!"))
    assert sandbox.path is None, "exactly the threshold stays in memory"
    large = sandbox.put_object_from_filelike(io.BytesIO(b"nine byte"))
    assert sandbox.path is not None
    assert sandbox.path.parent == tmp_path / "sandboxes"
    assert sandbox.path.stat().st_mode & 0o077 == 0, "the folder is private"
    assert [path.name for path in sandbox.path.iterdir()] == [large]
    assert (sandbox.path / large).read_bytes() == b"nine byte"
    assert sandbox.memory_size == 8
    assert sandbox.get_object_content(small) == b"8 bytes!"
    assert sandbox.get_object_content(large) == b"nine byte"


def test_the_threshold_is_an_attribute_read_at_each_put(sandbox: SandboxRepositoryBackend) -> None:
    first = sandbox.put_object_from_filelike(io.BytesIO(b"abc"))
    sandbox.spill_threshold = 2
    second = sandbox.put_object_from_filelike(io.BytesIO(b"abc"))
    assert sandbox.path is not None
    assert sorted(path.name for path in sandbox.path.iterdir()) == [second]
    assert sandbox.has_objects([first, second]) == [True, True]


@pytest.mark.parametrize("setting", ["spill_threshold", "memory_limit"])
@pytest.mark.parametrize("value", [-1, 1.5, True, "4"])
def test_limits_must_be_byte_counts(setting: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"{setting} must be a number of bytes >= 0, got {value!r}"):
        SandboxRepositoryBackend(**{setting: value})  # type: ignore[arg-type]


def test_defaults_are_read_from_the_module_when_a_sandbox_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SandboxRepositoryBackend().spill_threshold == 4 * 1024**2
    assert SandboxRepositoryBackend().memory_limit == 64 * 1024**2
    monkeypatch.setattr(sandbox_module, "SPILL_THRESHOLD", 0)
    monkeypatch.setattr(sandbox_module, "MEMORY_LIMIT", 10)
    sandbox = SandboxRepositoryBackend()
    assert (sandbox.spill_threshold, sandbox.memory_limit) == (0, 10)


def test_the_in_memory_total_is_bounded(tmp_path: Path) -> None:
    sandbox = SandboxRepositoryBackend(tmp_path, spill_threshold=100, memory_limit=250)
    kept = [sandbox.put_object_from_filelike(io.BytesIO(bytes([n]) * 100)) for n in range(2)]
    assert sandbox.path is None
    assert sandbox.memory_size == 200
    spilled = sandbox.put_object_from_filelike(io.BytesIO(b"z" * 60))  # 260 > 250
    assert sandbox.path is not None
    assert [path.name for path in sandbox.path.iterdir()] == [spilled]
    tail = sandbox.put_object_from_filelike(io.BytesIO(b"t" * 50))  # 250 still fits
    assert sandbox.memory_size == 250
    empty = sandbox.put_object_from_filelike(io.BytesIO(b""))
    assert empty not in {path.name for path in sandbox.path.iterdir()}, "an empty object always fits"
    full = sandbox.put_object_from_filelike(io.BytesIO(b"!"))
    assert sorted(path.name for path in sandbox.path.iterdir()) == sorted([spilled, full])
    sandbox.delete_objects(kept)
    assert sandbox.memory_size == 50, "deleting frees the budget"
    back = sandbox.put_object_from_filelike(io.BytesIO(b"m" * 100))
    assert sandbox.memory_size == 150
    assert sorted(path.name for path in sandbox.path.iterdir()) == sorted([spilled, full])
    contents = {key: sandbox.get_object_content(key) for key in (spilled, tail, full, back)}
    assert contents == {spilled: b"z" * 60, tail: b"t" * 50, full: b"!", back: b"m" * 100}


def test_mixed_small_and_large_objects_round_trip(tmp_path: Path) -> None:
    sandbox = SandboxRepositoryBackend(tmp_path, spill_threshold=1000)
    contents = [b"", b"s", bytes(range(256)) * 3, bytes(range(256)) * 4, b"L" * 100_000]
    keys = [sandbox.put_object_from_filelike(io.BytesIO(content)) for content in contents]
    assert sandbox.path is not None
    on_disk = sorted(path.name for path in sandbox.path.iterdir())
    assert on_disk == sorted(keys[3:]), "only the objects over 1000 bytes are files"
    assert sandbox.memory_size == 1 + 768
    assert sorted(sandbox.list_objects()) == sorted(keys)
    assert sandbox.has_objects([*keys, "0" * 32, "../x"]) == [True] * 5 + [False, False]
    for key, content in zip(keys, contents, strict=True):
        with sandbox.open(key) as handle:
            assert handle.read() == content
        assert sandbox.get_object_hash(key) == hashlib.sha256(content).hexdigest()
    streamed = {key: stream.read() for key, stream in sandbox.iter_object_streams(reversed(keys))}
    assert streamed == dict(zip(keys, contents, strict=True))
    sandbox.delete_objects([keys[2], keys[4]])
    assert sorted(sandbox.list_objects()) == sorted([keys[0], keys[1], keys[3]])
    assert sorted(path.name for path in sandbox.path.iterdir()) == [keys[3]]
    assert sandbox.memory_size == 1


class Source(io.RawIOBase):
    """``size`` bytes in reads of at most ``step``, calling ``check(position)`` before each read."""

    def __init__(self, size: int, step: int, check: Callable[[int], None] = lambda position: None) -> None:
        super().__init__()
        self.size, self.step, self.check, self.position = size, step, check, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.check(self.position)
        count = min(len(buffer), self.step, self.size - self.position)
        buffer[:count] = bytes((self.position + n) % 251 for n in range(count))
        self.position += count
        return count

    def content(self) -> bytes:
        return bytes(n % 251 for n in range(self.size))


def test_a_large_object_streams_to_its_file_after_threshold_plus_one_bytes(tmp_path: Path) -> None:
    sandbox = SandboxRepositoryBackend(tmp_path, spill_threshold=100)
    holding: list[int] = []

    def check(position: int) -> None:
        if position > 101:  # past the decision: the object's file must be open and receiving data
            assert sandbox.path is not None
            assert len(list(sandbox.path.iterdir())) == 1
            holding.append(position)

    source = Source(5000, step=7, check=check)
    key = sandbox.put_object_from_filelike(source)  # type: ignore[arg-type]
    assert holding, "the stream was read after the spill decision"
    assert sandbox.get_object_content(key) == source.content()


def test_short_reads_are_collected_before_deciding(sandbox: SandboxRepositoryBackend) -> None:
    source = Source(3000, step=1)
    key = sandbox.put_object_from_filelike(source)  # type: ignore[arg-type]
    assert sandbox.path is None
    assert sandbox.get_object_content(key) == source.content()


def test_a_failing_stream_leaves_no_partial_object(tmp_path: Path) -> None:
    sandbox = SandboxRepositoryBackend(tmp_path, spill_threshold=10)

    def fail(position: int) -> None:
        if position >= 50:
            raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        sandbox.put_object_from_filelike(Source(100, step=10, check=fail))  # type: ignore[arg-type]
    assert sandbox.path is not None
    assert list(sandbox.path.iterdir()) == []
    assert list(sandbox.list_objects()) == []


def test_erasing_a_sandbox_that_never_spilled_touches_no_disk(
    sandbox: SandboxRepositoryBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = sandbox.put_object_from_filelike(io.BytesIO(b"in memory"))

    def no_rmtree(*args: object, **kwargs: object) -> None:
        raise AssertionError("rmtree called for a sandbox without a folder")

    monkeypatch.setattr(shutil, "rmtree", no_rmtree)
    sandbox.erase()
    assert not sandbox.has_object(key)
    assert sandbox.memory_size == 0
    assert not sandbox.is_initialised
    assert list(sandbox.list_objects()) == []


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


def test_erase_removes_the_folder(tmp_path: Path) -> None:
    sandbox = SandboxRepositoryBackend(tmp_path, spill_threshold=0)
    sandbox.put_object_from_filelike(io.BytesIO(b"x"))
    folder = sandbox.path
    assert folder is not None
    sandbox.erase()
    assert not folder.exists()
    assert sandbox.path is None
    sandbox.erase()  # twice is fine
    key = sandbox.put_object_from_filelike(io.BytesIO(b"y"))
    assert sandbox.get_object_content(key) == b"y"
    assert sandbox.path is not None
    assert sandbox.path != folder


def test_garbage_collection_removes_the_folder(tmp_path: Path) -> None:
    sandbox = SandboxRepositoryBackend(tmp_path, spill_threshold=0)  # not a fixture: pytest keeps those
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
        f"sandbox = SandboxRepositoryBackend({str(tmp_path)!r}, spill_threshold=0)\n"
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
