"""Entry-point names that gained the ``core.`` prefix in aiida-core 2.0 (archive steps 0.11 -> 0.13).

Old archives name node classes, schedulers, transports and process plugins by their pre-2.0 entry
points; aiida-core renamed the ones it ships, and its archive migration rewrites exactly these.
"""

from __future__ import annotations

__all__ = ["CALCULATIONS", "DATA_NODE_TYPES", "SCHEDULERS", "TRANSPORTS", "WORKFLOWS"]

# The data classes shipped with aiida-core: node_type ``data.<name>.`` became ``data.core.<name>.``.
_CORE_DATA = (
    "array.ArrayData",
    "array.bands.BandsData",
    "array.kpoints.KpointsData",
    "array.projection.ProjectionData",
    "array.trajectory.TrajectoryData",
    "array.xy.XyData",
    "base.BaseData",
    "bool.Bool",
    "cif.CifData",
    "code.Code",
    "dict.Dict",
    "float.Float",
    "folder.FolderData",
    "int.Int",
    "list.List",
    "numeric.NumericData",
    "orbital.OrbitalData",
    "remote.RemoteData",
    "remote.stash.RemoteStashData",
    "remote.stash.folder.RemoteStashFolderData",
    "singlefile.SinglefileData",
    "str.Str",
    "structure.StructureData",
    "upf.UpfData",
)
DATA_NODE_TYPES: dict[str, str] = {f"data.{name}.": f"data.core.{name}." for name in _CORE_DATA}

SCHEDULERS: dict[str, str] = {
    name: f"core.{name}" for name in ("direct", "lsf", "pbspro", "sge", "slurm", "torque")
}
TRANSPORTS: dict[str, str] = {name: f"core.{name}" for name in ("local", "ssh")}

CALCULATIONS: dict[str, str] = {
    f"aiida.calculations:{name}": f"aiida.calculations:core.{name}"
    for name in ("arithmetic.add", "templatereplacer")
}
WORKFLOWS: dict[str, str] = {
    f"aiida.workflows:{name}": f"aiida.workflows:core.{name}"
    for name in ("arithmetic.add_multiply", "arithmetic.multiply_add")
}
