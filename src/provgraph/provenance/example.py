"""The small workflow ``provgraph quickstart`` records, so a new user sees a real graph at once.

A workfunction normalises a series of measurements (an ``ArrayData``) with one calcfunction and
writes a report file (a ``SinglefileData``) with another: two calculations, their inputs and
outputs, the CALL links from the workflow and its RETURN links.
"""

from __future__ import annotations

from typing import Any

from provgraph import orm
from provgraph.orm.nodes.process.workflow import WorkFunctionNode
from provgraph.provenance.functions import calcfunction, workfunction

__all__ = ["record_example_workflow"]


@calcfunction
def normalise(measurements: Any, scale: Any) -> Any:
    """Divide every measurement by the scale."""
    import numpy

    values = numpy.asarray(measurements.get_array("values"), dtype=float) / scale.value
    result = orm.ArrayData()
    result.set_array("values", values)
    return result


@calcfunction
def summarise(normalised: Any) -> Any:
    """Write the mean and the range of the normalised values into a text report."""
    values = normalised.get_array("values")
    report = (
        f"count: {len(values)}\n"
        f"mean:  {float(values.mean()):.6g}\n"
        f"range: {float(values.min()):.6g} .. {float(values.max()):.6g}\n"
    )
    report_file = orm.SinglefileData.from_string(report, filename="report.txt")
    return {"report": report_file, "mean": orm.Float(values.mean())}


@workfunction
def analyse(measurements: Any, scale: Any) -> Any:
    """Normalise the measurements, then summarise them."""
    normalised = normalise(measurements, scale)
    summary = summarise(normalised)
    return {"normalised": normalised, "report": summary["report"], "mean": summary["mean"]}


def record_example_workflow() -> WorkFunctionNode:
    """Run the example on the loaded profile and return the workflow's node."""
    import numpy

    measurements = orm.ArrayData()
    measurements.set_array("values", numpy.array([3.0, 4.5, 6.0, 7.5, 9.0]))
    measurements.label = "measurements"
    _, node = analyse.run_get_node(measurements, orm.Float(1.5))
    if not isinstance(node, WorkFunctionNode):
        raise TypeError(f"the example workflow recorded a {type(node).__name__}")
    return node
