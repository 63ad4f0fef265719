"""The virtual file tree: paths, building, listing, walking, copying, deleting, (de)serializing."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from provgraph.exceptions import CorruptStorage
from provgraph.repository import (
    DiskObjectStoreRepository,
    File,
    FileType,
    Repository,
    RepositoryBackend,
    SandboxRepositoryBackend,
)
from provgraph.repository.tree import normalise_path


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def container(tmp_path: Path) -> DiskObjectStoreRepository:
    backend = DiskObjectStoreRepository(tmp_path / "container")
    backend.initialise()
    return backend


@pytest.fixture(params=["sandbox", "sandbox-on-disk", "disk-objectstore"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> RepositoryBackend:
    if request.param == "sandbox":
        return SandboxRepositoryBackend(tmp_path / "sandboxes")
    if request.param == "sandbox-on-disk":  # every non-empty object spills to a file
        return SandboxRepositoryBackend(tmp_path / "sandboxes", spill_threshold=0)
    result: RepositoryBackend = request.getfixturevalue("container")
    return result


@pytest.fixture
def repo(backend: RepositoryBackend) -> Repository:
    return Repository(backend)


def put(repo: Repository, path: str, content: bytes) -> None:
    repo.put_object_from_filelike(io.BytesIO(content), path)


# -- paths ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, ""),
        ("", ""),
        (".", ""),
        ("a/b.txt", "a/b.txt"),
        ("a/./b/", "a/b"),
        ("a/../b", "b"),
        (PurePosixPath("x/y"), "x/y"),
        (PureWindowsPath("x\\y"), "x/y"),
    ],
)
def test_normalise_path(given: str | None, expected: str) -> None:
    assert normalise_path(given).as_posix() == (expected or ".")


def test_absolute_paths_are_a_type_error(repo: Repository) -> None:
    with pytest.raises(TypeError, match="path `/etc/passwd` is not a relative path"):
        put(repo, "/etc/passwd", b"x")
    with pytest.raises(TypeError, match="path `/a` is not a relative path"):
        repo.get_object("/a")
    with pytest.raises(TypeError, match="str or PurePath"):
        repo.get_object(3)  # type: ignore[arg-type]
    assert repo.is_empty()


@pytest.mark.parametrize("path", ["..", "../x", "a/../../x", "a/b/../../../x"])
def test_paths_leaving_the_tree_are_a_value_error(repo: Repository, path: str) -> None:
    with pytest.raises(ValueError, match="outside the node's file tree"):
        put(repo, path, b"x")
    assert repo.is_empty()
    assert list(repo.backend.list_objects()) == []


# -- building and listing -------------------------------------------------------------------------


def test_nested_directories_are_created_on_put(repo: Repository) -> None:
    put(repo, "a/b/c/deep.txt", b"deep")
    assert repo.list_object_names() == ["a"]
    assert repo.list_object_names("a") == ["b"]
    assert repo.list_object_names("a/b/c") == ["deep.txt"]
    assert repo.get_object("a/b").file_type is FileType.DIRECTORY
    deep = repo.get_file("a/b/c/deep.txt")
    assert deep.name == "deep.txt"
    assert deep.is_file()
    assert repo.backend.get_object_content(deep.key or "") == b"deep"


def test_listing_is_sorted_by_name(repo: Repository) -> None:
    for name in ["zeta", "alpha", "Beta", "mid/x"]:
        put(repo, name, name.encode())
    assert repo.list_object_names() == ["Beta", "alpha", "mid", "zeta"]
    assert [entry.name for entry in repo.list_objects()] == ["Beta", "alpha", "mid", "zeta"]
    kinds = {entry.name: entry.file_type for entry in repo.list_objects()}
    assert kinds["mid"] is FileType.DIRECTORY
    assert kinds["zeta"] is FileType.FILE


def test_lookups_of_missing_or_wrong_kind(repo: Repository) -> None:
    put(repo, "dir/file.txt", b"x")
    with pytest.raises(FileNotFoundError, match="object with path `nope` does not exist"):
        repo.get_object("nope")
    with pytest.raises(FileNotFoundError, match=re.escape("'dir/file.txt' is a file")):
        repo.get_object("dir/file.txt/below")
    with pytest.raises(NotADirectoryError, match=re.escape("'dir/file.txt'")):
        repo.list_objects("dir/file.txt")
    with pytest.raises(IsADirectoryError, match="'dir'"):
        repo.get_file("dir")
    with pytest.raises(IsADirectoryError):
        repo.open("dir").__enter__()
    assert repo.has_object("dir")
    assert repo.has_object("dir/file.txt")
    assert not repo.has_object("dir/file.txt/below")
    assert not repo.has_object("other")


def test_binary_content_round_trips(repo: Repository) -> None:
    content = bytes(range(256)) * 100
    put(repo, "blob.bin", content)
    assert repo.get_object_content("blob.bin") == content
    with repo.open("blob.bin") as handle:
        assert handle.read(10) == content[:10]
        assert handle.read() == content[10:]


def test_put_replaces_an_existing_file(repo: Repository) -> None:
    put(repo, "f.txt", b"old")
    put(repo, "f.txt", b"new")
    assert repo.list_object_names() == ["f.txt"]
    assert repo.get_object_content("f.txt") == b"new"


def test_a_file_cannot_replace_a_directory(repo: Repository) -> None:
    put(repo, "d/inner.txt", b"inner")
    before = len(list(repo.backend.list_objects()))
    with pytest.raises(IsADirectoryError, match="cannot put a file at 'd': a directory exists there"):
        put(repo, "d", b"clash")
    assert len(list(repo.backend.list_objects())) == before, "nothing is written on a conflict"
    assert repo.get_object_content("d/inner.txt") == b"inner"


def test_a_directory_cannot_go_through_a_file(repo: Repository) -> None:
    put(repo, "f", b"file")
    with pytest.raises(NotADirectoryError, match="'f' is a file"):
        put(repo, "f/child.txt", b"child")
    with pytest.raises(NotADirectoryError, match="'f' is a file"):
        repo.create_directory("f/sub")
    assert repo.get_object_content("f") == b"file"


def test_the_root_is_not_a_file_slot(repo: Repository) -> None:
    with pytest.raises(IsADirectoryError, match="root"):
        put(repo, "", b"x")
    with pytest.raises(TypeError):
        repo.create_directory(None)  # type: ignore[arg-type]


def test_create_directory_keeps_existing_content(repo: Repository) -> None:
    put(repo, "a/f.txt", b"f")
    directory = repo.create_directory("a")
    assert directory.name == "a"
    assert list(directory.objects) == ["f.txt"]
    repo.create_directory("a/empty/deeper")
    assert repo.list_object_names("a") == ["empty", "f.txt"]


def test_file_entries_are_read_only_views(repo: Repository) -> None:
    put(repo, "d/f.txt", b"f")
    directory = repo.get_directory("d")
    with pytest.raises(TypeError):
        directory.objects["x"] = File("x", FileType.FILE, "k")  # type: ignore[index]
    assert repo.list_object_names("d") == ["f.txt"]


def test_text_handles_are_refused_by_the_bare_tree(repo: Repository) -> None:
    with pytest.raises(TypeError, match="binary stream"):
        repo.put_object_from_filelike(io.StringIO("text"), "t.txt")  # type: ignore[arg-type]
    assert repo.is_empty()


def test_put_object_from_file_and_tree(repo: Repository, tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "sub" / "empty").mkdir(parents=True)
    (source / "top.txt").write_bytes(b"top")
    (source / "sub" / "inner.bin").write_bytes(b"\x00\x01")
    repo.put_object_from_tree(source, "copied")
    repo.put_object_from_file(source / "top.txt", "single.txt")
    assert repo.list_object_names() == ["copied", "single.txt"]
    assert repo.list_object_names("copied") == ["sub", "top.txt"]
    assert repo.list_object_names("copied/sub") == ["empty", "inner.bin"]
    assert repo.list_object_names("copied/sub/empty") == []
    assert repo.get_object_content("copied/sub/inner.bin") == b"\x00\x01"
    with pytest.raises(NotADirectoryError, match="not a local directory"):
        repo.put_object_from_tree(source / "top.txt")


def test_put_object_from_tree_at_the_root_of_an_empty_folder(repo: Repository, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    repo.put_object_from_tree(tmp_path / "empty")
    assert repo.is_empty()
    repo.put_object_from_tree(tmp_path / "empty", "named")
    assert repo.list_object_names() == ["named"]


# -- walking and copying --------------------------------------------------------------------------


def build_sample(repo: Repository) -> None:
    put(repo, "top.txt", b"top")
    put(repo, "a/one.txt", b"one")
    put(repo, "a/b/two.txt", b"two")
    repo.create_directory("a/empty")
    put(repo, "c/three.txt", b"three")


def test_walk_lists_subdirectories_before_their_parent(repo: Repository) -> None:
    build_sample(repo)
    walked = [(root.as_posix(), dirnames, filenames) for root, dirnames, filenames in repo.walk()]
    assert walked == [
        ("a/b", [], ["two.txt"]),
        ("a/empty", [], []),
        ("a", ["b", "empty"], ["one.txt"]),
        ("c", [], ["three.txt"]),
        (".", ["a", "c"], ["top.txt"]),
    ]
    assert [root.as_posix() for root, _, _ in repo.walk("a/b")] == ["a/b"]
    with pytest.raises(NotADirectoryError):
        list(repo.walk("top.txt"))


def test_copy_tree_writes_the_contents_of_a_directory(repo: Repository, tmp_path: Path) -> None:
    build_sample(repo)
    target = tmp_path / "out"
    repo.copy_tree(target)
    assert (target / "top.txt").read_bytes() == b"top"
    assert (target / "a" / "b" / "two.txt").read_bytes() == b"two"
    assert (target / "a" / "empty").is_dir()
    partial = tmp_path / "partial"
    repo.copy_tree(partial, "a")
    assert sorted(path.name for path in partial.iterdir()) == ["b", "empty", "one.txt"]
    assert (partial / "b" / "two.txt").read_bytes() == b"two"
    with pytest.raises(NotADirectoryError):
        repo.copy_tree(tmp_path / "x", "top.txt")


# -- deleting -------------------------------------------------------------------------------------


def test_delete_a_file_but_not_a_directory(repo: Repository) -> None:
    build_sample(repo)
    key = repo.get_file("a/one.txt").key or ""
    repo.delete_object("a/one.txt")
    assert repo.list_object_names("a") == ["b", "empty"]
    assert repo.backend.has_object(key), "a soft delete leaves the object"
    with pytest.raises(IsADirectoryError, match="'a/b': it is a directory"):
        repo.delete_object("a/b")
    with pytest.raises(FileNotFoundError):
        repo.delete_object("a/one.txt")


def test_hard_delete_removes_the_object_unless_shared(container: DiskObjectStoreRepository) -> None:
    repo = Repository(container)
    put(repo, "x.txt", b"same")
    put(repo, "y.txt", b"same")
    put(repo, "z.txt", b"alone")
    repo.delete_object("x.txt", hard_delete=True)
    assert container.has_object(sha(b"same")), "y.txt still uses the object"
    assert repo.get_object_content("y.txt") == b"same"
    repo.delete_object("z.txt", hard_delete=True)
    assert not container.has_object(sha(b"alone"))


def test_erase_deletes_the_objects_and_the_tree(repo: Repository) -> None:
    build_sample(repo)
    put(repo, "dup.txt", b"top")  # a repeated key must be deleted once
    keys = repo.get_file_keys()
    repo.erase()
    assert repo.is_empty()
    assert repo.serialize() == {}
    assert not any(repo.backend.has_objects(keys))


# -- serialization --------------------------------------------------------------------------------


def test_serialize_uses_aiidas_layout_with_content_keys(container: DiskObjectStoreRepository) -> None:
    repo = Repository(container)
    assert repo.serialize() == {}
    put(repo, "sub/f.txt", b"abc")
    assert repo.serialize() == {"o": {"sub": {"o": {"f.txt": {"k": sha(b"abc")}}}}}
    assert sha(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    repo.create_directory("empty")
    assert repo.serialize()["o"]["empty"] == {}


def test_from_serialized_round_trip(container: DiskObjectStoreRepository) -> None:
    repo = Repository(container)
    build_sample(repo)
    serialized = json.loads(json.dumps(repo.serialize()))  # as it comes back from a JSON column
    loaded = Repository.from_serialized(container, serialized)
    assert loaded.serialize() == serialized
    assert loaded.get_object() == repo.get_object()
    assert loaded.get_object_content("a/b/two.txt") == b"two"
    assert loaded.list_object_names("a/empty") == []
    assert sorted(loaded.get_file_keys()) == sorted(repo.get_file_keys())
    assert Repository.from_serialized(container, {}).is_empty()
    assert Repository.from_serialized(container, None).is_empty()


@pytest.mark.parametrize(
    "serialized",
    [
        {"o": {"f": {"k": 5}}},
        {"o": {"f": {"k": "abc", "o": {}}}},
        {"o": ["not", "a", "mapping"]},
        {"x": {}},
        {"o": {"f": "abc"}},
    ],
)
def test_malformed_metadata_is_corrupt_storage(
    container: DiskObjectStoreRepository, serialized: dict[str, object]
) -> None:
    with pytest.raises(CorruptStorage, match="repository"):
        Repository.from_serialized(container, serialized)


def test_flatten() -> None:
    serialized = {"o": {"a": {"o": {"f": {"k": "k1"}, "e": {}}}, "g": {"k": "k2"}}}
    assert Repository.flatten(serialized) == {"a/": None, "a/f": "k1", "a/e/": None, "g": "k2"}
    assert Repository.flatten(serialized, delimiter=":") == {"a:": None, "a:f": "k1", "a:e:": None, "g": "k2"}
    assert Repository.flatten({}) == {}
    assert Repository.flatten(None) == {}


# -- cloning --------------------------------------------------------------------------------------


def test_clone_streams_a_sandbox_into_a_container(
    tmp_path: Path, container: DiskObjectStoreRepository
) -> None:
    sandbox = Repository(SandboxRepositoryBackend(tmp_path / "sandboxes"))
    build_sample(sandbox)
    put(sandbox, "again.txt", b"one")  # same content as a/one.txt: one object in the container
    stored = Repository(container)
    stored.clone(sandbox)
    assert stored.serialize() == {
        "o": {
            "top.txt": {"k": sha(b"top")},
            "a": {
                "o": {
                    "one.txt": {"k": sha(b"one")},
                    "b": {"o": {"two.txt": {"k": sha(b"two")}}},
                    "empty": {},
                }
            },
            "c": {"o": {"three.txt": {"k": sha(b"three")}}},
            "again.txt": {"k": sha(b"one")},
        }
    }
    assert sorted(container.list_objects()) == sorted({sha(c) for c in [b"top", b"one", b"two", b"three"]})
    with pytest.raises(TypeError, match="Repository"):
        stored.clone(sandbox.serialize())  # type: ignore[arg-type]


def test_clone_merges_into_an_existing_tree(backend: RepositoryBackend, tmp_path: Path) -> None:
    source = Repository(SandboxRepositoryBackend(tmp_path / "source", spill_threshold=2))
    build_sample(source)
    target = Repository(backend)
    put(target, "a/one.txt", b"old one")
    put(target, "a/mine.txt", b"mine")
    target.create_directory("d/kept")
    target.clone(source)
    assert target.list_object_names() == ["a", "c", "d", "top.txt"]
    assert target.list_object_names("a") == ["b", "empty", "mine.txt", "one.txt"]
    assert list(target.get_directory("a").objects) == ["one.txt", "mine.txt", "b", "empty"], (
        "a replaced file keeps its place, new entries follow the source's order"
    )
    contents = {path: target.get_object_content(path) for path in ("a/one.txt", "a/mine.txt", "a/b/two.txt")}
    assert contents == {"a/one.txt": b"one", "a/mine.txt": b"mine", "a/b/two.txt": b"two"}
    assert target.get_object("a/empty").is_dir()
    assert target.get_object("d/kept").is_dir()
    assert source.get_object_content("c/three.txt") == b"three", "the source is left as it was"


def test_clone_refuses_a_file_where_a_directory_is_and_the_reverse(
    backend: RepositoryBackend, tmp_path: Path
) -> None:
    source = Repository(SandboxRepositoryBackend(tmp_path / "source"))
    build_sample(source)
    target = Repository(backend)
    put(target, "a/b", b"a file where the source has a directory")
    with pytest.raises(NotADirectoryError, match=re.escape("cannot create directory 'a/b': 'a/b' is a file")):
        target.clone(source)
    other = Repository(backend)
    other.create_directory("c/three.txt")
    with pytest.raises(IsADirectoryError, match=re.escape("cannot put a file at 'c/three.txt': a directory")):
        other.clone(source)


def test_file_equality_and_repr() -> None:
    file = File("f", FileType.FILE, "k")
    assert file == File("f", FileType.FILE, "k")
    assert file != File("f", FileType.FILE, "other")
    assert "key='k'" in repr(file)
    assert "objects=['f']" in repr(File("d", objects={"f": file}))
    with pytest.raises(ValueError, match="cannot have a key"):
        File("d", FileType.DIRECTORY, "k")
    with pytest.raises(TypeError, match="needs a string key"):
        File("f", FileType.FILE)
    with pytest.raises(ValueError, match="cannot contain objects"):
        File("f", FileType.FILE, "k", {"x": file})
