"""Codes: the executables that calculations run (AiiDA's ``data.core.code.*`` node types)."""

from provgraph.orm.nodes.data.core.code.abstract import AbstractCode
from provgraph.orm.nodes.data.core.code.containerized import ContainerizedCode
from provgraph.orm.nodes.data.core.code.installed import InstalledCode
from provgraph.orm.nodes.data.core.code.portable import PortableCode

__all__ = ["AbstractCode", "ContainerizedCode", "InstalledCode", "PortableCode"]
