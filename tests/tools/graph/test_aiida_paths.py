"""aiida-core's module paths in the tools layer: graph.deletions and archive.exceptions."""

from __future__ import annotations

import pytest

from provgraph import exceptions, orm
from provgraph.tools.archive.exceptions import ExportImportException, ExportValidationError
from provgraph.tools.graph.deletions import delete_nodes

pytestmark = pytest.mark.usefixtures("loaded_profile")


def test_delete_nodes_ends_group_memberships() -> None:
    node = orm.Data().store()
    group = orm.Group("members").store()
    group.add_nodes(node)
    pks, deleted = delete_nodes([node.pk], dry_run=False)
    assert (pks, deleted) == ({node.pk}, True)
    assert group.count() == 0


def test_archive_exception_names() -> None:
    assert ExportValidationError is exceptions.ExportValidationError
    assert issubclass(ExportValidationError, ExportImportException)
