"""``provgraph data core.<type>``: look into data nodes and export their content, as ``verdi data``.

One subgroup per built-in type, named by its entry point as in verdi (``core.dict``,
``core.structure``, ...), each loaded only when used.
"""

from __future__ import annotations

import click

from provgraph.cli.context import ProvgraphGroup

__all__ = ["data"]

#: Every subgroup: the type's entry-point name -> "module:attribute".
DATA_TYPES = {
    "core.array": "provgraph.cli.data.array:array",
    "core.bool": "provgraph.cli.data.values:bool_group",
    "core.cif": "provgraph.cli.data.singlefile:cif",
    "core.dict": "provgraph.cli.data.dictionary:dictionary",
    "core.float": "provgraph.cli.data.values:float_group",
    "core.int": "provgraph.cli.data.values:int_group",
    "core.list": "provgraph.cli.data.values:list_group",
    "core.remote": "provgraph.cli.data.remote:remote",
    "core.singlefile": "provgraph.cli.data.singlefile:singlefile",
    "core.str": "provgraph.cli.data.values:str_group",
    "core.structure": "provgraph.cli.data.structure:structure",
}


@click.group(cls=ProvgraphGroup, lazy_commands=DATA_TYPES)
def data() -> None:
    """Inspect data nodes and export their content, by type (verdi's `data core.<type>`).

    \b
    core.int, core.float, core.str, core.bool, core.list   show the value
    core.dict         show as json (default), yaml, table or tsv
    core.array        show the arrays; export as npy, txt or json
    core.singlefile   content (to standard output), export (to a file)
    core.cif          content, export, list
    core.structure    show, export as xyz, cif or xsf, list
    core.remote       show the computer and folder

    Exports go to standard output unless -o FILE is given, and never replace a file
    without -f/--force. NODE is a pk, a UUID or a unique UUID prefix.

    \b
    Examples:
      provgraph data core.dict show 42 --format yaml
      provgraph data core.structure export 17 -F cif -o quartz.cif
      provgraph data core.singlefile content 23 > notes.txt
    """
