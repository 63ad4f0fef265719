"""``provgraph.orm.utils.mixins`` and ``links``: aiida-core's names for sealing and link tuples."""

from __future__ import annotations

from provgraph import orm
from provgraph.orm.nodes.links import LinkTriple as NodesLinkTriple
from provgraph.orm.nodes.process.function import FunctionNodeMixin
from provgraph.orm.utils.links import LinkTriple
from provgraph.orm.utils.mixins import FunctionCalculationMixin, Sealable
from provgraph.storage.abstract import StorageBackend


def test_process_nodes_are_sealable(backend: StorageBackend) -> None:
    node = orm.CalculationNode().store()
    assert isinstance(node, Sealable)
    assert not isinstance(orm.Data(), Sealable)
    assert Sealable.SEALED_KEY == "sealed"
    assert not node.is_sealed
    node.seal()
    assert node.base.attributes.get(Sealable.SEALED_KEY) is True


def test_re_exported_names() -> None:
    assert FunctionCalculationMixin is FunctionNodeMixin
    assert LinkTriple is NodesLinkTriple
