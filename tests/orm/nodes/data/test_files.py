"""SinglefileData and FolderData: files in the node's repository, AiiDA's layout."""

from __future__ import annotations

import io
from pathlib import Path, PurePosixPath

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, ModificationNotAllowed
from provgraph.orm.nodes.data.core import FolderData, SinglefileData
from provgraph.storage.abstract import StorageBackend


def test_singlefile_from_path_and_handles(backend: StorageBackend, tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("héllo\nworld\n", encoding="utf-8")
    node = SinglefileData(source).store()
    loaded = orm.load_node(node.pk)
    assert type(loaded) is SinglefileData
    assert loaded.node_type == "data.core.singlefile.SinglefileData."
    assert loaded.base.attributes.all == {"filename": "notes.txt"}
    assert loaded.filename == "notes.txt"
    assert loaded.get_content() == "héllo\nworld\n"
    assert loaded.get_content("rb") == loaded.content == "héllo\nworld\n".encode()
    with loaded.open() as handle:
        assert handle.readline() == "héllo\n"
    with loaded.open(mode="rb") as handle:
        assert handle.read(2) == b"h\xc3"
    with loaded.as_path() as path:
        assert path.name == "notes.txt"
        assert path.read_text(encoding="utf-8") == "héllo\nworld\n"
    assert SinglefileData(str(source), filename="renamed.txt").filename == "renamed.txt"
    assert SinglefileData(io.BytesIO(b"\x00\x01")).filename == "file.txt"
    with source.open("rb") as handle:
        assert SinglefileData(handle).filename == "notes.txt"  # a real file handle keeps its name
    text = SinglefileData(io.StringIO("text ✓"), "t.txt").store()
    assert orm.load_node(text.pk).get_content("rb") == "text ✓".encode()
    assert SinglefileData.from_string("abc", "a.txt").get_content() == "abc"
    assert SinglefileData.from_bytes(b"abc").get_content("rb") == b"abc"


def test_singlefile_holds_exactly_one_file(backend: StorageBackend, tmp_path: Path) -> None:
    node = SinglefileData(io.BytesIO(b"first"), "a.txt")
    node.set_file(io.BytesIO(b"second"), "b.txt")
    assert node.base.repository.list_object_names() == ["b.txt"]
    assert node.get_content() == "second"
    node.store()
    with pytest.raises(ModificationNotAllowed):
        node.set_file(io.BytesIO(b"third"), "c.txt")
    assert orm.load_node(node.pk).get_content() == "second"
    with pytest.raises(FileNotFoundError, match="needs an existing file"):
        SinglefileData(tmp_path / "missing.txt")
    with pytest.raises(FileNotFoundError, match="needs an existing file"):
        SinglefileData(tmp_path)
    with pytest.raises(TypeError, match="file path or a file-like object, got int"):
        SinglefileData(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="plain file name"):
        SinglefileData(io.BytesIO(b"x"), "sub/x.txt")
    empty = SinglefileData()
    with pytest.raises(InputValidationError, match="exactly one file, it holds"):
        empty.store()
    two = SinglefileData(io.BytesIO(b"x"), "x.txt")
    two.base.repository.put_object_from_bytes(b"y", "y.txt")
    with pytest.raises(InputValidationError, match=r"exactly one file, it holds \['x.txt', 'y.txt'\]"):
        two.store()
    renamed = SinglefileData(io.BytesIO(b"x"), "x.txt")
    renamed.base.repository.erase()
    renamed.base.repository.put_object_from_bytes(b"z", "z.txt")
    renamed.store()  # the filename attribute follows the one file, as in AiiDA
    assert renamed.filename == "z.txt"


def test_folder_tree_round_trip(backend: StorageBackend, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "sub" / "deeper").mkdir(parents=True)
    (tree / "README.txt").write_text("read me")
    (tree / "sub" / "a.cfg").write_text("x=1")
    (tree / "sub" / "deeper" / "data.bin").write_bytes(b"\x00\xff")
    node = FolderData(tree=tree)
    node.put_object_from_bytes(b"extra", "bin/blob.bin")
    node.put_object_from_filelike(io.StringIO("text"), "notes.txt")
    node.put_object_from_file(tree / "README.txt", "copy.txt")
    node.delete_object("copy.txt")
    node.store()
    loaded = orm.load_node(node.pk)
    assert type(loaded) is FolderData
    assert loaded.node_type == "data.core.folder.FolderData."
    assert loaded.base.attributes.all == {}
    assert loaded.list_object_names() == ["README.txt", "bin", "notes.txt", "sub"]
    assert loaded.list_object_names("sub") == ["a.cfg", "deeper"]
    assert [entry.name for entry in loaded.list_objects("sub")] == ["a.cfg", "deeper"]
    assert loaded.get_object("sub/deeper").is_dir()
    assert loaded.get_object_content("sub/a.cfg") == "x=1"
    assert loaded.get_object_content("sub/deeper/data.bin", "rb") == b"\x00\xff"
    with loaded.open("README.txt") as handle:
        assert handle.read() == "read me"
    with loaded.open("bin/blob.bin", "rb") as handle:
        assert handle.read() == b"extra"
    assert PurePosixPath("sub/deeper/data.bin") in loaded.glob()
    assert {str(root) for root, _, _ in loaded.walk()} == {".", "bin", "sub", "sub/deeper"}
    target = tmp_path / "out"
    loaded.copy_tree(target)
    assert (target / "sub" / "deeper" / "data.bin").read_bytes() == b"\x00\xff"
    with loaded.as_path("sub") as path:
        assert (path / "a.cfg").read_text() == "x=1"
    for change in (
        lambda: loaded.put_object_from_bytes(b"x", "new.txt"),
        lambda: loaded.delete_object("README.txt"),
        loaded.erase,
        lambda: loaded.put_object_from_tree(tree),
    ):
        with pytest.raises(ModificationNotAllowed):
            change()
    with pytest.raises(NotADirectoryError, match="needs a local directory"):
        FolderData(tree=tmp_path / "missing")
    with pytest.raises(FileNotFoundError):
        loaded.get_object_content("missing.txt")
    empty = FolderData()
    empty.put_object_from_bytes(b"x", "x")
    empty.erase()
    assert empty.store().list_object_names() == []
