"""Records of a calculation job's stashed files (AiiDA's ``data.core.remote.stash.*`` node types).

provgraph runs no calculation jobs, so nothing here copies files: the nodes hold what AiiDA's
hold (the stash mode, where the files went, which files) so that such nodes from an AiiDA
profile or archive load, query and serialise as what they are.
"""

from provgraph.orm.nodes.data.core.stash.stash import (
    RemoteStashCompressedData,
    RemoteStashCustomData,
    RemoteStashData,
    RemoteStashFolderData,
)

__all__ = ["RemoteStashCompressedData", "RemoteStashCustomData", "RemoteStashData", "RemoteStashFolderData"]
