"""``node.base.repository``: sandbox while unstored, the profile's object store once stored.

The node is a small stand-in that plays ``Node``'s side of the contract (``is_stored``,
``backend``, ``_row``; ``_prepare_store`` before the row insert, ``_after_store`` after) over
the real storage of each SQL backend, so these tests do not depend on the Node class.
"""

from __future__ import annotations

import gc
import hashlib
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from provgraph.exceptions import ModificationNotAllowed
from provgraph.orm.nodes.repository import NodeRepository, RepositoryState
from provgraph.repository import FileType
from provgraph.repository import sandbox as sandbox_module
from provgraph.storage.abstract import EntityTypes, StorageBackend


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(eq=False)
class StandInNode:
    """The part of Node that NodeRepository uses, storing a real db_dbnode row."""

    backend: StorageBackend
    _row: dict[str, Any] = field(default_factory=lambda: {"repository_metadata": {}})
    _repository_state: RepositoryState | None = None
    repository: NodeRepository = field(init=False)

    def __post_init__(self) -> None:
        self.repository = NodeRepository(self)

    @property
    def is_stored(self) -> bool:
        return self._row.get("id") is not None

    @property
    def pk(self) -> int | None:
        return self._row.get("id")

    # The node state protocol NodeRepository reads through (RepositoryOwner).
    def _column(self, name: str) -> Any:
        return self._row.get(name)

    def _file_state(self) -> RepositoryState | None:
        return self._repository_state

    def _ensure_file_state(self) -> RepositoryState:
        self._repository_state = self._repository_state or RepositoryState()
        return self._repository_state

    def store(self) -> StandInNode:
        metadata = self.repository._prepare_store()
        (user,) = self.backend.get_rows(EntityTypes.USER, columns=["id"])
        row = {"node_type": "data.core.Data.", "user_id": user["id"], "repository_metadata": metadata}
        (self._row["id"],) = self.backend.bulk_insert(EntityTypes.NODE, [row], allow_defaults=True)
        self._row["repository_metadata"] = metadata
        self.repository._after_store()
        return self

    @classmethod
    def load(cls, backend: StorageBackend, pk: int | None) -> StandInNode:
        (row,) = backend.get_rows(EntityTypes.NODE, {"id": pk})
        return cls(backend, row)


@pytest.fixture
def sandbox_root(backend: StorageBackend, tmp_path: Path) -> Path:
    """Unstored nodes' files go here (the profile option ``storage.sandbox``)."""
    root = tmp_path / "sandbox-root"
    backend.profile.set_option("storage.sandbox", str(root))
    return root


@pytest.fixture
def node(backend: StorageBackend, sandbox_root: Path) -> StandInNode:
    return StandInNode(backend)


