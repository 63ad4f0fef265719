"""A provenance graph in which every link type occurs, recorded with calc/work functions (PROV tests).

Imported as ``tests.tools.prov.prov_graph`` by the PROV tool and CLI tests.

    outer (workfunction)  --CALL_WORK-->  inner (workfunction)  --CALL_CALC-->  add, multiply
    x, y, z  --INPUT_WORK-->  outer, inner;   --INPUT_CALC-->  add, multiply
    add --CREATE--> sum;  multiply --CREATE--> product;  inner, outer --RETURN--> product
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import numpy

from provgraph import orm
from provgraph.provenance import calcfunction, workfunction


@calcfunction
def add(x: Any, y: Any) -> Any:
    return x + y


@calcfunction
def multiply(x: Any, y: Any) -> Any:
    return x * y


@calcfunction
def describe(parameters: Any) -> Any:
    return orm.Str(f"{len(parameters.get_dict())} keys")


@calcfunction
def explode(x: Any) -> Any:
    raise ValueError(f"deliberate failure for {x.value}")


@workfunction
def inner(x: Any, y: Any, z: Any) -> Any:
    return multiply(add(x, y), z)


@workfunction
def outer(x: Any, y: Any, z: Any) -> Any:
    return inner(x, y, z)


#: The description of x: quotes, a backslash, a newline, a tab (escaped differently by each format).
DESCRIPTION = 'the x of "x + y",\\ then\n\ta second line'

#: Values of the Dict node: nested, unicode, every JSON type.
PARAMETERS = {"name": "Grüße|1", "nested": {"list": [1, 2.5, None, True]}, "count": 3, "flag": False}


@dataclass
class ProvGraph:
    """The nodes of the graph, by role."""

    x: orm.Node
    y: orm.Node
    z: orm.Node
    outer: orm.Node
    inner: orm.Node
    add: orm.Node
    multiply: orm.Node
    sum: orm.Node
    product: orm.Node
    parameters: orm.Node
    describe: orm.Node
    description: orm.Node
    array: orm.Node
    excepted: orm.Node
    running: orm.Node
    other_user: orm.User
    group: orm.Group
    empty_group: orm.Group


def build_graph() -> ProvGraph:
    """Record the graph in the loaded profile."""
    x, y, z = orm.Int(1).store(), orm.Float(2.5).store(), orm.Int(3).store()
    x.label = "first input"
    x.description = DESCRIPTION
    product = outer(x, y, z)
    outer_node = product.base.links.get_incoming(link_type=orm.LinkType.RETURN).all()
    workflows = {triple.node.process_label: triple.node for triple in outer_node}
    multiply_node = product.base.links.get_incoming(link_type=orm.LinkType.CREATE).one().node
    product_of = multiply_node.base.links.get_incoming(link_type=orm.LinkType.INPUT_CALC).all()
    sum_node = next(triple.node for triple in product_of if triple.link_label == "x")
    add_node = sum_node.base.links.get_incoming(link_type=orm.LinkType.CREATE).one().node

    other_user = orm.User("other@provgraph.test", "Other", "Persön", "provgraph").store()
    parameters = orm.Dict(PARAMETERS)
    parameters.user = other_user
    parameters.store()
    description = describe(parameters)
    describe_node = description.base.links.get_incoming(link_type=orm.LinkType.CREATE).one().node
    array = orm.ArrayData()
    array.set_array("x", numpy.arange(6).reshape(2, 3))
    array.store()
    with contextlib.suppress(ValueError):
        explode(orm.Int(13))
    excepted = (
        orm.QueryBuilder()
        .append(orm.CalcFunctionNode, filters={"attributes.process_state": "excepted"})
        .one()[0]
    )
    running = orm.WorkflowNode()
    running.set_process_state("running")
    running.store()
    group = orm.Group("prov/results").store()
    group.add_nodes([product, description])
    empty_group = orm.Group("prov/empty").store()
    return ProvGraph(
        x=x,
        y=y,
        z=z,
        outer=workflows["outer"],
        inner=workflows["inner"],
        add=add_node,
        multiply=multiply_node,
        sum=sum_node,
        product=product,
        parameters=parameters,
        describe=describe_node,
        description=description,
        array=array,
        excepted=excepted,
        running=running,
        other_user=other_user,
        group=group,
        empty_group=empty_group,
    )