@pytest.fixture
def spilling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sandboxes made from now on put every non-empty file on disk, as they do with big files."""
    monkeypatch.setattr(sandbox_module, "SPILL_THRESHOLD", 0)


def sandboxes(root: Path) -> list[Path]:
    return sorted(root.iterdir()) if root.exists() else []


# -- unstored nodes -------------------------------------------------------------------------------


def test_nodes_without_files_cost_nothing(node: StandInNode, sandbox_root: Path) -> None:
    assert node.repository.list_object_names() == []
    assert node.repository.metadata == {}
    assert node.repository.serialize() == {}
    assert node.repository.glob() == []
    node.store()
    assert sandboxes(sandbox_root) == []
    assert node._row["repository_metadata"] == {}
    assert StandInNode.load(node.backend, node.pk).repository.list_objects() == []


def test_small_files_make_no_sandbox_folder(node: StandInNode, sandbox_root: Path) -> None:
    node.repository.put_object_from_bytes(b"content", "f.txt")
    assert sandboxes(sandbox_root) == [], "small contents stay in memory until store()"
    assert node.repository.get_object_content("f.txt") == "content"
    node.store()
    assert sandboxes(sandbox_root) == []
    assert StandInNode.load(node.backend, node.pk).repository.get_object_content("f.txt") == "content"


@pytest.mark.usefixtures("spilling")
def test_first_write_makes_a_sandbox_under_the_profile_option(node: StandInNode, sandbox_root: Path) -> None:
    node.repository.put_object_from_bytes(b"content", "f.txt")
    (folder,) = sandboxes(sandbox_root)
    assert len(list(folder.iterdir())) == 1
    key = node.repository.get_object("f.txt").key
    assert node.repository.serialize() == {"o": {"f.txt": {"k": key}}}
    assert node.repository.metadata == {}  # the row's, written by the store


def test_put_variants_and_reading_back(node: StandInNode, tmp_path: Path) -> None:
    repository = node.repository
    repository.put_object_from_bytes(b"\x00\xff bytes", "bytes.bin")
    repository.put_object_from_filelike(io.BytesIO(b"binary handle"), "binary.txt")
    repository.put_object_from_filelike(io.StringIO("grüße\r\nline 2"), "text.txt")
    with tempfile.TemporaryFile("w+") as text_file:
        text_file.write("from a text temp file")
        text_file.seek(0)
        repository.put_object_from_filelike(text_file, "tmp.txt")
    source = tmp_path / "local.txt"
    source.write_bytes(b"local file")
    repository.put_object_from_file(source, "nested/local.txt")

    assert repository.get_object_content("bytes.bin", mode="rb") == b"\x00\xff bytes"
    assert repository.get_object_content("text.txt", mode="rb") == "grüße\r\nline 2".encode()
    assert repository.get_object_content("text.txt") == "grüße\r\nline 2"
    assert repository.get_object_content("tmp.txt") == "from a text temp file"
    with repository.open("text.txt") as handle:
        assert handle.readline() == "grüße\r\n"
        assert handle.read() == "line 2"
    with repository.open("binary.txt", mode="rb") as handle:
        assert handle.read() == b"binary handle"
    assert repository.get_object_size("nested/local.txt") == len(b"local file")
    assert repository.list_object_names() == ["binary.txt", "bytes.bin", "nested", "text.txt", "tmp.txt"]


def test_text_is_encoded_in_chunks_across_multibyte_boundaries(node: StandInNode) -> None:
    text = "ψ€😀a" * 100_000
    node.repository.put_object_from_filelike(io.StringIO(text), "big.txt")
    assert node.repository.get_object_content("big.txt", mode="rb") == text.encode("utf-8")
    with node.repository.open("big.txt") as handle:
        assert "".join(iter(lambda: handle.read(999), "")) == text


def test_bad_modes_and_content_types(node: StandInNode) -> None:
    node.repository.put_object_from_bytes(b"x", "x")
    with pytest.raises(ValueError, match="mode 'w' is not supported"):
        node.repository.open("x", mode="w")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="mode 'r\\+' is not supported"):
        node.repository.get_object_content("x", mode="r+")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="content must be bytes, got str"):
        node.repository.put_object_from_bytes("text", "t")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a readable file-like object, got bytes"):
        node.repository.put_object_from_filelike(b"raw", "raw")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a relative path"):
        node.repository.put_object_from_bytes(b"x", "/abs")
    with pytest.raises(ValueError, match="outside"):
        node.repository.put_object_from_bytes(b"x", "../up")


@pytest.mark.usefixtures("spilling")
def test_delete_and_erase_while_unstored(node: StandInNode, sandbox_root: Path) -> None:
    repository = node.repository
    repository.put_object_from_bytes(b"1", "d/one")
    repository.put_object_from_bytes(b"2", "d/two")
    (folder,) = sandboxes(sandbox_root)
    repository.delete_object("d/one")
    assert repository.list_object_names("d") == ["two"]
    assert len(list(folder.iterdir())) == 1, "a deleted file's content leaves the sandbox"
    with pytest.raises(IsADirectoryError):
        repository.delete_object("d")
    repository.erase()
    assert repository.list_object_names() == []
    assert sandboxes(sandbox_root) == []
    repository.put_object_from_bytes(b"3", "three")
    node.store()
    assert StandInNode.load(node.backend, node.pk).repository.list_object_names() == ["three"]


@pytest.mark.usefixtures("spilling")
def test_an_unstored_nodes_sandbox_goes_with_it(backend: StorageBackend, sandbox_root: Path) -> None:
    node = StandInNode(backend)
    node.repository.put_object_from_bytes(b"garbage", "f")
    assert len(sandboxes(sandbox_root)) == 1
    del node
    gc.collect()
    assert sandboxes(sandbox_root) == []


# -- storing --------------------------------------------------------------------------------------


def test_store_writes_aiidas_metadata_and_the_objects(node: StandInNode, sandbox_root: Path) -> None:
    node.repository.put_object_from_bytes(b"abc", "sub/f.txt")
    node.repository.put_object_from_bytes(b"", "empty.txt")
    node.store()
    expected = {"o": {"sub": {"o": {"f.txt": {"k": sha(b"abc")}}}, "empty.txt": {"k": sha(b"")}}}
    assert node._row["repository_metadata"] == expected
    assert sha(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sandboxes(sandbox_root) == [], "the sandbox is dropped once the row is stored"
    store = node.backend.get_repository()
    assert store.has_objects([sha(b"abc"), sha(b"")]) == [True, True]

    loaded = StandInNode.load(node.backend, node.pk)
    assert loaded._row["repository_metadata"] == expected, "the JSON column round-trips the layout"
    assert loaded.repository.metadata == expected
    assert loaded.repository.serialize() == expected
    assert loaded.repository.get_object_content("sub/f.txt") == "abc"
    assert loaded.repository.get_object_content("empty.txt", mode="rb") == b""
    assert node.repository.get_object_content("sub/f.txt", mode="rb") == b"abc", (
        "the storing instance reads too"
    )


def test_empty_directories_are_stored(node: StandInNode, tmp_path: Path) -> None:
    (tmp_path / "tree" / "empty").mkdir(parents=True)
    node.repository.put_object_from_tree(tmp_path / "tree")
    node.store()
    assert node._row["repository_metadata"] == {"o": {"empty": {}}}
    loaded = StandInNode.load(node.backend, node.pk)
    assert loaded.repository.get_object("empty").file_type is FileType.DIRECTORY


def test_equal_contents_are_stored_once(backend: StorageBackend, sandbox_root: Path) -> None:
    first, second = StandInNode(backend), StandInNode(backend)
    first.repository.put_object_from_bytes(b"shared payload", "a.txt")
    second.repository.put_object_from_bytes(b"shared payload", "other/name.bin")
    second.repository.put_object_from_bytes(b"shared payload", "again.bin")
    before = set(backend.get_repository().list_objects())
    first.store()
    second.store()
    added = set(backend.get_repository().list_objects()) - before
    assert added == {sha(b"shared payload")}
    assert second._row["repository_metadata"] == {
        "o": {
            "other": {"o": {"name.bin": {"k": sha(b"shared payload")}}},
            "again.bin": {"k": sha(b"shared payload")},
        }
    }


@pytest.mark.usefixtures("spilling")
def test_a_failed_insert_can_be_retried(node: StandInNode, sandbox_root: Path) -> None:
    node.repository.put_object_from_bytes(b"retry me", "r.txt")
    first = node.repository._prepare_store()  # the row insert "fails": no _after_store
    assert len(sandboxes(sandbox_root)) == 1
    assert node.repository.get_object_content("r.txt") == "retry me"
    node.store()
    assert node._row["repository_metadata"] == first


def test_stored_files_can_be_read_from_packs(node: StandInNode) -> None:
    content = bytes(range(256)) * 1000
    node.repository.put_object_from_bytes(content, "blob.bin")
    node.store()
    node.backend.get_repository().maintain(live=True)  # loose objects move into a pack file
    loaded = StandInNode.load(node.backend, node.pk)
    assert loaded.repository.get_object_size("blob.bin") == len(content)
    with loaded.repository.open("blob.bin", mode="rb") as handle:
        assert handle.read() == content
    with loaded.repository.as_path("blob.bin") as path:
        assert path.name == "blob.bin"
        assert path.read_bytes() == content
    assert not path.exists()


# -- reading a stored tree ------------------------------------------------------------------------


@pytest.fixture
def stored(node: StandInNode) -> StandInNode:
    repository = node.repository
    repository.put_object_from_bytes(b"top", "top.txt")
    repository.put_object_from_bytes(b"one", "a/one.txt")
    repository.put_object_from_bytes(b"two", "a/b/two.txt")
    node.store()
    return StandInNode.load(node.backend, node.pk)


def test_listing_walk_and_glob(stored: StandInNode) -> None:
    repository = stored.repository
    assert repository.list_object_names() == ["a", "top.txt"]
    assert [entry.name for entry in repository.list_objects("a")] == ["b", "one.txt"]
    assert {root.as_posix(): (dirs, files) for root, dirs, files in repository.walk()} == {
        "a/b": ([], ["two.txt"]),
        "a": (["b"], ["one.txt"]),
        ".": (["a"], ["top.txt"]),
    }
    assert repository.glob() == [
        PurePosixPath("a"),
        PurePosixPath("a/b"),
        PurePosixPath("a/b/two.txt"),
        PurePosixPath("a/one.txt"),
        PurePosixPath("top.txt"),
    ]


def test_copy_tree_and_as_path(stored: StandInNode, tmp_path: Path) -> None:
    stored.repository.copy_tree(tmp_path / "all")
    assert (tmp_path / "all" / "a" / "b" / "two.txt").read_bytes() == b"two"
    stored.repository.copy_tree(tmp_path / "part", "a/b")
    assert [path.name for path in (tmp_path / "part").iterdir()] == ["two.txt"]
    with stored.repository.as_path() as folder:
        assert (folder / "top.txt").read_bytes() == b"top"
        assert (folder / "a" / "one.txt").read_bytes() == b"one"
    assert not folder.exists()
    with stored.repository.as_path("a") as folder:
        assert sorted(path.name for path in folder.iterdir()) == ["b", "one.txt"]
    with pytest.raises(FileNotFoundError), stored.repository.as_path("missing"):
        pass


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.put_object_from_bytes(b"x", "new.txt"),
        lambda r: r.put_object_from_filelike(io.BytesIO(b"x"), "top.txt"),
        lambda r: r.put_object_from_file(__file__, "f.py"),
        lambda r: r.put_object_from_tree(Path(__file__).parent, "tree"),
        lambda r: r.delete_object("top.txt"),
        lambda r: r.erase(),
    ],
    ids=["bytes", "filelike", "file", "tree", "delete", "erase"],
)
def test_a_stored_repository_is_immutable(stored: StandInNode, mutate: Any) -> None:
    before = stored.repository.serialize()
    with pytest.raises(ModificationNotAllowed, match="the repository of a stored node cannot be changed"):
        mutate(stored.repository)
    assert stored.repository.serialize() == before
    assert stored.repository.get_object_content("top.txt") == "top"


def test_the_storing_instance_is_immutable_too(node: StandInNode) -> None:
    node.repository.put_object_from_bytes(b"x", "x")
    node.store()
    with pytest.raises(ModificationNotAllowed, match=f"node pk={node.pk}"):
        node.repository.put_object_from_bytes(b"y", "y")
    assert node.repository.list_object_names() == ["x"]


def test_clone_from_a_stored_node(stored: StandInNode, backend: StorageBackend) -> None:
    copy = StandInNode(backend)
    copy.repository._clone(stored.repository)
    copy.repository.put_object_from_bytes(b"extra", "extra.txt")
    copy.store()
    assert copy.repository.glob() == sorted([*stored.repository.glob(), PurePosixPath("extra.txt")])
    with pytest.raises(ModificationNotAllowed):
        stored.repository._clone(copy.repository)
